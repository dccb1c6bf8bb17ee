// CONTRACT SCAFFOLD: the filter work replaces this file.

/// A parsed Qdrant filter (`must`, `should`, `must_not`, `min_should`, conditions).
public struct Filter: Sendable {
    /// Parses a filter; unknown keys are refused with `StoreError.invalidFilter` naming the key.
    public init(json: JSONValue) throws { unimplemented() }

    /// Whether a point with this id, payload and set of vector names matches.
    public func matches(id: PointID, payload: [String: JSONValue], vectorNames: Set<String>) -> Bool {
        unimplemented()
    }
}

/// A payload index's type and parameters (Qdrant's `PayloadFieldSchema`).
public struct PayloadFieldSchema: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case keyword, integer, float, bool, geo, datetime, text, uuid
    }
    public var kind: Kind
    /// Parameters given in the object form (`is_tenant`, `lookup`, `range`, `tokenizer`, …).
    public var parameters: [String: JSONValue]

    public init(kind: Kind, parameters: [String: JSONValue] = [:]) {
        self.kind = kind
        self.parameters = parameters
    }

    /// Parses `"keyword"` or `{"type": "keyword", ...}`.
    public init(json: JSONValue) throws {
        unimplemented()
    }

    /// The wire form, as `payload_schema` reports it.
    public var json: JSONValue { unimplemented() }
}
