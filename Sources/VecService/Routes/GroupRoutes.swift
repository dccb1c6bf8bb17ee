import VectorStore

/// `POST /points/query/groups`: the best hits of a query, grouped by a payload field.
enum GroupRoutes {
    static let routes: [Route] = [
        Route("POST", "/collections/{collection}/points/query/groups", .read, queryGroups)
    ]

    /// Candidates fetched per wanted hit at first; doubled while groups are still missing.
    static let initialOversampling = 4
    /// The most candidates one grouped query looks at.
    static let maximumCandidates = 10_000

    static func queryGroups(_ context: RouteContext) throws -> RouteResult {
        let body = try context.body()
        var spec = try QueryWire.query(body)
        let groupBy = try body.required("group_by", body.string)
        // A Qdrant JSON path like every other payload key (`a.b`, `a[].b`); a bad one is a 400.
        _ = try PayloadEditing.path(groupBy, field: "group_by")
        let groupSize = try body.int("group_size", in: 1...1_000) ?? 3
        let groupLimit = try body.int("limit", in: 1...10_000) ?? 10
        if body.has("with_lookup") {
            throw ServiceError.invalid("with_lookup", "is not supported")
        }
        let wantedPayload = spec.payload
        spec.payload = .all
        spec.offset = 0
        let executor = try QueryExecutor(context: context, session: context.session())
        var candidates = min(maximumCandidates, groupLimit * groupSize * initialOversampling)
        var groups: [Group] = []
        while true {
            spec.limit = candidates
            let hits = try executor.run(spec)
            groups = group(hits, by: groupBy, size: groupSize, limit: groupLimit)
            let exhausted = hits.count < candidates || candidates >= maximumCandidates
            if exhausted || isFull(groups, size: groupSize, limit: groupLimit) { break }
            candidates = min(maximumCandidates, candidates * 2)
        }
        let encoded = groups.map { group -> JSONValue in
            let hits = group.hits.map { hit -> JSONValue in
                var shown = hit
                // The same selection as every other read, so nested paths (`a.b`) work here too.
                shown.payload = hit.payload.flatMap {
                    PayloadEditing.select(wantedPayload, from: $0)
                }
                return PointWire.scored(shown)
            }
            return ["id": group.id, "hits": .array(hits)]
        }
        return .result(["groups": .array(encoded)])
    }

    struct Group {
        var id: JSONValue
        var hits: [ScoredPoint]
    }

    /// Groups hits (best first) by the string or integer values at `key`; a hit whose value is
    /// an array joins one group per element, as in Qdrant. Groups keep their best-hit order.
    static func group(_ hits: [ScoredPoint], by key: String, size: Int, limit: Int) -> [Group] {
        var groups: [Group] = []
        var position: [JSONValue: Int] = [:]
        for hit in hits {
            for value in values(at: key, in: hit.payload ?? [:]) {
                if let index = position[value] {
                    if groups[index].hits.count < size { groups[index].hits.append(hit) }
                } else if groups.count < limit {
                    position[value] = groups.count
                    groups.append(Group(id: value, hits: [hit]))
                }
            }
        }
        return groups
    }

    static func isFull(_ groups: [Group], size: Int, limit: Int) -> Bool {
        groups.count == limit && groups.allSatisfy { $0.hits.count == size }
    }

    /// Group keys at a JSON path (`a.b`, `a[].b`, `a[0]`, `"odd.key"`), arrays opened one
    /// level as for filters and facets; only strings and integers can name a group.
    static func values(at key: String, in payload: [String: JSONValue]) -> [JSONValue] {
        guard let path = try? PayloadPath(key) else { return [] }
        let candidates = path.flattenedValues(in: payload)
        return candidates.filter { value in
            switch value {
            case .string, .int, .unsigned: return true
            default: return false
            }
        }
    }
}
