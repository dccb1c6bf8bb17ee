/// A set of slots (dense internal point offsets).
///
/// Small sets are a sorted array and large ones a bitset, whichever is smaller: a keyword
/// index over a million points with a hundred thousand distinct values (tenant ids, user ids)
/// holds a hundred thousand small sets, which as bitsets would cost 125 KiB each.
public struct SlotSet: Sendable, Equatable, Sequence {
    private enum Storage: Sendable, Equatable {
        /// Sorted, no duplicates.
        case sparse([UInt32])
        /// One bit per slot; `count` kept alongside.
        case dense([UInt64])
    }

    private var storage: Storage = .sparse([])
    /// Number of members, kept exact by every mutation.
    public private(set) var count = 0

    public init() {}

    public init(_ slots: some Sequence<UInt32>) {
        // Sorting first and dropping neighbours is cheaper than hashing every member.
        var sorted = Array(slots)
        sorted.sort()
        var unique = 0
        for slot in sorted where unique == 0 || sorted[unique - 1] != slot {
            sorted[unique] = slot
            unique += 1
        }
        sorted.removeLast(sorted.count - unique)
        self.storage = .sparse(sorted)
        self.count = sorted.count
        compact()
    }

    public var isEmpty: Bool { count == 0 }

    /// - Complexity: O(log n) for a small set, O(1) for a large one.
    public func contains(_ slot: UInt32) -> Bool {
        switch storage {
        case .sparse(let slots):
            let position = SlotSet.lowerBound(slots, slot)
            return position < slots.count && slots[position] == slot
        case .dense(let words):
            let word = Int(slot >> 6)
            return word < words.count && words[word] & (1 << UInt64(slot & 63)) != 0
        }
    }

    /// - Returns: true when `slot` was not yet a member.
    @discardableResult
    public mutating func insert(_ slot: UInt32) -> Bool {
        switch storage {
        case .sparse(var slots):
            let position = SlotSet.lowerBound(slots, slot)
            if position < slots.count && slots[position] == slot { return false }
            storage = .sparse([])  // keeps `slots` uniquely referenced while it grows
            slots.insert(slot, at: position)
            storage = .sparse(slots)
        case .dense(var words):
            let word = Int(slot >> 6)
            let bit: UInt64 = 1 << UInt64(slot & 63)
            if word < words.count && words[word] & bit != 0 { return false }
            storage = .sparse([])
            if word >= words.count {
                words.append(contentsOf: repeatElement(0, count: word + 1 - words.count))
            }
            words[word] |= bit
            storage = .dense(words)
        }
        count += 1
        compact()
        return true
    }

    /// - Returns: true when `slot` was a member.
    @discardableResult
    public mutating func remove(_ slot: UInt32) -> Bool {
        switch storage {
        case .sparse(var slots):
            let position = SlotSet.lowerBound(slots, slot)
            guard position < slots.count && slots[position] == slot else { return false }
            storage = .sparse([])
            slots.remove(at: position)
            storage = .sparse(slots)
        case .dense(var words):
            let word = Int(slot >> 6)
            let bit: UInt64 = 1 << UInt64(slot & 63)
            guard word < words.count && words[word] & bit != 0 else { return false }
            storage = .sparse([])
            words[word] &= ~bit
            storage = .dense(words)
        }
        count -= 1
        return true
    }

    /// Adds every member of `other`.
    public mutating func formUnion(_ other: SlotSet) {
        guard !other.isEmpty else { return }
        switch (storage, other.storage) {
        case (.sparse(let mine), .sparse(let theirs)):
            let merged = SlotSet.mergeUnion(mine, theirs)
            storage = .sparse(merged)
            count = merged.count
        default:
            var words = denseWords()
            storage = .sparse([])
            other.forEachWordBit(into: &words)
            count = words.reduce(0) { $0 + $1.nonzeroBitCount }
            storage = .dense(words)
        }
        compact()
    }

    /// Keeps only members also in `other`.
    public mutating func formIntersection(_ other: SlotSet) {
        switch (storage, other.storage) {
        case (.dense(var mine), .dense(let theirs)):
            storage = .sparse([])
            if mine.count > theirs.count { mine.removeLast(mine.count - theirs.count) }
            var total = 0
            for index in mine.indices {
                mine[index] &= theirs[index]
                total += mine[index].nonzeroBitCount
            }
            storage = .dense(mine)
            count = total
        case (.sparse(let mine), _):
            let kept = mine.filter(other.contains)
            storage = .sparse(kept)
            count = kept.count
        case (.dense, .sparse(let theirs)):
            let kept = theirs.filter(contains)
            storage = .sparse(kept)
            count = kept.count
        }
    }

    /// Removes every member of `other`.
    public mutating func subtract(_ other: SlotSet) {
        guard !isEmpty, !other.isEmpty else { return }
        switch (storage, other.storage) {
        case (.dense(var mine), .dense(let theirs)):
            storage = .sparse([])
            var total = 0
            for index in mine.indices {
                if index < theirs.count { mine[index] &= ~theirs[index] }
                total += mine[index].nonzeroBitCount
            }
            storage = .dense(mine)
            count = total
        case (.sparse(let mine), _):
            let kept = mine.filter { !other.contains($0) }
            storage = .sparse(kept)
            count = kept.count
        case (.dense, .sparse(let theirs)):
            for slot in theirs { remove(slot) }
        }
    }

    public func union(_ other: SlotSet) -> SlotSet {
        var result = self
        result.formUnion(other)
        return result
    }

    public func intersection(_ other: SlotSet) -> SlotSet {
        var result = self
        result.formIntersection(other)
        return result
    }

    public static func == (lhs: SlotSet, rhs: SlotSet) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    /// Members in increasing order.
    public func makeIterator() -> Iterator {
        switch storage {
        case .sparse(let slots): return Iterator(sparse: slots)
        case .dense(let words): return Iterator(dense: words)
        }
    }

    /// Walks the array, or the set bits word by word.
    public struct Iterator: IteratorProtocol {
        private let sparse: [UInt32]
        private let words: [UInt64]
        private var position = 0
        private var current: UInt64

        init(sparse: [UInt32]) {
            self.sparse = sparse
            self.words = []
            self.current = 0
        }

        init(dense words: [UInt64]) {
            self.sparse = []
            self.words = words
            self.current = words.first ?? 0
        }

        public mutating func next() -> UInt32? {
            if words.isEmpty {
                guard position < sparse.count else { return nil }
                position += 1
                return sparse[position - 1]
            }
            while current == 0 {
                position += 1
                guard position < words.count else { return nil }
                current = words[position]
            }
            let bit = current.trailingZeroBitCount
            current &= current - 1
            return UInt32(position << 6 | bit)
        }
    }

    // MARK: - Representation

    /// Switches to whichever form is smaller: 4 bytes per member against 8 bytes per 64
    /// slots up to the largest member.
    private mutating func compact() {
        switch storage {
        case .sparse(let slots):
            guard let largest = slots.last, slots.count > 64 else { return }
            let wordCount = Int(largest >> 6) + 1
            if slots.count > 2 * wordCount {
                storage = .sparse([])
                storage = .dense(SlotSet.bitset(slots, wordCount: wordCount))
            }
        case .dense(let words):
            // Shrinking back to an array is left to the next rebuild: sets mostly grow.
            _ = words
        }
    }

    private func denseWords() -> [UInt64] {
        switch storage {
        case .dense(let words): return words
        case .sparse(let slots):
            return SlotSet.bitset(slots, wordCount: slots.last.map { Int($0 >> 6) + 1 } ?? 0)
        }
    }

    private func forEachWordBit(into words: inout [UInt64]) {
        switch storage {
        case .dense(let theirs):
            if theirs.count > words.count {
                words.append(contentsOf: repeatElement(0, count: theirs.count - words.count))
            }
            for index in theirs.indices { words[index] |= theirs[index] }
        case .sparse(let slots):
            if let largest = slots.last, Int(largest >> 6) >= words.count {
                words.append(
                    contentsOf: repeatElement(0, count: Int(largest >> 6) + 1 - words.count)
                )
            }
            for slot in slots { words[Int(slot >> 6)] |= 1 << UInt64(slot & 63) }
        }
    }

    private static func bitset(_ slots: [UInt32], wordCount: Int) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: wordCount)
        for slot in slots { words[Int(slot >> 6)] |= 1 << UInt64(slot & 63) }
        return words
    }

    private static func mergeUnion(_ a: [UInt32], _ b: [UInt32]) -> [UInt32] {
        var result: [UInt32] = []
        result.reserveCapacity(a.count + b.count)
        var i = 0
        var j = 0
        while i < a.count && j < b.count {
            if a[i] < b[j] {
                result.append(a[i])
                i += 1
            } else if b[j] < a[i] {
                result.append(b[j])
                j += 1
            } else {
                result.append(a[i])
                i += 1
                j += 1
            }
        }
        result.append(contentsOf: a[i...])
        result.append(contentsOf: b[j...])
        return result
    }

    private static func lowerBound(_ slots: [UInt32], _ slot: UInt32) -> Int {
        var low = 0
        var high = slots.count
        while low < high {
            let middle = (low + high) / 2
            if slots[middle] < slot { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
