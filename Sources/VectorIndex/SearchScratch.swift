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
    /// Nodes marked visited since `begin`: the work a search did, for `SearchStatistics`.
    private(set) var visitedCount = 0
    let frontier = CandidateHeap<NearestFirst>()
    let results = CandidateHeap<FarthestFirst>()
    /// Holds the unvisited neighbours of the node being expanded.
    private var fresh: UnsafeMutablePointer<Slot>
    private var freshCapacity = 0
    /// Written with `NodeStore.touchLines` results so those loads have a visible effect.
    var touchSink: UInt32 = 0
    /// The current query split for the bfloat16 kernels: even components, then odd ones.
    private var split: UnsafeMutablePointer<Float>
    private var splitCapacity = 0

    init(slots: Int) {
        tagCapacity = max(slots, 1024)
        tags = .allocate(capacity: tagCapacity)
        tags.initialize(repeating: 0, count: tagCapacity)
        fresh = .allocate(capacity: 0)
        split = .allocate(capacity: 0)
    }

    deinit {
        tags.deallocate()
        fresh.deallocate()
        split.deallocate()
    }

    /// Lays `query` out for the bfloat16 kernels in this scratch's buffer, valid until the
    /// next call.
    func splitQuery(_ query: UnsafePointer<Float>, dimension: Int) -> SplitQuery {
        let words = BFloat16Vectors.words(forDimension: dimension)
        if 2 * words > splitCapacity {
            split.deallocate()
            split = .allocate(capacity: 2 * words)
            splitCapacity = 2 * words
        }
        for j in 0..<words {
            split[j] = query[2 * j]
            split[words + j] = 2 * j + 1 < dimension ? query[2 * j + 1] : 0
        }
        return SplitQuery(even: split, odd: split + words, words: words)
    }

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
        visitedCount = 0
    }

    /// Marks `slot` visited; returns false when it already was.
    @inline(__always) func visit(_ slot: Slot) -> Bool {
        let index = Int(slot)
        if tags[index] == generation { return false }
        tags[index] = generation
        visitedCount &+= 1
        return true
    }

    /// Marks the neighbours in `list` (word 0 the count, then slots) visited and returns those
    /// that were not, in list order. The buffer is valid until the next call.
    @inline(__always) func unvisitedNeighbors(
        of list: UnsafeMutablePointer<UInt32>
    ) -> UnsafeBufferPointer<Slot> {
        let count = Int(list[0])
        if count > freshCapacity {
            fresh.deallocate()
            fresh = .allocate(capacity: count)
            freshCapacity = count
        }
        var found = 0
        var i = 1
        while i <= count {
            let slot = list[i]
            if visit(slot) {
                fresh[found] = slot
                found += 1
            }
            i += 1
        }
        return UnsafeBufferPointer(start: fresh, count: found)
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
