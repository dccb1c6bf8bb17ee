/// A node seen during a search: its slot and its rank from the query (smaller is closer).
struct Candidate: Equatable {
    var rank: Float
    var slot: Slot
}

/// Which candidate sits at the top of a `CandidateHeap`.
protocol HeapOrder {
    /// True when `a` belongs above `b`.
    static func before(_ a: Candidate, _ b: Candidate) -> Bool
}

/// Top is the closest candidate: the search frontier.
enum NearestFirst: HeapOrder {
    @inline(__always) static func before(_ a: Candidate, _ b: Candidate) -> Bool {
        a.rank < b.rank
    }
}

/// Top is the farthest candidate: the bounded result set, whose worst member is evicted.
enum FarthestFirst: HeapOrder {
    @inline(__always) static func before(_ a: Candidate, _ b: Candidate) -> Bool {
        a.rank > b.rank
    }
}

/// A binary heap of candidates on memory it owns and keeps between searches.
///
/// Written by hand instead of on `Array` because searches push and pop millions of times:
/// raw storage skips uniqueness and bounds checks, and `removeAll()` keeps the buffer, so a
/// pooled heap allocates only when a search needs more room than any before it.
final class CandidateHeap<Order: HeapOrder> {
    private var storage: UnsafeMutablePointer<Candidate>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int = 256) {
        self.capacity = max(capacity, 16)
        self.storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    var isEmpty: Bool { count == 0 }

    /// The top candidate; the heap must not be empty.
    var top: Candidate {
        @inline(__always) get { storage[0] }
    }

    /// Empties the heap and keeps its memory.
    @inline(__always) func removeAll() { count = 0 }

    /// - Complexity: O(log n).
    @inline(__always) func push(_ element: Candidate) {
        if count == capacity { grow() }
        var child = count
        count += 1
        // Sift up: move parents down until the new element's place is found.
        while child > 0 {
            let parent = (child - 1) >> 1
            guard Order.before(element, storage[parent]) else { break }
            storage[child] = storage[parent]
            child = parent
        }
        storage[child] = element
    }

    /// Removes and returns the top candidate; the heap must not be empty.
    /// - Complexity: O(log n).
    @inline(__always) @discardableResult func pop() -> Candidate {
        let result = storage[0]
        count -= 1
        if count > 0 { siftDown(storage[count]) }
        return result
    }

    /// Replaces the top with `element` in one sift (cheaper than `pop` then `push`).
    @inline(__always) func replaceTop(with element: Candidate) {
        siftDown(element)
    }

    /// Moves every element out in an unspecified order and empties the heap.
    func drain() -> [Candidate] {
        let result = Array(UnsafeBufferPointer(start: storage, count: count))
        count = 0
        return result
    }

    /// Places `element` at the root and sifts it down to where it belongs.
    @inline(__always) private func siftDown(_ element: Candidate) {
        var parent = 0
        while true {
            var child = 2 * parent + 1
            guard child < count else { break }
            if child + 1 < count, Order.before(storage[child + 1], storage[child]) {
                child += 1
            }
            guard Order.before(storage[child], element) else { break }
            storage[parent] = storage[child]
            parent = child
        }
        storage[parent] = element
    }

    private func grow() {
        let bigger = UnsafeMutablePointer<Candidate>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: storage, count: count)
        storage.deallocate()
        storage = bigger
        capacity *= 2
    }
}
