/// A set of slots (dense internal point offsets) as a bitset: one bit per slot up to the
/// largest inserted, so a set over a collection of n points costs n/8 bytes at most.
public struct SlotSet: Sendable, Equatable, Sequence {
    private var words: [UInt64] = []
    /// Cached number of members, kept exact by every mutation.
    public private(set) var count = 0

    public init() {}

    public init(_ slots: some Sequence<UInt32>) {
        for slot in slots { insert(slot) }
    }

    public var isEmpty: Bool { count == 0 }

    /// - Complexity: O(1).
    public func contains(_ slot: UInt32) -> Bool {
        let word = Int(slot >> 6)
        return word < words.count && words[word] & (1 << UInt64(slot & 63)) != 0
    }

    /// - Returns: true when `slot` was not yet a member.
    @discardableResult
    public mutating func insert(_ slot: UInt32) -> Bool {
        let word = Int(slot >> 6)
        if word >= words.count { words.append(contentsOf: repeatElement(0, count: word + 1 - words.count)) }
        let bit: UInt64 = 1 << UInt64(slot & 63)
        guard words[word] & bit == 0 else { return false }
        words[word] |= bit
        count += 1
        return true
    }

    /// - Returns: true when `slot` was a member.
    @discardableResult
    public mutating func remove(_ slot: UInt32) -> Bool {
        let word = Int(slot >> 6)
        let bit: UInt64 = 1 << UInt64(slot & 63)
        guard word < words.count, words[word] & bit != 0 else { return false }
        words[word] &= ~bit
        count -= 1
        return true
    }

    /// Adds every member of `other`.
    ///
    /// - Complexity: O(words of `other`).
    public mutating func formUnion(_ other: SlotSet) {
        if other.words.count > words.count {
            words.append(contentsOf: repeatElement(0, count: other.words.count - words.count))
        }
        var total = 0
        for index in 0..<words.count {
            if index < other.words.count { words[index] |= other.words[index] }
            total += words[index].nonzeroBitCount
        }
        count = total
    }

    /// Keeps only members also in `other`.
    public mutating func formIntersection(_ other: SlotSet) {
        if words.count > other.words.count { words.removeLast(words.count - other.words.count) }
        var total = 0
        for index in 0..<words.count {
            words[index] &= other.words[index]
            total += words[index].nonzeroBitCount
        }
        count = total
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
        guard lhs.count == rhs.count else { return false }
        let shared = Swift.min(lhs.words.count, rhs.words.count)
        return lhs.words[0..<shared] == rhs.words[0..<shared]
    }

    /// Members in increasing order.
    public func makeIterator() -> Iterator {
        Iterator(words: words)
    }

    /// Walks the set bits word by word.
    public struct Iterator: IteratorProtocol {
        let words: [UInt64]
        var wordIndex = 0
        var current: UInt64

        init(words: [UInt64]) {
            self.words = words
            self.current = words.first ?? 0
        }

        public mutating func next() -> UInt32? {
            while current == 0 {
                wordIndex += 1
                guard wordIndex < words.count else { return nil }
                current = words[wordIndex]
            }
            let bit = current.trailingZeroBitCount
            current &= current - 1
            return UInt32(wordIndex << 6 | bit)
        }
    }
}
