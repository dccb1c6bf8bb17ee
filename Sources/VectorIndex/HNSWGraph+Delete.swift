/// Marking nodes deleted, and reclaiming them with `compact()`.
extension HNSWGraph {
    /// What `compact()` changed, for the caller to persist.
    public struct Compaction: Sendable, Equatable {
        /// Live nodes whose lists were rebuilt: write their node records.
        public var changedSlots: Set<Slot>
        /// Slots that held deleted nodes and now hold nothing: delete their node records and
        /// vectors; the caller may hand them to new points.
        public var freedSlots: [Slot]
    }

    /// Marks the node at `slot` deleted: it is never returned again but still traversed, so
    /// the graph stays connected. A deleted entry point is replaced by the live node of highest
    /// level. Re-inserting the slot revives it with the new vector.
    ///
    /// - Returns: true when a live node was marked; then persist `nodeRecord(at: slot)` and
    ///   `metadata`. False (nothing changed) for an empty or already deleted slot.
    /// - Complexity: O(1), or O(slots) when the entry point has to be replaced.
    @discardableResult
    public func delete(slot: Slot) -> Bool {
        mutationLock.lock()
        defer { mutationLock.unlock() }
        return rwLock.withWriteLock {
            guard store.isLive(slot) else { return false }
            store.setDeleted(slot, true)
            liveCount -= 1
            if slot == entryPoint, let replacement = highestLiveNode() {
                entryPoint = replacement
                topLevel = store.level(of: replacement)
            }
            return true
        }
    }

    /// The live node with the highest level (the lowest slot among equals), or nil when none
    /// is live; the deleted entry point then stays, so the graph remains searchable.
    private func highestLiveNode() -> Slot? {
        var best: Slot?
        var bestLevel = -1
        for index in 0..<slotHighWater where store.isLive(Slot(index)) {
            let level = store.level(of: Slot(index))
            if level > bestLevel {
                best = Slot(index)
                bestLevel = level
            }
        }
        return best
    }

    /// Frees every deleted node after repairing the lists that point at them.
    ///
    /// Each live node with a deleted neighbour on some level rebuilds that list from its live
    /// neighbours plus the live nodes reachable through its deleted ones (walking through
    /// chains of deleted nodes), choosing among them with the neighbour heuristic. Afterwards
    /// no list mentions a deleted node and the deleted slots are empty.
    ///
    /// Searches keep running while the repair is computed; the result is published in one
    /// write-locked step.
    /// - Returns: the rebuilt and the freed slots, to persist as described in `Compaction`.
    /// - Complexity: O(slots · M0) to find the damage, plus a heuristic pass per damaged list.
    @discardableResult
    public func compact() -> Compaction {
        mutationLock.lock()
        defer { mutationLock.unlock() }
        let store = self.store
        let deleted = (0..<slotHighWater).map(Slot.init).filter {
            store.contains($0) && store.isDeleted($0)
        }
        guard !deleted.isEmpty else { return Compaction(changedSlots: [], freedSlots: []) }

        var updates: [ListUpdate] = []
        for index in 0..<slotHighWater where store.isLive(Slot(index)) {
            let slot = Slot(index)
            for level in 0...store.level(of: slot) {
                if let update = repairedList(of: slot, level: level, in: store) {
                    updates.append(update)
                }
            }
        }
        publishCompaction(updates: updates, freed: deleted)
        return Compaction(changedSlots: Set(updates.map(\.slot)), freedSlots: deleted)
    }

    /// The list `slot` should have on `level` without deleted nodes, or nil when it has none.
    ///
    /// Live neighbours stay (they were chosen well once, or linked back to us). The room the
    /// deleted ones leave is filled from the live nodes behind them (see `NodeStore.refilled`).
    private func repairedList(of slot: Slot, level: Int, in store: NodeStore) -> ListUpdate? {
        let current = store.neighborList(slot, level: level)
        guard current.contains(where: { store.isDeleted($0) }) else { return nil }
        let kept = current.filter { !store.isDeleted($0) }
        // The walk starts with every current neighbour seen, so no kept one comes back.
        let replacements = liveNodesBehindDeleted(of: slot, list: current, level: level, in: store)
        let list = store.refilled(
            slot, keeping: kept, from: replacements,
            room: store.capacity(ofLevel: level) - kept.count)
        return ListUpdate(slot: slot, level: level, neighbors: list)
    }

    /// Live nodes reachable from `list`'s deleted entries through chains of deleted nodes on
    /// `level`. The walk is bounded so one dense deleted region cannot make it quadratic.
    private func liveNodesBehindDeleted(
        of slot: Slot, list: [Slot], level: Int, in store: NodeStore
    ) -> [Slot] {
        var seen: Set<Slot> = Set(list).union([slot])
        var pending = list.filter { store.isDeleted($0) }
        var found: [Slot] = []
        var walked = 0
        while let next = pending.popLast(), walked < 4 * store.capacity(ofLevel: level) {
            walked += 1
            for neighbor in store.neighborList(next, level: level)
            where seen.insert(neighbor).inserted {
                if store.isDeleted(neighbor) {
                    pending.append(neighbor)
                } else {
                    found.append(neighbor)
                }
            }
        }
        return found
    }

    private func publishCompaction(updates: [ListUpdate], freed: [Slot]) {
        rwLock.withWriteLock {
            for update in updates {
                store.setNeighbors(update.slot, level: update.level, to: update.neighbors)
            }
            for slot in freed { store.removeNode(slot) }
            if let entryPoint, !store.contains(entryPoint) {
                // Only happens when no live node was left: the deleted entry point is gone too.
                self.entryPoint = nil
                topLevel = 0
            }
        }
    }
}
