/// A sorted multiset of (key, slot) entries in chunks, for range lookups on numeric, datetime
/// and geo indexes.
///
/// A single sorted array would make each insert O(n) (1M inserts of distinct floats move
/// terabytes); chunks of at most `maximumChunkSize` keep an insert at O(log n + chunk) while
/// a range scan stays a binary search plus a walk.
struct SortedEntries<Key: Comparable & Sendable>: Sendable {
    struct Entry: Comparable, Sendable {
        var key: Key
        var slot: UInt32

        static func < (lhs: Entry, rhs: Entry) -> Bool {
            lhs.key < rhs.key || (lhs.key == rhs.key && lhs.slot < rhs.slot)
        }
    }

    /// A chunk splits in two when it grows past this; a few KiB per chunk.
    static var maximumChunkSize: Int { 512 }

    private var chunks: [[Entry]] = []
    private(set) var count = 0

    /// Adds an entry; no-op when it is already present.
    mutating func insert(_ entry: Entry) {
        guard !chunks.isEmpty else {
            chunks = [[entry]]
            count = 1
            return
        }
        let chunkIndex = chunkFor(entry)
        let position = SortedEntries.firstIndex(in: chunks[chunkIndex]) { !($0 < entry) }
        if position < chunks[chunkIndex].count, chunks[chunkIndex][position] == entry { return }
        chunks[chunkIndex].insert(entry, at: position)
        count += 1
        if chunks[chunkIndex].count > SortedEntries.maximumChunkSize {
            let upper = Array(chunks[chunkIndex][(chunks[chunkIndex].count / 2)...])
            chunks[chunkIndex].removeLast(upper.count)
            chunks.insert(upper, at: chunkIndex + 1)
        }
    }

    /// Removes an entry; no-op when it is absent.
    mutating func remove(_ entry: Entry) {
        guard !chunks.isEmpty else { return }
        let chunkIndex = chunkFor(entry)
        let position = SortedEntries.firstIndex(in: chunks[chunkIndex]) { !($0 < entry) }
        guard position < chunks[chunkIndex].count, chunks[chunkIndex][position] == entry else {
            return
        }
        chunks[chunkIndex].remove(at: position)
        count -= 1
        if chunks[chunkIndex].isEmpty { chunks.remove(at: chunkIndex) }
    }

    /// Calls `body` for each entry whose key lies in `bounds`, in key order.
    func forEach(in bounds: Bounds<Key>, _ body: (Entry) -> Void) {
        var chunkIndex = 0
        var position = 0
        if let lower = bounds.gte ?? bounds.gt {
            chunkIndex = SortedEntries.firstIndex(in: chunks) { $0[$0.count - 1].key >= lower }
            guard chunkIndex < chunks.count else { return }
            position = SortedEntries.firstIndex(in: chunks[chunkIndex]) { $0.key >= lower }
        }
        while chunkIndex < chunks.count {
            let chunk = chunks[chunkIndex]
            while position < chunk.count {
                let entry = chunk[position]
                if let lt = bounds.lt, !(entry.key < lt) { return }
                if let lte = bounds.lte, !(entry.key <= lte) { return }
                if bounds.contains(entry.key) { body(entry) }
                position += 1
            }
            chunkIndex += 1
            position = 0
        }
    }

    /// The slots of the entries whose key lies in `bounds`.
    func slots(in bounds: Bounds<Key>) -> SlotSet {
        var slots: [UInt32] = []
        forEach(in: bounds) { slots.append($0.slot) }
        return SlotSet(slots)
    }

    /// The chunk an entry belongs in: the first whose last entry is not below it, else the last.
    private func chunkFor(_ entry: Entry) -> Int {
        min(SortedEntries.firstIndex(in: chunks) { !($0[$0.count - 1] < entry) }, chunks.count - 1)
    }

    /// The first index where `isAtOrAfter` holds (it must be monotonic); `items.count` if none.
    private static func firstIndex<Item>(in items: [Item], where isAtOrAfter: (Item) -> Bool) -> Int
    {
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            if isAtOrAfter(items[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Checks sortedness and the cached count; for tests.
    func checkInvariants() {
        var previous: Entry?
        var total = 0
        for chunk in chunks {
            precondition(!chunk.isEmpty, "empty chunk")
            for entry in chunk {
                if let previous { precondition(previous < entry, "entries out of order") }
                previous = entry
                total += 1
            }
        }
        precondition(total == count, "count \(count) but \(total) entries")
    }
}
