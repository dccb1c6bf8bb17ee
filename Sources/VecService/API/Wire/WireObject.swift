import VectorStore

/// Typed access to a JSON object's members, with errors that name the field by its full path
/// (`searches[1].limit`). Absent and `null` members read the same, as Qdrant's optional fields.
struct WireObject {
    let members: [String: JSONValue]
    /// Where this object sits in the request; empty for the body itself.
    let path: String

    init(_ value: JSONValue, path: String = "") throws {
        guard case .object(let members) = value else {
            throw ServiceError.invalid(
                path.isEmpty ? "body" : path,
                "expected an object, got \(value.typeName)"
            )
        }
        self.members = members
        self.path = path
    }

    /// The body of a request: empty means `{}`, so bodiless POSTs (count, scroll) work.
    static func body(_ request: Request) throws -> WireObject {
        if request.body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return try WireObject(.object([:]))
        }
        do {
            return try WireObject(try JSONValue.parse(request.body))
        } catch let error as JSONParseError {
            throw ServiceError.malformedJSON(error)
        }
    }

    func field(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    subscript(key: String) -> JSONValue? {
        guard let value = members[key], !value.isNull else { return nil }
        return value
    }

    func has(_ key: String) -> Bool { self[key] != nil }

    func string(_ key: String) throws -> String? {
        guard let value = self[key] else { return nil }
        guard let text = value.stringValue else { throw mistyped(key, "a string", value) }
        return text
    }

    func bool(_ key: String) throws -> Bool? {
        guard let value = self[key] else { return nil }
        guard let flag = value.boolValue else { throw mistyped(key, "a boolean", value) }
        return flag
    }

    /// An integer in `range`; doubles with no fraction are accepted as Qdrant's serde does not,
    /// but Python clients sometimes send `10.0`.
    func int(_ key: String, in range: ClosedRange<Int> = 0...Int(Int32.max)) throws -> Int? {
        guard let value = self[key] else { return nil }
        guard let number = value.intValue, let integer = Int(exactly: number),
            range.contains(integer)
        else {
            throw ServiceError.invalid(
                field(key),
                "expected an integer in \(range.lowerBound)...\(range.upperBound), got \(value)"
            )
        }
        return integer
    }

    func double(_ key: String) throws -> Double? {
        guard let value = self[key] else { return nil }
        guard let number = value.numberValue, number.isFinite else {
            throw mistyped(key, "a number", value)
        }
        return number
    }

    func object(_ key: String) throws -> WireObject? {
        guard let value = self[key] else { return nil }
        return try WireObject(value, path: field(key))
    }

    func array(_ key: String) throws -> [JSONValue]? {
        guard let value = self[key] else { return nil }
        guard let elements = value.arrayValue else { throw mistyped(key, "an array", value) }
        return elements
    }

    func stringArray(_ key: String) throws -> [String]? {
        guard let elements = try array(key) else { return nil }
        return try elements.enumerated().map { index, element in
            guard let text = element.stringValue else {
                throw ServiceError.invalid(
                    "\(field(key))[\(index)]",
                    "expected a string, got \(element.typeName)"
                )
            }
            return text
        }
    }

    func required<T>(_ key: String, _ read: (String) throws -> T?) throws -> T {
        guard let value = try read(key) else {
            throw ServiceError.invalid(field(key), "missing field `\(key)`")
        }
        return value
    }

    func mistyped(_ key: String, _ expected: String, _ value: JSONValue) -> ServiceError {
        .invalid(field(key), "expected \(expected), got \(value.typeName)")
    }
}

/// Small conversions shared by every wire file.
enum Wire {
    /// A dense vector: an array of finite numbers.
    static func vector(_ value: JSONValue, field: String) throws -> [Float] {
        guard case .array(let elements) = value else {
            throw ServiceError.invalid(field, "expected an array of numbers, got \(value.typeName)")
        }
        var vector: [Float] = []
        vector.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard let number = element.numberValue, number.isFinite, abs(number) <= 3.4e38 else {
                throw ServiceError.invalid(
                    "\(field)[\(index)]",
                    "expected a finite number, got \(element)"
                )
            }
            vector.append(Float(number))
        }
        guard !vector.isEmpty else { throw ServiceError.invalid(field, "vector is empty") }
        return vector
    }

    /// A point id, with the error naming both the field and the rejected value (B20).
    static func pointID(_ value: JSONValue, field: String) throws -> PointID {
        do {
            return try PointID(json: value)
        } catch {
            throw ServiceError.invalid(field, error.description)
        }
    }

    static func pointIDs(_ values: [JSONValue], field: String) throws -> [PointID] {
        try values.enumerated().map { index, value in
            try pointID(value, field: "\(field)[\(index)]")
        }
    }

    /// A filter, parsed strictly by the store's `Filter` (unknown keys are refused there).
    static func filter(_ value: JSONValue?, field: String) throws -> Filter? {
        guard let value, !value.isNull else { return nil }
        guard value.objectValue != nil else {
            throw ServiceError.invalid(field, "expected a filter object, got \(value.typeName)")
        }
        return try Filter(json: value)
    }

    /// `wait=true` asks for a synced write; anything else for a buffered one.
    static func durability(_ request: Request) throws -> WriteDurability {
        switch request.query["wait"]?.lowercased() {
        case nil, "false", "0": return .buffered
        case "true", "1", "": return .synced
        case let other?: throw ServiceError.invalid("wait", "expected true or false, got \(other)")
        }
    }

    /// Qdrant's `UpdateResult` for a write made with `durability`.
    static func updateResult(_ durability: WriteDurability, operationID: UInt64) -> JSONValue {
        let status: JSONValue
        switch durability {
        case .synced: status = "completed"
        case .buffered: status = "acknowledged"
        }
        return ["operation_id": .unsigned(operationID).normalizedInteger, "status": status]
    }
}

extension JSONValue {
    /// `.unsigned` values that fit `Int64` as `.int`, so they serialise identically.
    var normalizedInteger: JSONValue {
        if case .unsigned(let value) = self, value <= UInt64(Int64.max) {
            return .int(Int64(value))
        }
        return self
    }
}
