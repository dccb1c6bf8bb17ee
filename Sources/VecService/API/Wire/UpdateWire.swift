import VectorStore

/// One write, as the single-purpose routes and `points/batch` give it.
enum UpdateOperation {
    case upsert([PointInput])
    case delete(PointSelection)
    case setPayload([String: JSONValue], PointSelection, key: String?)
    case overwritePayload([String: JSONValue], PointSelection)
    case deletePayload(keys: [String], PointSelection)
    case clearPayload(PointSelection)
}

/// Update bodies on the wire, in Qdrant's names.
enum UpdateWire {
    /// `SetPayload`: `{payload, points | filter, key?}`.
    static func setPayload(
        _ object: WireObject,
        allowKey: Bool
    ) throws
        -> ([String: JSONValue], PointSelection, String?)
    {
        guard object.has("payload") else {
            throw ServiceError.invalid(object.field("payload"), "missing field `payload`")
        }
        let payload = try PointWire.payload(object, key: "payload")
        // Qdrant's `overwrite_payload` ignores `key` (it replaces the whole payload), so the
        // overwrite forms do not read it.
        let key = allowKey ? try object.string("key") : nil
        // Checked here too (the store checks again) so a bad key in `points/batch` refuses
        // the batch before any operation runs.
        if let key { _ = try PayloadEditing.setPath(key, field: object.field("key")) }
        return (payload, try PointWire.selection(object), key)
    }

    /// `DeletePayload`: `{keys, points | filter}`; each key a JSON path.
    static func deletePayload(_ object: WireObject) throws -> ([String], PointSelection) {
        let keys = try object.required("keys", object.stringArray)
        for (index, key) in keys.enumerated() {
            _ = try PayloadEditing.path(key, field: object.field("keys[\(index)]"))
        }
        return (keys, try PointWire.selection(object))
    }

    /// `{"operations": [...]}` of `points/batch`. All operations are read before any runs, so
    /// a malformed one rejects the whole batch with nothing written.
    static func batch(_ body: WireObject) throws -> [UpdateOperation] {
        let operations = try body.required("operations", body.array)
        return try operations.enumerated().map { index, element in
            try operation(WireObject(element, path: body.field("operations[\(index)]")))
        }
    }

    static func operation(_ object: WireObject) throws -> UpdateOperation {
        guard object.members.count == 1, let (name, _) = object.members.first else {
            throw ServiceError.invalid(object.path, "expected exactly one operation")
        }
        let inner = try object.required(name, object.object)
        switch name {
        case "upsert": return .upsert(try PointWire.upsert(inner))
        case "delete": return .delete(try PointWire.selection(inner))
        case "set_payload":
            let (payload, selection, key) = try setPayload(inner, allowKey: true)
            return .setPayload(payload, selection, key: key)
        case "overwrite_payload":
            let (payload, selection, _) = try setPayload(inner, allowKey: false)
            return .overwritePayload(payload, selection)
        case "delete_payload":
            let (keys, selection) = try deletePayload(inner)
            return .deletePayload(keys: keys, selection)
        case "clear_payload": return .clearPayload(try PointWire.selection(inner))
        default:
            throw ServiceError.invalid(object.field(name), "unknown or unsupported operation")
        }
    }

    /// `CreateFieldIndex`: `{field_name, field_schema}` with the schema as a type name or an
    /// object `{type, ...params}`.
    static func fieldIndex(_ object: WireObject) throws -> (String, PayloadFieldSchema) {
        let field = try object.required("field_name", object.string)
        guard !field.isEmpty else {
            throw ServiceError.invalid(object.field("field_name"), "must not be empty")
        }
        guard let schema = object["field_schema"] else {
            throw ServiceError.invalid(object.field("field_schema"), "missing field `field_schema`")
        }
        // The store's parser checks the type and its parameters (`is_tenant`, `tokenizer`, …).
        return (field, try PayloadFieldSchema(json: schema))
    }
}
