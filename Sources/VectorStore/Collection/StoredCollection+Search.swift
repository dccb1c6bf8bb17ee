import VectorIndex

/// Nearest-neighbour search.
///
/// TODO(storage): every search is an exact scan until the `index` branch's HNSWGraph lands;
/// then unfiltered and weakly filtered searches go through the graph, and small collections
/// and very selective filters stay exact (Qdrant's `full_scan_threshold`).
extension StoredCollection {
    func search(_ request: SearchRequest) throws -> [ScoredPoint] {
        let params = try params(for: request.using)
        guard request.vector.count == params.size else {
            throw StoreError.dimensionMismatch(
                vector: request.using, expected: params.size, actual: request.vector.count)
        }
        guard request.limit >= 0, request.offset >= 0 else {
            throw StoreError.invalidArgument(
                field: "limit", message: "limit and offset must be at least 0")
        }
        let query = Scoring.normalizedIfNeeded(request.vector, distance: params.distance)
        return try lock.withReadLock {
            var best = TopK(capacity: request.limit + request.offset, distance: params.distance)
            if let filter = request.filter {
                try scanFiltered(filter, query: query, request: request, distance: params.distance, into: &best)
            } else {
                try scanAll(query: query, request: request, distance: params.distance, into: &best)
            }
            return try best.items.dropFirst(request.offset).compactMap { item in
                guard let record = try record(item.point) else { return nil }
                return ScoredPoint(
                    id: item.point, score: item.score, version: record.version,
                    payload: PayloadPath.select(request.payload, from: record.payload),
                    vectors: StoredCollection.select(request.vectors, from: record.vectors))
            }
        }
    }

    /// Scores every live vector held in memory.
    private func scanAll(
        query: [Float], request: SearchRequest, distance: Distance, into best: inout TopK
    ) throws {
        let table = try vectorTable(for: request.using)
        query.withUnsafeBufferPointer { queryBuffer in
            table.forEachLive { _, point, vector in
                let score = Scoring.finite(Scoring.score(distance, queryBuffer, vector))
                if Scoring.passes(score, threshold: request.scoreThreshold, distance) {
                    best.offer(score: score, point: point)
                }
            }
        }
    }

    /// Reads each stored point, keeps those the filter matches, and scores their vector.
    private func scanFiltered(
        _ filter: Filter, query: [Float], request: SearchRequest, distance: Distance,
        into best: inout TopK
    ) throws {
        try query.withUnsafeBufferPointer { queryBuffer in
            try forEachPoint { point, record in
                guard let vector = record.vectors[request.using], matches(filter, point, record)
                else { return true }
                let score = vector.withUnsafeBufferPointer {
                    Scoring.finite(Scoring.score(distance, queryBuffer, $0))
                }
                if Scoring.passes(score, threshold: request.scoreThreshold, distance) {
                    best.offer(score: score, point: point)
                }
                return true
            }
        }
    }
}
