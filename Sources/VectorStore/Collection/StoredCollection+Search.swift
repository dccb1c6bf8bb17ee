import VectorIndex

/// Nearest-neighbour search: the plan, as Qdrant makes it.
///
/// - `exact: true`, a space with `m = 0`, or a space holding fewer vectors than its
///   `full_scan_threshold` (kilobytes of vectors, converted to a count) is scanned exactly.
/// - With a filter, the payload indexes estimate how many points match; if fewer than the
///   threshold, the matching points are collected and scanned exactly (a graph walk would
///   visit most of the graph to find them), else the graph is searched with the filter
///   applied during traversal.
/// - Otherwise the HNSW graph is searched with `ef = max(hnsw_ef ?? ef_construct, limit +
///   offset)`.
extension StoredCollection {
    /// Vectors below which a space is scanned instead of walked (Qdrant's
    /// `full_scan_threshold`, in KB of vectors, over 4-byte components).
    func fullScanThresholdPoints(_ params: VectorParams) -> Int {
        let kilobytes = (params.hnsw ?? config.hnsw).fullScanThreshold
        return kilobytes * 1024 / max(params.size * 4, 1)
    }

    func isGraphDisabled(_ params: VectorParams) -> Bool { (params.hnsw ?? config.hnsw).m == 0 }

    /// - Parameter statistics: counts the graph walks this search makes (exact scans are
    ///   not graph searches and are not counted).
    func search(_ request: SearchRequest, statistics: SearchStatistics? = nil) throws
        -> [ScoredPoint]
    {
        let params = try params(for: request.using)
        try checkVectorNames(request.vectors)
        guard request.vector.count == params.size else {
            throw StoreError.dimensionMismatch(
                vector: request.using,
                expected: params.size,
                actual: request.vector.count
            )
        }
        guard request.limit >= 0, request.offset >= 0 else {
            throw StoreError.invalidArgument(
                field: "limit",
                message: "limit and offset must be at least 0"
            )
        }
        if let index = request.vector.firstIndex(where: { !$0.isFinite }) {
            throw StoreError.invalidArgument(
                field: "vector",
                message:
                    "component \(index) is \(request.vector[index]); "
                        + "only finite numbers are allowed"
            )
        }
        return try lock.withReadLock {
            let state = try loadedState()
            guard let graph = state.graphs[request.using] else {
                throw StoreError.vectorNameNotFound(request.using)
            }
            let hits = try plannedSearch(
                request, graph: graph, params: params, state: state, statistics: statistics)
            return try scoredPoints(
                hits.dropFirst(request.offset),
                request: request,
                distance: params.distance,
                state: state
            )
        }
    }

    private func plannedSearch(
        _ request: SearchRequest,
        graph: HNSWGraph,
        params: VectorParams,
        state: CollectionState,
        statistics: SearchStatistics?
    ) throws -> [ScoredSlot] {
        let k = request.limit + request.offset
        let threshold = fullScanThresholdPoints(params)
        let exactOnly = request.exact || isGraphDisabled(params) || graph.count <= threshold
        let ef = max(request.ef ?? (params.hnsw ?? config.hnsw).efConstruct, k)
        do {
            guard let filter = request.filter else {
                return exactOnly
                    ? try graph.exactSearch(query: request.vector, k: k)
                    : try graph.search(
                        query: request.vector, k: k, ef: ef, statistics: statistics)
            }
            let answer = indexAnswer(for: filter, in: state)
            let expected =
                answer?.isExact == true
                ? answer!.slots.count
                : state.payloadIndexes.estimateCardinality(
                    of: filter,
                    totalPoints: graph.count,
                    slotForID: { self.slot(of: $0) }
                ).expected
            if exactOnly || expected <= threshold {
                return try graph.exactSearch(
                    query: request.vector,
                    k: k,
                    among: try matchingSlots(filter, answer: answer, state: state)
                )
            }
            let accepts = slotMatcher(filter, answer: answer, state: state)
            return try graph.search(
                query: request.vector, k: k, ef: ef, filter: accepts, statistics: statistics)
        } catch let error as IndexError {
            throw StoreError.invalidArgument(field: "vector", message: "\(error)")
        }
    }

    /// Every slot whose point matches `filter`, in slot order: straight from the indexes when
    /// their answer is exact, else each candidate's payload checked.
    private func matchingSlots(
        _ filter: Filter,
        answer: IndexAnswer?,
        state: CollectionState
    ) throws -> [UInt32] {
        if let answer, answer.isExact {
            return answer.slots.filter { state.point(at: $0) != nil }
        }
        var slots: [UInt32] = []
        let planned = answer.map { (state, $0) }
        try forEachMatch(filter, planned: planned, matchOnly: true) { _, record in
            slots.append(record.slot)
            return true
        }
        return slots.sorted()
    }

    /// The filter callback for a graph walk: the index answer alone when it is exact, else
    /// index candidates first, then the payload, read once per visited slot.
    private func slotMatcher(
        _ filter: Filter,
        answer: IndexAnswer?,
        state: CollectionState
    ) -> (UInt32) -> Bool {
        if let answer, answer.isExact {
            return { answer.slots.contains($0) }
        }
        var memo: [UInt32: Bool] = [:]
        // Payloads carry whole documents; the filter looks at a few keys.
        let keys = filter.payloadRoots
        return { [self] slot in
            if let known = memo[slot] { return known }
            var accepted = false
            if answer?.slots.contains(slot) ?? true, let point = state.point(at: slot),
                let record = try? record(point, payloadKeys: keys)
            {
                accepted = matches(filter, point, record)
            }
            memo[slot] = accepted
            return accepted
        }
    }

    private func scoredPoints(
        _ hits: ArraySlice<ScoredSlot>,
        request: SearchRequest,
        distance: Distance,
        state: CollectionState
    ) throws -> [ScoredPoint] {
        var results: [ScoredPoint] = []
        for hit in hits {
            if let threshold = request.scoreThreshold {
                let passes =
                    distance.higherScoreIsBetter ? hit.score >= threshold : hit.score <= threshold
                guard passes else { break }
            }
            // Without payload in the answer the JSON need not be parsed.
            guard let point = state.point(at: hit.slot),
                let record = try record(point, decodePayload: request.payload != .none)
            else { continue }
            results.append(
                ScoredPoint(
                    id: point,
                    score: hit.score,
                    version: record.version,
                    payload: PayloadEditing.select(request.payload, from: record.payload),
                    vectors: try selectedVectors(request.vectors, of: record)
                )
            )
        }
        return results
    }
}
