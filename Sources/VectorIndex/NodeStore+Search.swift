/// Which nodes a layer search may return. Every node is traversed whatever this says: a
/// rejected node still leads the search to its neighbours.
struct Acceptance {
    /// A slot never returned (the node being inserted), or `Slot.max` for none.
    var excluded: Slot = .max
    /// True for user searches: deleted nodes are traversed but not returned.
    var skipsDeleted = false
    /// The caller's filter, applied during traversal.
    var filter: ((Slot) -> Bool)?

    /// Construction searches: every node but the one being inserted.
    static func allExcept(_ slot: Slot) -> Acceptance { Acceptance(excluded: slot) }

    /// User searches: live nodes that pass `filter`.
    static func live(filter: ((Slot) -> Bool)?) -> Acceptance {
        Acceptance(skipsDeleted: true, filter: filter)
    }

    @inline(__always) func accepts(_ slot: Slot, in store: NodeStore) -> Bool {
        if slot == excluded { return false }
        if skipsDeleted && store.isDeleted(slot) { return false }
        if let filter { return filter(slot) }
        return true
    }
}

extension NodeStore {
    /// Greedy descent on one upper level (paper Alg. 2 with ef = 1): moves to the closest
    /// neighbour until no neighbour is closer. Deleted nodes are used like any other, since
    /// upper levels only steer towards the query.
    /// - Complexity: O(steps · M · dimension).
    func greedyClosest(to query: SplitQuery, from start: Slot, level: Int) -> Slot {
        var best = Candidate(rank: approximateRank(query, start), slot: start)
        var moved = true
        while moved {
            moved = false
            let list = neighbors(best.slot, level: level)
            let count = Int(list[0])
            var i = 1
            while i <= count {
                let slot = list[i]
                let rank = approximateRank(query, slot)
                if rank < best.rank {
                    best = Candidate(rank: rank, slot: slot)
                    moved = true
                }
                i += 1
            }
        }
        return best.slot
    }

    /// Best-first search of one level (paper Alg. 2), leaving the `ef` closest accepted nodes
    /// in `scratch.results`, ranked on the bfloat16 copies (see `rerank`).
    ///
    /// Departure from the paper (hnswlib PR#344, case B10): the stop test compares against the
    /// worst *accepted* result and only applies once `ef` nodes were accepted, so deleted or
    /// filtered-out nodes never count towards `ef`. The search keeps expanding until it holds
    /// `ef` acceptable results or has run out of reachable nodes.
    /// - Complexity: O(visited · M0 · dimension); visited grows as acceptance gets rarer.
    func searchLayer(
        query: SplitQuery, entry: Slot, level: Int, ef: Int,
        accepting acceptance: Acceptance, scratch: SearchScratch
    ) {
        let frontier = scratch.frontier
        let results = scratch.results
        let entry = Candidate(rank: approximateRank(query, entry), slot: entry)
        _ = scratch.visit(entry.slot)
        frontier.push(entry)
        if acceptance.accepts(entry.slot, in: self) { results.push(entry) }

        while !frontier.isEmpty {
            let current = frontier.top
            if results.count >= ef && current.rank > results.top.rank { break }
            frontier.pop()
            let fresh = scratch.unvisitedNeighbors(of: neighbors(current.slot, level: level))
            var sink: UInt32 = 0
            for slot in fresh { sink ^= touchLines(packedVector(slot), bytes: words &* 4) }
            scratch.touchSink = sink
            for slot in fresh {
                let rank = approximateRank(query, slot)
                // A node farther than a full result set can neither be returned nor lead
                // anywhere the closer frontier does not already cover.
                guard results.count < ef || rank < results.top.rank else { continue }
                let candidate = Candidate(rank: rank, slot: slot)
                frontier.push(candidate)
                guard acceptance.accepts(slot, in: self) else { continue }
                if results.count < ef {
                    results.push(candidate)
                } else {
                    results.replaceTop(with: candidate)
                }
            }
        }
    }

    /// Reads one word of every 64-byte cache line of `bytes` bytes at `start`. Called on all
    /// the vectors a step is about to compare before any distance is computed, so their cache
    /// misses overlap instead of each stalling its own distance. Swift has no prefetch
    /// instruction; independent loads give the processor the same hint. Callers store the
    /// result in `SearchScratch.touchSink` only so the optimiser cannot drop the loads.
    @inline(__always) func touchLines<T>(_ start: UnsafeMutablePointer<T>, bytes: Int) -> UInt32 {
        let raw = UnsafeRawPointer(start)
        var sink: UInt32 = 0
        var offset = 0
        while offset < bytes {
            sink ^= raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
            offset &+= 64
        }
        return sink
    }

    /// Drains `scratch.results` and ranks them exactly on the float vectors, closest first.
    func rerank(_ query: UnsafePointer<Float>, scratch: SearchScratch) -> [Candidate] {
        var found = scratch.results.drain()
        var sink: UInt32 = 0
        for candidate in found { sink ^= touchLines(vector(candidate.slot), bytes: dimension &* 4) }
        scratch.touchSink = sink
        for i in found.indices { found[i].rank = rank(query, found[i].slot) }
        found.sort()
        return found
    }

    /// Neighbour selection heuristic (paper Alg. 4 without extending or keeping pruned
    /// candidates, as in hnswlib and Qdrant): walking candidates from closest to farthest,
    /// keep one only if it is closer to the base than to every candidate already kept. This
    /// spreads neighbours in different directions, which keeps clustered data connected.
    ///
    /// - Parameters:
    ///   - sorted: candidates ranked from the base node, closest first.
    ///   - limit: how many to pick at most.
    ///   - alreadyKept: neighbours the base keeps anyway; picks must be diverse from them too,
    ///     but they are not returned.
    /// - Complexity: O(`sorted.count` · (`limit` + `alreadyKept.count`) · dimension).
    func selectNeighbors(
        from sorted: [Candidate], limit: Int, alreadyKept: [Candidate] = []
    ) -> [Candidate] {
        guard sorted.count > limit || !alreadyKept.isEmpty else { return sorted }
        var kept = alreadyKept
        kept.reserveCapacity(alreadyKept.count + limit)
        for candidate in sorted where kept.count < alreadyKept.count + limit {
            let vector = vector(candidate.slot)
            var isDiverse = true
            for other in kept where rank(vector, other.slot) < candidate.rank {
                isDiverse = false
                break
            }
            if isDiverse { kept.append(candidate) }
        }
        return Array(kept.dropFirst(alreadyKept.count))
    }
}

extension NodeStore {
    /// `kept` followed by up to `room` nodes of `pool` for the list of `base`: heuristic picks
    /// first (diverse from `kept` too), for direction, then the nearest of the rest, so the
    /// list keeps its degree. A pure heuristic pass would shrink lists and, repeated over many
    /// repairs, cut the graph apart.
    ///
    /// - Parameter pool: candidates, none of them `base` or in `kept`; order does not matter.
    /// - Complexity: O(`pool.count` · (`room` + `kept.count`) · dimension).
    func refilled(_ base: Slot, keeping kept: [Slot], from pool: [Slot], room: Int) -> [Slot] {
        guard room > 0, !pool.isEmpty else { return kept }
        let origin = UnsafePointer(vector(base))
        let ranked = pool.map { Candidate(rank: rank(origin, $0), slot: $0) }.sorted()
        var chosen = selectNeighbors(
            from: ranked, limit: room,
            alreadyKept: kept.map { Candidate(rank: rank(origin, $0), slot: $0) })
        for candidate in ranked where chosen.count < room && !chosen.contains(candidate) {
            chosen.append(candidate)
        }
        return kept + chosen.map(\.slot)
    }
}

extension Candidate: Comparable {
    /// Closest first; equal ranks fall back to the slot so every sort is deterministic.
    static func < (a: Candidate, b: Candidate) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.slot < b.slot
    }
}
