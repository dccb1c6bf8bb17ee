import Foundation

/// What a collection archive would add to a tenant, counted from its keys rather than taken
/// from its counters record: an uploaded archive is the caller's bytes, and counters saying
/// "0 points" over a million point records must not slip past `max_points`.
struct CollectionImportTally {
    /// Point records (`p` keys).
    var points = 0
    /// Logical bytes as `StoredCollection.storedSize` counts them for live points.
    var bytes = 0
    /// One past the highest slot a point record uses.
    var slotsEnd: UInt32 = 0
    /// The archive's own counters record, if it has one.
    var counters: CollectionCounters?

    /// Counts one `collection.kv` entry of a collection with `config`.
    ///
    /// - Throws: `invalidArgument(field: "snapshot")` for a point record or counters record
    ///   that does not decode.
    mutating func add(keySuffix: [UInt8], value: [UInt8], config: CollectionConfig) throws {
        guard let tag = keySuffix.first else { return }
        if keySuffix == [UInt8(ascii: "m")] {
            do {
                counters = try CollectionCounters(decoding: value)
            } catch {
                throw TarReader.refused("the collection's counters record does not decode")
            }
        }
        guard tag == UInt8(ascii: "p") else { return }
        let record: PointRecord
        do {
            record = try PointRecord(decoding: value, decodePayload: false)
        } catch {
            throw TarReader.refused("a point record does not decode: \(error)")
        }
        points += 1
        slotsEnd = max(slotsEnd, record.slot &+ 1)
        // The same sum as `storedSize`: point key and record, slot key and the point id it
        // holds (the point key without its tag), each vector key and 4 bytes a component.
        let idBytes = keySuffix.count - 1
        bytes += KeyLayout.collectionData(0).count + keySuffix.count + value.count
        bytes += KeyLayout.slot(0, record.slot).count + idBytes
        for name in record.vectorNames {
            let dimension = config.vectors[name]?.size ?? 0
            bytes += KeyLayout.vector(0, name, record.slot).count + 4 * dimension
        }
    }

    /// The counters the imported collection must carry: the archive's slot and version
    /// counters (never behind its records), with the point and byte totals counted here.
    var importedCounters: CollectionCounters {
        var result = counters ?? CollectionCounters()
        result.nextSlot = max(result.nextSlot, slotsEnd)
        result.pointCount = UInt64(points)
        result.storedBytes = UInt64(bytes)
        return result
    }
}

extension TenantSession {
    /// Refuses a recover of `collection` with `tally` that would take the tenant past one of
    /// its quotas (caller holds the catalog lock and, for point and byte quotas, the quota
    /// lock). The recovered collection replaces any collection of that name, so its points
    /// and bytes are counted instead of the old ones, and only a recover that grows the
    /// tenant past a quota is refused, as for other writes.
    func checkRecoverQuota(
        _ collection: String,
        _ tally: CollectionImportTally,
        limits: TenantLimits,
        _ database: RocksDBDatabase
    ) throws {
        let existing = try handle.collection(collection, in: database)
        if existing == nil { try checkCollectionQuota(database) }
        guard limits.maxPoints != nil || limits.maxBytes != nil else { return }
        let others = try totals(excluding: collection, database)
        let old = existing.map { target in target.lock.withReadLock { target.counters } }
        let oldPoints = Int(old?.pointCount ?? 0)
        let oldBytes = Int(old?.storedBytes ?? 0)
        if let limit = limits.maxPoints, tally.points > oldPoints,
            others.points + tally.points > limit
        {
            throw StoreError.quotaExceeded(
                quota: "max_points", limit: limit, wouldBe: others.points + tally.points)
        }
        if let limit = limits.maxBytes, tally.bytes > oldBytes, others.bytes + tally.bytes > limit {
            throw StoreError.quotaExceeded(
                quota: "max_bytes", limit: limit, wouldBe: others.bytes + tally.bytes)
        }
    }
}
