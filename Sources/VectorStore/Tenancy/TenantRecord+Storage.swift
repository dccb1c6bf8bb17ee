/// Stored JSON forms of the registry's records.
extension TenantLimits {
    var storageJSON: JSONValue {
        func number(_ value: Int?) -> JSONValue { value.map { .int(Int64($0)) } ?? .null }
        return .object([
            "read_requests_per_minute": number(readRequestsPerMinute),
            "write_requests_per_minute": number(writeRequestsPerMinute),
            "embed_tokens_per_minute": number(embedTokensPerMinute),
            "max_points": number(maxPoints),
            "max_bytes": number(maxBytes),
            "max_collections": number(maxCollections),
        ])
    }

    init(storageJSON json: JSONValue) {
        func number(_ key: String) -> Int? { json[key]?.intValue.map { Int($0) } }
        self.init()
        readRequestsPerMinute = number("read_requests_per_minute")
        writeRequestsPerMinute = number("write_requests_per_minute")
        embedTokensPerMinute = number("embed_tokens_per_minute")
        maxPoints = number("max_points")
        maxBytes = number("max_bytes")
        maxCollections = number("max_collections")
    }
}

extension TenantRecord {
    var storageJSON: JSONValue {
        .object([
            "name": .string(name), "incarnation": .string(incarnation),
            "created_at": .double(createdAt), "limits": limits.storageJSON,
        ])
    }

    init(storageJSON json: JSONValue) throws {
        guard let name = json["name"]?.stringValue,
            let incarnation = json["incarnation"]?.stringValue,
            let createdAt = json["created_at"]?.numberValue
        else { throw StoreError.corrupted("tenant record \(json.jsonString)") }
        self.init(
            name: name,
            incarnation: incarnation,
            createdAt: createdAt,
            limits: TenantLimits(storageJSON: json["limits"] ?? .null)
        )
    }
}

extension KeyRecord {
    var storageJSON: JSONValue {
        .object([
            "id": .string(id), "tenant": .string(tenant), "hash": .string(hash),
            "can_write": .bool(canWrite),
            "collections": collections.map { .array($0.sorted().map { .string($0) }) } ?? .null,
            "created_at": .double(createdAt),
        ])
    }

    init(storageJSON json: JSONValue) throws {
        guard let id = json["id"]?.stringValue, let tenant = json["tenant"]?.stringValue,
            let hash = json["hash"]?.stringValue
        else { throw StoreError.corrupted("key record") }
        let collections = json["collections"]?.arrayValue.map {
            Set($0.compactMap { $0.stringValue })
        }
        self.init(
            id: id,
            tenant: tenant,
            hash: hash,
            canWrite: json["can_write"]?.boolValue ?? false,
            collections: collections,
            createdAt: json["created_at"]?.numberValue ?? 0
        )
    }
}
