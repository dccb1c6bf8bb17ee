import VectorStore

/// How several ranked lists become one.
enum Fusion: Equatable {
    /// Reciprocal rank fusion: each list adds `weight / (k + rank)` (rank from 1).
    case rrf(k: Int, weights: [Double]?)
    /// Distribution-based score fusion: scores normalised per list by mean ± 3σ, then summed.
    case dbsf
}

/// The `query` of a `QueryRequest`, reduced to what we execute.
enum QueryKind: Equatable {
    case nearest(VectorInput)
    /// Search with the stored vector of this point (the point itself is left out).
    case point(PointID)
    case fusion(Fusion)
    case orderBy(key: String, descending: Bool)
    /// Our extension: re-rank the prefetched points with a cross-encoder, scoring the payload
    /// text at `field` against `text` (issue 6 supplies the reranker).
    case rerank(text: String, field: String, model: String?)
}

/// A `QueryRequest` (or a level of its `prefetch`), or a legacy `SearchRequest`.
struct QuerySpec {
    var query: QueryKind?
    var using: String = defaultVectorName
    var prefetch: [QuerySpec] = []
    var filter: Filter?
    /// The filter as sent, kept to compose it with `has_id` conditions.
    var filterJSON: JSONValue?
    var ef: Int?
    var exact = false
    var scoreThreshold: Float?
    var limit = 10
    var offset = 0
    var payload: PayloadSelector = .none
    var vectors: VectorSelector = .none
}

/// `QueryRequest`, `SearchRequest` and their batch forms on the wire.
enum QueryWire {
    static let maximumLimit = 100_000

    /// `POST /points/query` and each level of `prefetch` (which has no payload selectors).
    static func query(_ object: WireObject, isPrefetch: Bool = false) throws -> QuerySpec {
        var spec = QuerySpec()
        try readCommon(object, into: &spec)
        spec.using = try object.string("using") ?? defaultVectorName
        if let value = object["query"] {
            spec.query = try queryKind(value, field: object.field("query"))
        }
        if let prefetch = object["prefetch"] {
            let levels = prefetch.arrayValue ?? [prefetch]
            spec.prefetch = try levels.enumerated().map { index, level in
                try query(
                    WireObject(level, path: object.field("prefetch[\(index)]")),
                    isPrefetch: true
                )
            }
        }
        if object.has("lookup_from") {
            throw ServiceError.invalid(object.field("lookup_from"), "is not supported")
        }
        if !isPrefetch {
            spec.offset = try object.int("offset", in: 0...maximumLimit) ?? 0
            spec.payload = try PointWire.payloadSelector(object, default: .none)
            spec.vectors = try PointWire.vectorSelector(object, default: .none)
        }
        switch spec.query {
        case .fusion?, .rerank?:
            if spec.prefetch.isEmpty {
                throw ServiceError.invalid(object.field("query"), "fusion and rerank need `prefetch`")
            }
        default: break
        }
        return spec
    }

    /// Legacy `POST /points/search`: `vector` is required; unknown fields such as LiteLLM's
    /// `with_vectors` are ignored, as Qdrant ignores them.
    static func search(_ object: WireObject) throws -> QuerySpec {
        var spec = QuerySpec()
        try readCommon(object, into: &spec)
        spec.offset = try object.int("offset", in: 0...maximumLimit) ?? 0
        spec.payload = try PointWire.payloadSelector(object, default: .none)
        spec.vectors = try PointWire.vectorSelector(object, default: .none)
        let field = object.field("vector")
        switch object["vector"] {
        case nil:
            throw ServiceError.invalid(field, "missing field `vector`")
        case .object(let members)? where members["name"] != nil:
            let named = try WireObject(.object(members), path: field)
            spec.using = try named.required("name", named.string)
            let vector = try named.required("vector") { named[$0] }
            spec.query = .nearest(try PointWire.vectorInput(vector, field: named.field("vector")))
        case let value?:
            spec.query = .nearest(try PointWire.vectorInput(value, field: field))
        }
        return spec
    }

    /// `filter`, `params`, `score_threshold` and `limit`, shared by every search form.
    private static func readCommon(_ object: WireObject, into spec: inout QuerySpec) throws {
        spec.filterJSON = object["filter"]
        spec.filter = try Wire.filter(object["filter"], field: object.field("filter"))
        if let params = try object.object("params") {
            spec.ef = try params.int("hnsw_ef", in: 1...maximumLimit)
            spec.exact = try params.bool("exact") ?? false
        }
        if let threshold = try object.double("score_threshold") {
            spec.scoreThreshold = Float(threshold)
        }
        // Qdrant's `limit` minimum is 1 for search, query and prefetch (OpenAPI 1.19).
        spec.limit = try object.int("limit", in: 1...maximumLimit) ?? 10
    }

    /// The `query` member: a vector, a point id, or one of the object forms we run.
    static func queryKind(_ value: JSONValue, field: String) throws -> QueryKind {
        switch value {
        case .array: return .nearest(try PointWire.vectorInput(value, field: field))
        case .int, .unsigned: return .point(try Wire.pointID(value, field: field))
        case .string:
            return .point(try Wire.pointID(value, field: field))
        case .object(let members):
            return try objectQuery(WireObject(value, path: field), members: members)
        default:
            throw ServiceError.invalid(
                field,
                "expected a vector, a point id or an object, "
                    + "got \(value.typeName)"
            )
        }
    }

    private static func objectQuery(
        _ object: WireObject,
        members: [String: JSONValue]
    ) throws
        -> QueryKind
    {
        if PointWire.isDocument(members) {
            return .nearest(try PointWire.vectorInput(.object(members), field: object.path))
        }
        if let nearest = object["nearest"] {
            if object.has("mmr") {
                throw ServiceError.invalid(object.field("mmr"), "is not supported")
            }
            switch try queryKind(nearest, field: object.field("nearest")) {
            case .nearest(let input): return .nearest(input)
            case .point(let id): return .point(id)
            case .fusion, .orderBy, .rerank:
                throw ServiceError.invalid(
                    object.field("nearest"),
                    "expected a vector or a point id"
                )
            }
        }
        if let fusion = try object.string("fusion") {
            switch fusion {
            case "rrf": return .fusion(.rrf(k: 2, weights: nil))
            case "dbsf": return .fusion(.dbsf)
            default:
                throw ServiceError.invalid(
                    object.field("fusion"),
                    "expected rrf or dbsf, got \(fusion)"
                )
            }
        }
        if let rrf = try object.object("rrf") {
            let weights = try rrf.array("weights")?.enumerated().map { index, weight in
                guard let number = weight.numberValue else {
                    throw ServiceError.invalid(rrf.field("weights[\(index)]"), "expected a number")
                }
                return number
            }
            return .fusion(.rrf(k: try rrf.int("k", in: 1...1_000_000) ?? 2, weights: weights))
        }
        if object.has("order_by") { return try orderBy(object) }
        if let rerank = try object.object("rerank") {
            return .rerank(
                text: try rerank.required("text", rerank.string),
                field: try rerank.string("field") ?? "text", model: try rerank.string("model"))
        }
        let name = members.keys.sorted().first ?? "{}"
        throw ServiceError.invalid(object.field(name), "this query type is not supported")
    }

    /// `order_by`: a key, or `{key, direction}`.
    static func orderBy(_ object: WireObject) throws -> QueryKind {
        switch object["order_by"] {
        case .string(let key)?: return .orderBy(key: key, descending: false)
        case .object?:
            let order = try object.required("order_by", object.object)
            let key = try order.required("key", order.string)
            switch try order.string("direction") ?? "asc" {
            case "asc": return .orderBy(key: key, descending: false)
            case "desc": return .orderBy(key: key, descending: true)
            case let other:
                throw ServiceError.invalid(
                    order.field("direction"),
                    "expected asc or desc, got \(other)"
                )
            }
        default:
            throw ServiceError.invalid(object.field("order_by"), "expected a key or an object")
        }
    }

    /// `{"searches": [...]}` of the batch endpoints.
    static func batch<T>(_ body: WireObject, _ read: (WireObject) throws -> T) throws -> [T] {
        let searches = try body.required("searches", body.array)
        return try searches.enumerated().map { index, element in
            try read(WireObject(element, path: body.field("searches[\(index)]")))
        }
    }
}
