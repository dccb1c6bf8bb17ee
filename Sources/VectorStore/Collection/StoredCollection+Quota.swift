import Foundation

/// What a write would add to its tenant: points and logical bytes (negative for a shrink).
struct QuotaDelta: Equatable {
    var points: Int
    var bytes: Int
}

/// Called with a write's delta and the collection's counters before the write changes
/// anything; throws `StoreError.quotaExceeded` to refuse the whole write.
typealias QuotaCheck = (_ delta: QuotaDelta, _ current: CollectionCounters) throws -> Void

/// Byte accounting for the `max_bytes` quota.
extension StoredCollection {
    /// Logical bytes one point takes: its record under its key, its slot entry, and each
    /// vector under its key (4 bytes a component). Deterministic, unlike RocksDB's estimates,
    /// which move with compression, compaction and memtable arenas.
    func storedSize(point: PointID, recordBytes: Int, slot: UInt32, vectorNames: [String])
        -> Int
    {
        var total = KeyLayout.point(id, point).count + recordBytes
        total += KeyLayout.slot(id, slot).count + point.storageKey.count
        for vectorName in vectorNames {
            let dimension = config.vectors[vectorName]?.size ?? 0
            total += KeyLayout.vector(id, vectorName, slot).count + 4 * dimension
        }
        return total
    }

    /// `storedSize` of a decoded record (its payload must have been decoded).
    func storedSize(point: PointID, record: PointRecord) -> Int {
        storedSize(point: point, recordBytes: record.encoded().count, slot: record.slot,
                   vectorNames: record.vectorNames)
    }

    /// The stored record of `point` and its encoded length, without decoding the payload
    /// unless asked.
    func recordWithSize(_ point: PointID, decodePayload: Bool) throws
        -> (record: PointRecord, bytes: Int)?
    {
        guard let bytes = try database.get(KeyLayout.point(id, point)) else { return nil }
        return (try PointRecord(decoding: bytes, decodePayload: decodePayload), bytes.count)
    }
}
