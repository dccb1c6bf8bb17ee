/// The vectors of one vector name of one collection, in memory, indexed by slot.
///
/// Built lazily on a collection's first search and kept current by every later write (under
/// the collection's write lock), so exact search never re-reads RocksDB.
/// TODO(storage): slots are never reused, so a collection rewritten many times grows this
/// table by its dead slots; compact when dead slots pass about half of the table.
final class VectorTable {
    let dimension: Int
    /// `dimension` floats per slot, slot-major.
    private(set) var values: [Float] = []
    /// The point in each slot; `nil` for a slot that is free or was superseded.
    private(set) var points: [PointID?] = []
    private(set) var liveCount = 0

    init(dimension: Int) {
        self.dimension = dimension
    }

    var slotCount: Int { points.count }

    func set(slot: UInt32, point: PointID, vector: [Float]) {
        precondition(vector.count == dimension, "vector dimension checked before storage")
        let index = Int(slot)
        if index >= points.count {
            points.append(contentsOf: repeatElement(nil, count: index + 1 - points.count))
            values.append(contentsOf: repeatElement(0, count: (index + 1) * dimension - values.count))
        }
        if points[index] == nil { liveCount += 1 }
        points[index] = point
        values.replaceSubrange(index * dimension..<(index + 1) * dimension, with: vector)
    }

    func remove(slot: UInt32) {
        let index = Int(slot)
        guard index < points.count, points[index] != nil else { return }
        points[index] = nil
        liveCount -= 1
    }

    /// Calls `body` with each live slot's point and vector.
    func forEachLive(_ body: (UInt32, PointID, UnsafeBufferPointer<Float>) -> Void) {
        values.withUnsafeBufferPointer { all in
            for (index, point) in points.enumerated() {
                guard let point else { continue }
                // Safety: `all` covers `points.count * dimension` floats (kept in step by `set`).
                let vector = UnsafeBufferPointer(
                    rebasing: all[index * dimension..<(index + 1) * dimension])
                body(UInt32(index), point, vector)
            }
        }
    }
}
