/// Structural checks for tests and for validating restored records.
extension HNSWGraph {
    /// Verifies what every operation must preserve: each list names only existing nodes whose
    /// level reaches the list's level, never the node itself or a slot twice, and holds at most
    /// M (M0 on level 0) entries; the entry point exists, sits on the top level and is live
    /// while any node is; the live count matches the nodes.
    ///
    /// Meant for tests and debugging: it takes the read lock for a full pass.
    /// - Throws: `IndexError.invariantViolated` describing the first problem found.
    /// - Complexity: O(slots · M0).
    public func checkInvariants() throws {
        let problem: String? = rwLock.withReadLock {
            if let problem = firstStructuralProblem(in: store, highWater: slotHighWater) {
                return problem
            }
            return firstEntryPointProblem()
        }
        if let problem { throw IndexError.invariantViolated(problem) }
    }

    private func firstEntryPointProblem() -> String? {
        let live = (0..<slotHighWater).filter { store.isLive(Slot($0)) }.count
        guard live == liveCount else { return "live count \(liveCount), live nodes \(live)" }
        let nodes = (0..<slotHighWater).filter { store.contains(Slot($0)) }.count
        guard let entryPoint else {
            return nodes == 0 ? nil : "no entry point but \(nodes) nodes"
        }
        guard store.contains(entryPoint) else { return "entry point \(entryPoint) is empty" }
        guard store.level(of: entryPoint) == topLevel else {
            return "entry point level \(store.level(of: entryPoint)), top level \(topLevel)"
        }
        if live > 0 && store.isDeleted(entryPoint) {
            return "entry point \(entryPoint) is deleted while \(live) nodes are live"
        }
        return nil
    }

    /// The first list in `store` that breaks the list rules, described, or nil.
    func firstStructuralProblem(in store: NodeStore, highWater: Int) -> String? {
        for index in 0..<highWater where store.contains(Slot(index)) {
            let slot = Slot(index)
            let level = store.level(of: slot)
            guard level <= HNSWParameters.maxLevel else { return "slot \(slot) level \(level)" }
            for current in 0...level {
                let list = store.neighborList(slot, level: current)
                if let problem = listProblem(list, of: slot, level: current, in: store) {
                    return problem
                }
            }
        }
        return nil
    }

    private func listProblem(
        _ list: [Slot], of slot: Slot, level: Int, in store: NodeStore
    ) -> String? {
        let place = "slot \(slot) level \(level)"
        guard list.count <= store.capacity(ofLevel: level) else {
            return "\(place) has \(list.count) neighbours"
        }
        guard Set(list).count == list.count else { return "\(place) repeats a neighbour" }
        for neighbor in list {
            guard neighbor != slot else { return "\(place) points at itself" }
            guard store.contains(neighbor) else { return "\(place) points at empty \(neighbor)" }
            guard store.level(of: neighbor) >= level else {
                return "\(place) points at \(neighbor) of level \(store.level(of: neighbor))"
            }
        }
        return nil
    }
}
