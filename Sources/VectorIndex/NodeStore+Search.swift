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
    func greedyClosest(
        to query: UnsafePointer<Float>, from start: Candidate, level: Int
    ) -> Candidate {
        var best = start
        var moved = true
        while moved {
            moved = false
            let list = neighbors(best.slot, level: level)
            let count = Int(list[0])
            var i = 1
            while i <= count {
                let slot = list[i]
                let rank = rank(query, slot)
                if rank < best.rank {
                    best = Candidate(rank: rank, slot: slot)
                    moved = true
                }
                i += 1
            }
        }
        return best
    }

    /// Best-first search of one level (paper Alg. 2), leaving the `ef` closest accepted nodes
    /// in `scratch.results`.
    ///
    /// Departure from the paper (hnswlib PR#344, case B10): the stop test compares against the
    /// worst *accepted* result and only applies once `ef` nodes were accepted, so deleted or
    /// filtered-out nodes never count towards `ef`. The search keeps expanding until it holds
    /// `ef` acceptable results or has run out of reachable nodes.
    /// - Complexity: O(visited · M0 · dimension); visited grows as acceptance gets rarer.
    func searchLayer(
        query: UnsafePointer<Float>, entry: Candidate, level: Int, ef: Int,
        accepting acceptance: Acceptance, scratch: SearchScratch
    ) {
        let frontier = scratch.frontier
        let results = scratch.results
        _ = scratch.visit(entry.slot)
        frontier.push(entry)
        if acceptance.accepts(entry.slot, in: self) { results.push(entry) }

        while !frontier.isEmpty {
            let current = frontier.top
            if results.count >= ef && current.rank > results.top.rank { break }
            frontier.pop()
            let list = neighbors(current.slot, level: level)
            let count = Int(list[0])
            var i = 1
            while i <= count {
                let slot = list[i]
                i += 1
                guard scratch.visit(slot) else { continue }
                let rank = rank(query, slot)
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

    /// Neighbour selection heuristic (paper Alg. 4 without extending or keeping pruned
    /// candidates, as in hnswlib and Qdrant): walking candidates from closest to farthest,
    /// keep one only if it is closer to the base than to every candidate already kept. This
    /// spreads neighbours in different directions, which keeps clustered data connected.
    ///
    /// - Parameters:
    ///   - sorted: candidates ranked from the base node, closest first.
    ///   - limit: how many to keep at most.
    /// - Complexity: O(`sorted.count` · `limit` · dimension).
    func selectNeighbors(from sorted: [Candidate], limit: Int) -> [Candidate] {
        guard sorted.count > limit else { return sorted }
        var kept: [Candidate] = []
        kept.reserveCapacity(limit)
        for candidate in sorted {
            let vector = vector(candidate.slot)
            var isDiverse = true
            for other in kept where rank(vector, other.slot) < candidate.rank {
                isDiverse = false
                break
            }
            if isDiverse {
                kept.append(candidate)
                if kept.count == limit { break }
            }
        }
        return kept
    }
}

extension Candidate: Comparable {
    /// Closest first; equal ranks fall back to the slot so every sort is deterministic.
    static func < (a: Candidate, b: Candidate) -> Bool {
        a.rank != b.rank ? a.rank < b.rank : a.slot < b.slot
    }
}
