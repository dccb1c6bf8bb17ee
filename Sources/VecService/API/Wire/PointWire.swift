import VectorStore

/// A vector as a request gives it: numbers, or text for the embedder to turn into numbers.
enum VectorInput: Equatable {
    case dense([Float])
    /// Qdrant's `Document{text, model}`; needs the embedder (issue 6).
    case document(text: String, model: String?)
}

/// A point as an upsert gives it, before documents are embedded.
struct PointInput {
    var id: PointID
    var vectors: [String: VectorInput]
    var payload: [String: JSONValue]
}

/// Points, selectors and records on the wire, in Qdrant's names.
enum PointWire {
    // MARK: - Upsert

    /// Reads `{"points": [...]}` or `{"batch": {...}}`. Every id and vector is checked before
    /// anything is returned, so a bad element rejects the whole request (B20).
    static func upsert(_ body: WireObject) throws -> [PointInput] {
        if let points = try body.array("points") {
            return try points.enumerated().map { index, element in
                try point(WireObject(element, path: body.field("points[\(index)]")))
            }
        }
        if let batch = try body.object("batch") { return try self.batch(batch) }
        throw ServiceError.invalid(body.field("points"), "expected `points` or `batch`")
    }

    static func point(_ object: WireObject) throws -> PointInput {
        guard let idValue = object["id"] else {
            throw ServiceError.invalid(object.field("id"), "missing field `id`")
        }
        let id = try Wire.pointID(idValue, field: object.field("id"))
        let vectors = try pointVectors(object["vector"], field: object.field("vector"))
        return PointInput(id: id, vectors: vectors, payload: try payload(object, key: "payload"))
    }

    /// A point's `vector`: a bare vector for the default name, or a map of named vectors.
    static func pointVectors(_ value: JSONValue?, field: String) throws -> [String: VectorInput] {
        guard let value else { return [:] }
        if case .object(let members) = value, !isDocument(members) {
            var vectors: [String: VectorInput] = [:]
            for (name, vector) in members {
                vectors[name] = try vectorInput(vector, field: "\(field).\(name)")
            }
            return vectors
        }
        return [defaultVectorName: try vectorInput(value, field: field)]
    }

    /// One vector: numbers or a `Document`. Sparse and multi-vectors are refused by name.
    static func vectorInput(_ value: JSONValue, field: String) throws -> VectorInput {
        switch value {
        case .array(let elements):
            if case .array? = elements.first {
                throw ServiceError.invalid(field, "multi-vectors are not supported")
            }
            return .dense(try Wire.vector(value, field: field))
        case .object(let members) where isDocument(members):
            let object = try WireObject(value, path: field)
            return .document(
                text: try object.required("text", object.string),
                model: try object.string("model")
            )
        case .object(let members) where members["indices"] != nil:
            throw ServiceError.invalid(field, "sparse vectors are not supported")
        default:
            throw ServiceError.invalid(field, "expected an array of numbers, got \(value.typeName)")
        }
    }

    static func isDocument(_ members: [String: JSONValue]) -> Bool {
        if case .string? = members["text"] { return true }
        return false
    }

    static func batch(_ batch: WireObject) throws -> [PointInput] {
        let idValues = try batch.required("ids", batch.array)
        let ids = try Wire.pointIDs(idValues, field: batch.field("ids"))
        let vectors = try batchVectors(batch, count: ids.count)
        let payloads = try batch.array("payloads")
        if let payloads, payloads.count != ids.count {
            throw ServiceError.invalid(
                batch.field("payloads"),
                "has \(payloads.count) entries for \(ids.count) ids"
            )
        }
        return try ids.enumerated().map { index, id in
            var payload: [String: JSONValue] = [:]
            if let entry = payloads?[index], !entry.isNull {
                guard let object = entry.objectValue else {
                    throw ServiceError.invalid(
                        batch.field("payloads[\(index)]"),
                        "expected an object, got \(entry.typeName)"
                    )
                }
                payload = object
            }
            return PointInput(id: id, vectors: vectors[index], payload: payload)
        }
    }

    /// `vectors` of a batch: a list (default vector) or a map of name → list, one per id.
    private static func batchVectors(
        _ batch: WireObject,
        count: Int
    ) throws
        -> [[String: VectorInput]]
    {
        var result = Array(repeating: [String: VectorInput](), count: count)
        func fill(_ list: [JSONValue], name: String, field: String) throws {
            guard list.count == count else {
                throw ServiceError.invalid(field, "has \(list.count) vectors for \(count) ids")
            }
            for (index, value) in list.enumerated() {
                result[index][name] = try vectorInput(value, field: "\(field)[\(index)]")
            }
        }
        switch batch["vectors"] {
        case .array(let list)?:
            try fill(list, name: defaultVectorName, field: batch.field("vectors"))
        case .object(let named)?:
            for (name, value) in named {
                let field = batch.field("vectors.\(name)")
                guard let list = value.arrayValue else {
                    throw ServiceError.invalid(field, "expected an array, got \(value.typeName)")
                }
                try fill(list, name: name, field: field)
            }
        case nil:
            throw ServiceError.invalid(batch.field("vectors"), "missing field `vectors`")
        case let other?:
            throw ServiceError.invalid(
                batch.field("vectors"),
                "expected an array or object, got \(other.typeName)"
            )
        }
        return result
    }

    static func payload(_ object: WireObject, key: String) throws -> [String: JSONValue] {
        guard let value = object[key] else { return [:] }
        guard let members = value.objectValue else {
            throw object.mistyped(key, "an object", value)
        }
        return members
    }

    // MARK: - Selections and selectors

    /// A `PointsSelector`: `{"points": [ids]}` or `{"filter": {...}}`, exactly one.
    static func selection(_ object: WireObject) throws -> PointSelection {
        let ids = try object.array("points")
        let filter = object["filter"]
        switch (ids, filter) {
        case (let ids?, nil):
            return .ids(try Wire.pointIDs(ids, field: object.field("points")))
        case (nil, let filter?):
            return .filter(try Wire.filter(filter, field: object.field("filter"))!)
        case (.some, .some):
            throw ServiceError.invalid(
                object.field("points"),
                "give `points` or `filter`, not both"
            )
        case (nil, nil):
            throw ServiceError.invalid(object.field("points"), "expected `points` or `filter`")
        }
    }

    /// `with_payload`: a boolean, a list of fields, or `{include}` / `{exclude}`.
    static func payloadSelector(
        _ object: WireObject,
        default fallback: PayloadSelector
    ) throws
        -> PayloadSelector
    {
        let key = "with_payload"
        switch object[key] {
        case nil: return fallback
        case .bool(let flag)?: return flag ? .all : .none
        case .array?: return .include(try object.stringArray(key) ?? [])
        case .object?:
            let selector = try object.required(key, object.object)
            if let include = try selector.stringArray("include") { return .include(include) }
            if let exclude = try selector.stringArray("exclude") { return .exclude(exclude) }
            throw ServiceError.invalid(selector.path, "expected `include` or `exclude`")
        case let other?:
            throw object.mistyped(key, "a boolean, a list or an object", other)
        }
    }

    /// `with_vector` (or the plural some clients send): a boolean or a list of names.
    static func vectorSelector(
        _ object: WireObject,
        default fallback: VectorSelector
    ) throws
        -> VectorSelector
    {
        let key = "with_vector"
        switch object[key] {
        case nil: return fallback
        case .bool(let flag)?: return flag ? .all : .none
        case .array?: return .named(try object.stringArray(key) ?? [])
        case let other?: throw object.mistyped(key, "a boolean or a list of names", other)
        }
    }

    // MARK: - Responses

    static func record(_ record: Record) -> JSONValue {
        [
            "id": record.id.json, "payload": record.payload.map(JSONValue.object) ?? .null,
            "vector": record.vectors.map(vectors) ?? .null,
        ]
    }

    /// A hit; after a rerank it also carries `retrieval_score` (our extension: the score of
    /// the search that found it, while `score` is the reranker's).
    static func scored(_ point: ScoredPoint) -> JSONValue {
        var object: [String: JSONValue] = [
            "id": point.id.json, "version": .unsigned(point.version).normalizedInteger,
            "score": Wire.float(point.score),
            "payload": point.payload.map(JSONValue.object) ?? .null,
            "vector": point.vectors.map(vectors) ?? .null,
        ]
        if let retrieval = point.retrievalScore { object["retrieval_score"] = Wire.float(retrieval) }
        return .object(object)
    }

    /// The default vector alone is written bare, as Qdrant does; named vectors as a map.
    static func vectors(_ vectors: [String: [Float]]) -> JSONValue {
        if vectors.count == 1, let single = vectors[defaultVectorName] {
            return .array(single.map(Wire.float))
        }
        return .object(vectors.mapValues { .array($0.map(Wire.float)) })
    }
}

extension Wire {
    /// A float as the shortest decimal that reads back to it, not its widened double
    /// (`0.1`, not `0.10000000149011612`).
    static func float(_ value: Float) -> JSONValue {
        guard value.isFinite else { return .null }
        return .double(Double(value.description) ?? Double(value))
    }
}
