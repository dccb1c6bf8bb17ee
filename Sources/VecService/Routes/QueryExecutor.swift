import VectorStore

/// Runs a `QuerySpec` on one collection: a plain nearest-neighbour search, a search by a
/// stored point's vector, an ordered scroll, or a level of `prefetch` followed by fusion or
/// re-scoring of its candidates.
struct QueryExecutor {
    let context: RouteContext
    let session: TenantSession

    var collection: String { context.collection }

    func run(_ spec: QuerySpec) throws -> [ScoredPoint] {
        if spec.prefetch.isEmpty { return try runSingle(spec) }
        if case .rerank(let text, let field, let model)? = spec.query {
            // Refused before the prefetch runs, so a bad rerank costs no embedding.
            try checkRerank(text: text, field: field, model: model)
        }
        let lists = try spec.prefetch.map { try run($0) }
        switch spec.query {
        case .fusion(let fusion):
            let fused = QueryExecutor.fuse(lists, fusion).filter { point in
                spec.scoreThreshold.map { point.score >= $0 } ?? true
            }
            return try attach(page(fused, spec), spec)
        case .rerank(let text, let field, let model):
            return try rerank(QueryExecutor.distinctPoints(lists), text: text, field: field,
                              model: model, spec)
        case .nearest, .point, .orderBy:
            // Re-score only the prefetched candidates with the outer query.
            let ids = QueryExecutor.distinctIDs(lists)
            guard !ids.isEmpty else { return [] }
            var outer = spec
            outer.prefetch = []
            outer.filterJSON = QueryExecutor.adding(hasID: ids, to: spec.filterJSON, negated: false)
            outer.filter = try Wire.filter(outer.filterJSON, field: "filter")
            outer.exact = true
            return try runSingle(outer)
        case nil:
            let merged = QueryExecutor.distinctPoints(lists)
            return try attach(page(merged, spec), spec)
        }
    }

    private func runSingle(_ spec: QuerySpec) throws -> [ScoredPoint] {
        switch spec.query {
        case .nearest(let input):
            let model = try documentModel(input)
            let vector = try Inference.vector(input, context: context, collectionModel: model)
            return try search(vector, spec)
        case .point(let id):
            var excluding = spec
            excluding.filterJSON = QueryExecutor.adding(
                hasID: [id],
                to: spec.filterJSON,
                negated: true
            )
            excluding.filter = try Wire.filter(excluding.filterJSON, field: "filter")
            return try search(storedVector(id, using: spec.using), excluding)
        case .orderBy(let key, let descending):
            return try scrolled(spec, orderBy: (key, descending))
        case nil:
            return try scrolled(spec, orderBy: nil)
        case .fusion, .rerank:
            throw ServiceError.invalid("query", "fusion and rerank need `prefetch`")
        }
    }

    /// Scores each candidate's payload text at `field` against `text` with the cross-encoder
    /// and ranks by that score (the raw logit), keeping the search's score as
    /// `retrievalScore`. A candidate without text at `field` is a 400 naming it: silently
    /// dropping it would hide a wrong `field` behind fewer results.
    private func rerank(
        _ candidates: [ScoredPoint], text: String, field: String, model: String?,
        _ spec: QuerySpec
    ) throws -> [ScoredPoint] {
        guard !candidates.isEmpty else { return [] }
        let records = try session.retrieve(
            collection, ids: candidates.map(\.id), payload: .include([field]), vectors: .none)
        let texts = Dictionary(records.map { ($0.id, $0.payload?[field]) },
                               uniquingKeysWith: { first, _ in first })
        let passages = try candidates.map { candidate -> String in
            guard case .string(let passage)?? = texts[candidate.id] else {
                let found: JSONValue? = texts[candidate.id] ?? nil
                let message = found.map { value in
                    "point \(candidate.id): payload field `\(field)` is of type "
                        + "\(value.typeName), not text"
                } ?? "point \(candidate.id) has no payload field `\(field)` to rerank"
                throw ServiceError.invalid("query.rerank.field", message)
            }
            return passage
        }
        let scores = try Inference.rerank(query: text, passages: passages, model: model,
                                          context: context)
        var ranked: [(order: Int, point: ScoredPoint)] = []
        for (index, candidate) in candidates.enumerated() {
            if let threshold = spec.scoreThreshold, scores[index] < threshold { continue }
            let point = ScoredPoint(id: candidate.id, score: scores[index],
                                    version: candidate.version, retrievalScore: candidate.score)
            ranked.append((index, point))
        }
        // Ties keep the retrieval order, so equal logits never shuffle between calls.
        ranked.sort { lhs, rhs in
            lhs.point.score != rhs.point.score ? lhs.point.score > rhs.point.score
                : lhs.order < rhs.order
        }
        return try attach(page(ranked.map(\.point), spec), spec)
    }

    private func checkRerank(text: String, field: String, model: String?) throws {
        guard let reranker = context.service.reranker else {
            throw ServiceError.inferenceUnavailable(
                InferenceConfigurationError.noReranker(known: []).description)
        }
        _ = try reranker.rerankerName(model)
        guard !field.isEmpty else {
            throw ServiceError.invalid("query.rerank.field", "must name a payload field")
        }
        if Inference.isBlank(text) {
            throw ServiceError.invalid("query.rerank.text", "is empty; nothing to score")
        }
    }

    private func search(_ vector: [Float], _ spec: QuerySpec) throws -> [ScoredPoint] {
        let request = SearchRequest(
            vector: vector,
            using: spec.using,
            filter: spec.filter,
            limit: spec.limit,
            offset: spec.offset,
            ef: spec.ef,
            exact: spec.exact,
            scoreThreshold: spec.scoreThreshold,
            payload: spec.payload,
            vectors: spec.vectors
        )
        return try session.search(collection, request: request)
    }

    /// Points in id (or payload) order, scored 0, as Qdrant answers a query without a vector.
    private func scrolled(
        _ spec: QuerySpec,
        orderBy: (key: String, descending: Bool)?
    ) throws
        -> [ScoredPoint]
    {
        let request = ScrollRequest(
            filter: spec.filter,
            limit: spec.offset + spec.limit,
            offset: nil,
            payload: spec.payload,
            vectors: spec.vectors,
            orderBy: orderBy
        )
        let records = try session.scroll(collection, request: request).points.dropFirst(spec.offset)
        return records.map { record in
            ScoredPoint(
                id: record.id, score: 0, version: record.version, payload: record.payload,
                vectors: record.vectors)
        }
    }

    private func storedVector(_ id: PointID, using name: String) throws -> [Float] {
        let records = try session.retrieve(
            collection,
            ids: [id],
            payload: .none,
            vectors: .named([name])
        )
        guard let record = records.first else { throw StoreError.pointNotFound(id) }
        guard let vector = record.vectors?[name] else { throw StoreError.vectorNameNotFound(name) }
        return vector
    }

    /// The collection's model, read only when a query is text.
    private func documentModel(_ input: VectorInput) throws -> String? {
        guard case .document = input else { return nil }
        return try session.collectionInfo(collection).config.embeddingModel
    }

    private func page(_ points: [ScoredPoint], _ spec: QuerySpec) -> [ScoredPoint] {
        Array(points.dropFirst(spec.offset).prefix(spec.limit))
    }

    /// Fills payloads and vectors of fused points, which prefetch levels fetch without them.
    private func attach(_ points: [ScoredPoint], _ spec: QuerySpec) throws -> [ScoredPoint] {
        guard spec.payload != .none || spec.vectors != .none, !points.isEmpty else { return points }
        let records = try session.retrieve(
            collection,
            ids: points.map(\.id),
            payload: spec.payload,
            vectors: spec.vectors
        )
        let byID = Dictionary(records.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        return points.map { point in
            var filled = point
            filled.payload = byID[point.id]?.payload
            filled.vectors = byID[point.id]?.vectors
            return filled
        }
    }
}

extension QueryExecutor {
    /// Combines ranked lists into one, best first; ties keep first-seen order.
    static func fuse(_ lists: [[ScoredPoint]], _ fusion: Fusion) -> [ScoredPoint] {
        var scores: [PointID: Double] = [:]
        var order: [PointID] = []
        func add(_ id: PointID, _ amount: Double) {
            if scores[id] == nil { order.append(id) }
            scores[id, default: 0] += amount
        }
        switch fusion {
        case .rrf(let k, let weights):
            for (listIndex, list) in lists.enumerated() {
                let weight = weights.flatMap { listIndex < $0.count ? $0[listIndex] : nil } ?? 1
                for (rank, point) in list.enumerated() {
                    add(point.id, weight / Double(k + rank + 1))
                }
            }
        case .dbsf:
            for list in lists {
                for (id, score) in normalizedByDistribution(list) { add(id, score) }
            }
        }
        let ranked = order.enumerated().sorted { lhs, rhs in
            let (left, right) = (scores[lhs.element]!, scores[rhs.element]!)
            return left != right ? left > right : lhs.offset < rhs.offset
        }
        return ranked.map { ScoredPoint(id: $0.element, score: Float(scores[$0.element]!)) }
    }

    /// DBSF: each score mapped from [mean − 3σ, mean + 3σ] onto [0, 1], clamped.
    static func normalizedByDistribution(_ list: [ScoredPoint]) -> [(PointID, Double)] {
        guard !list.isEmpty else { return [] }
        let scores = list.map { Double($0.score) }
        let mean = scores.reduce(0, +) / Double(scores.count)
        let variance = scores.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(scores.count)
        let deviation = variance.squareRoot()
        let low = mean - 3 * deviation
        let span = 6 * deviation
        return list.map { point in
            guard span > 0 else { return (point.id, 0.5) }
            return (point.id, min(1, max(0, (Double(point.score) - low) / span)))
        }
    }

    static func distinctIDs(_ lists: [[ScoredPoint]]) -> [PointID] {
        distinctPoints(lists).map(\.id)
    }

    static func distinctPoints(_ lists: [[ScoredPoint]]) -> [ScoredPoint] {
        var seen = Set<PointID>()
        return lists.joined().filter { seen.insert($0.id).inserted }
    }

    /// `filter` with a `has_id` condition added to its `must` (or `must_not`), keeping every
    /// condition it had; the result is parsed by the store's `Filter` like any filter.
    static func adding(hasID ids: [PointID], to filter: JSONValue?, negated: Bool) -> JSONValue {
        var members = filter?.objectValue ?? [:]
        let clause = negated ? "must_not" : "must"
        var conditions: [JSONValue]
        switch members[clause] {
        case .array(let existing)?: conditions = existing
        case .object(let single)?: conditions = [.object(single)]
        default: conditions = []
        }
        conditions.append(["has_id": .array(ids.map(\.json))])
        members[clause] = .array(conditions)
        return .object(members)
    }
}
