/// Approximate search through the graph and exact search over every live node.
extension HNSWGraph {
    /// The `k` live nodes closest to `query` that pass `filter`, best first.
    ///
    /// `filter` runs during traversal: rejected and deleted nodes are still walked through but
    /// never returned, and the search expands until it holds `max(ef, k)` acceptable nodes or
    /// has visited every node reachable from the entry point. So fewer than `k` results means
    /// fewer than `k` acceptable nodes are reachable. A very selective filter makes this walk
    /// most of the graph; the caller should scan such filters with `exactSearch` instead.
    ///
    /// - Parameters:
    ///   - query: `dimension` finite components (normalised here under Cosine).
    ///   - k: results wanted.
    ///   - ef: paper ef, the candidate list size; `nil` uses `efConstruction` (Qdrant's
    ///     default for `hnsw_ef`). Values below `k` are raised to `k`.
    ///   - filter: returns true for slots that may be returned. It runs with the read lock
    ///     held, so it must not call this graph at all: a second read lock deadlocks once an
    ///     insert is waiting for the write lock.
    ///   - statistics: if given, counts this search and the nodes it visited.
    /// - Returns: at most `k` hits, best first by the distance's score order.
    /// - Throws: `IndexError.dimensionMismatch` or `.nonFiniteComponent` for a bad query.
    /// - Complexity: O(ef · log n · M0 · dimension) expected without a filter.
    public func search(
        query: [Float], k: Int, ef: Int? = nil, filter: ((Slot) -> Bool)? = nil,
        statistics: SearchStatistics? = nil
    ) throws -> [ScoredSlot] {
        let query = try prepared(query)
        guard k > 0 else { return [] }
        let width = max(ef ?? parameters.efConstruction, k)
        return rwLock.withReadLock {
            let store = self.store
            guard let entryPoint else { return [] }
            let scratch = scratchPool.take(slots: store.capacity)
            defer { scratchPool.give(scratch) }
            let found = query.withUnsafeBufferPointer { buffer in
                searchFromEntry(
                    buffer.baseAddress!, entryPoint: entryPoint, ef: width,
                    acceptance: .live(filter: filter), store: store, scratch: scratch)
            }
            statistics?.record(visitedNodes: scratch.visitedCount)
            return found.prefix(k).map(scored)
        }
    }

    /// The `k` live nodes closest to `query` that pass `filter`, by comparing against every
    /// one: the oracle for recall tests and the path for `exact: true` and selective filters.
    ///
    /// - Parameter filter: as in `search`; the same no-callback rule applies.
    /// - Returns: at most `k` hits, best first; ties are broken by the lower slot.
    /// - Throws: `IndexError.dimensionMismatch` or `.nonFiniteComponent` for a bad query.
    /// - Complexity: O(n · dimension + n · log k).
    public func exactSearch(
        query: [Float], k: Int, filter: ((Slot) -> Bool)? = nil
    ) throws -> [ScoredSlot] {
        let query = try prepared(query)
        guard k > 0 else { return [] }
        return rwLock.withReadLock {
            let store = self.store
            // Sized by what can be found, not by `k`, which may be huge ("everything").
            let best = CandidateHeap<FarthestFirst>(capacity: min(k, liveCount) + 1)
            query.withUnsafeBufferPointer { buffer in
                for index in 0..<slotHighWater {
                    let slot = Slot(index)
                    guard store.isLive(slot), filter?(slot) ?? true else { continue }
                    offer(slot, ranked: store.rank(buffer.baseAddress!, slot), to: best, k: k)
                }
            }
            return best.drain().sorted().map(scored)
        }
    }

    /// The `k` closest of the given slots, by comparing against each live one: the exact
    /// path for a selective filter whose matching slots are already known, which costs in
    /// proportion to those slots rather than to the whole graph.
    ///
    /// - Parameter slots: candidate slots; deleted, unknown and repeated slots are skipped.
    /// - Returns: at most `k` hits, best first; ties are broken by the lower slot.
    /// - Throws: `IndexError.dimensionMismatch` or `.nonFiniteComponent` for a bad query.
    /// - Complexity: O(slots · dimension + slots · log k).
    public func exactSearch(
        query: [Float], k: Int, among slots: some Sequence<Slot>
    ) throws -> [ScoredSlot] {
        let query = try prepared(query)
        guard k > 0 else { return [] }
        return rwLock.withReadLock {
            let store = self.store
            let best = CandidateHeap<FarthestFirst>(capacity: min(k, liveCount) + 1)
            let scratch = scratchPool.take(slots: store.capacity)
            defer { scratchPool.give(scratch) }
            query.withUnsafeBufferPointer { buffer in
                for slot in slots {
                    guard Int(slot) < slotHighWater, store.isLive(slot), scratch.visit(slot)
                    else { continue }
                    offer(slot, ranked: store.rank(buffer.baseAddress!, slot), to: best, k: k)
                }
            }
            return best.drain().sorted().map(scored)
        }
    }

    /// Keeps `slot` among the `k` best seen so far.
    @inline(__always) private func offer(
        _ slot: Slot, ranked rank: Float, to best: CandidateHeap<FarthestFirst>, k: Int
    ) {
        let candidate = Candidate(rank: rank, slot: slot)
        if best.count < k {
            best.push(candidate)
        } else if candidate < best.top {
            best.replaceTop(with: candidate)
        }
    }

    /// Descends the upper levels greedily, then searches level 0; returns the accepted
    /// candidates with exact ranks, closest first.
    func searchFromEntry(
        _ query: UnsafePointer<Float>, entryPoint: Slot, ef: Int, acceptance: Acceptance,
        store: NodeStore, scratch: SearchScratch
    ) -> [Candidate] {
        let split = scratch.splitQuery(query, dimension: dimension)
        var closest = entryPoint
        var level = topLevel
        while level > 0 {
            closest = store.greedyClosest(to: split, from: closest, level: level)
            level -= 1
        }
        store.searchLayer(
            query: split, entry: closest, level: 0, ef: ef, accepting: acceptance,
            scratch: scratch)
        return store.rerank(query, scratch: scratch)
    }

    private func scored(_ candidate: Candidate) -> ScoredSlot {
        ScoredSlot(slot: candidate.slot, score: distance.score(fromRank: candidate.rank))
    }
}
