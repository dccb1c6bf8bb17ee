import VectorStore

/// The admin API's bodies: tenants, limits and keys.
enum TenantWire {
    /// Limit names on the wire, with how each reads and writes `TenantLimits`.
    static let limitFields: [(name: String, path: WritableKeyPath<TenantLimits, Int?>)] = [
        ("read_requests_per_minute", \.readRequestsPerMinute),
        ("write_requests_per_minute", \.writeRequestsPerMinute),
        ("embed_tokens_per_minute", \.embedTokensPerMinute),
        ("max_points", \.maxPoints),
        ("max_bytes", \.maxBytes),
        ("max_collections", \.maxCollections),
    ]

    static func validateName(_ name: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A)
                || (byte >= 0x61 && byte <= 0x7A) || byte == 0x2D || byte == 0x5F
        }
        guard allowed, (1...64).contains(name.utf8.count) else {
            throw ServiceError.invalid(
                "tenant",
                "`\(name)` must be 1-64 characters of letters, digits, '-' and '_'"
            )
        }
    }

    /// Applies `{"limits": {...}}` onto `limits`: a number sets a limit, `null` removes it.
    /// Unknown limit names are refused, so a typo never leaves a tenant unlimited silently.
    static func limits(_ body: WireObject, onto limits: TenantLimits) throws -> TenantLimits {
        guard let given = try body.object("limits") else { return limits }
        var result = limits
        let known = Set(limitFields.map(\.name))
        for key in given.members.keys where !known.contains(key) {
            throw ServiceError.invalid(given.field(key), "unknown limit")
        }
        for (name, path) in limitFields where given.members[name] != nil {
            result[keyPath: path] = try given.int(name, in: 0...Int.max)
        }
        return result
    }

    static func limitsJSON(_ limits: TenantLimits) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (name, path) in limitFields {
            object[name] = limits[keyPath: path].map { .int(Int64($0)) } ?? .null
        }
        return .object(object)
    }

    static func tenant(_ record: TenantRecord) -> [String: JSONValue] {
        [
            "name": .string(record.name), "created_at": .double(record.createdAt),
            "limits": limitsJSON(record.limits),
        ]
    }

    /// `{"access": "r" | "rw", "collections": [...]?}` → may write, collection scope.
    static func keyRequest(_ body: WireObject) throws -> (canWrite: Bool, collections: Set<String>?)
    {
        let canWrite: Bool
        switch try body.string("access") ?? "rw" {
        case "r": canWrite = false
        case "rw": canWrite = true
        case let other: throw ServiceError.invalid("access", "expected r or rw, got \(other)")
        }
        let collections = try body.stringArray("collections")
        try collections?.forEach { try CollectionWire.validateName($0, field: "collections") }
        return (canWrite, collections.map(Set.init))
    }

    static func key(_ record: KeyRecord) -> JSONValue {
        [
            "id": .string(record.id), "access": record.canWrite ? "rw" : "r",
            "collections": record.collections.map { .array($0.sorted().map(JSONValue.string)) }
                ?? .null,
            "created_at": .double(record.createdAt),
        ]
    }
}
