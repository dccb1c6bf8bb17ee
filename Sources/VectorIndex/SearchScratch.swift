import Foundation

/// Per-search working memory: the visited set and both heaps, reused across searches.
///
/// The visited set is an array of generation tags, one per slot: a slot counts as visited when
/// its tag equals the current generation, so starting a search costs one increment instead of
/// clearing an array as large as the graph. Tags are 16-bit to halve the cache footprint; the
/// array is cleared once every 65,535 searches when the generation wraps.
final class SearchScratch {
    private(set) var tags: UnsafeMutablePointer<UInt16>
    private(set) var tagCapacity: Int
    private(set) var generation: UInt16 = 0
    let frontier = CandidateHeap<NearestFirst>()
    let results = CandidateHeap<FarthestFirst>()

    init(slots: Int) {
        tagCapacity = max(slots, 1024)
        tags = .allocate(capacity: tagCapacity)
        tags.initialize(repeating: 0, count: tagCapacity)
    }

    deinit { tags.deallocate() }

    /// Starts a new search over `slots` slots: empties the heaps and the visited set.
    func begin(slots: Int) {
        if slots > tagCapacity { growTags(to: slots) }
        frontier.removeAll()
        results.removeAll()
        if generation == .max {
            tags.update(repeating: 0, count: tagCapacity)
            generation = 0
        }
        generation += 1
    }

    /// Marks `slot` visited; returns false when it already was.
    @inline(__always) func visit(_ slot: Slot) -> Bool {
        let index = Int(slot)
        if tags[index] == generation { return false }
        tags[index] = generation
        return true
    }

    private func growTags(to slots: Int) {
        let newCapacity = max(slots, tagCapacity * 2)
        tags.deallocate()
        tags = .allocate(capacity: newCapacity)
        tags.initialize(repeating: 0, count: newCapacity)
        tagCapacity = newCapacity
        generation = 0
    }
}

/// A stack of idle `SearchScratch` objects shared by concurrent searches.
///
/// A search takes one (or makes one when all are busy) and gives it back, so steady state
/// allocates nothing and the pool holds at most as many scratches as searches ever overlapped.
final class ScratchPool: @unchecked Sendable {
    // Safety: `idle` is only touched with `mutex` held.
    private var idle: [SearchScratch] = []
    private let mutex = NSLock()

    func take(slots: Int) -> SearchScratch {
        mutex.lock()
        let scratch = idle.popLast()
        mutex.unlock()
        let result = scratch ?? SearchScratch(slots: slots)
        result.begin(slots: slots)
        return result
    }

    func give(_ scratch: SearchScratch) {
        mutex.lock()
        idle.append(scratch)
        mutex.unlock()
    }
}
