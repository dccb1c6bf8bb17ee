import Foundation

/// Quotas (issue 7): `max_points`, `max_bytes` and `max_collections` from the tenant's
/// limits, checked before a write changes anything, so a write that would pass one is
/// refused whole (`StoreError.quotaExceeded` naming the quota) and nothing of it is written.
///
/// Limits are read from the registry on each write, so `updateTenantLimits` applies to the
/// next write without any cache to invalidate.
extension TenantSession {
    /// Runs a write under the tenant's quota lock with a check of its delta, or without
    /// either when the tenant has no point or byte quota.
    func withQuota<T>(
        _ target: StoredCollection, _ database: RocksDBDatabase,
        _ body: (QuotaCheck?) throws -> T
    ) throws -> T {
        let limits = try store.tenant(scope.tenant).limits
        guard limits.maxPoints != nil || limits.maxBytes != nil else { return try body(nil) }
        return try handle.quotaLock.withLocked {
            try body { delta, current in
                let others = try self.totals(excluding: target.name, database)
                let points = others.points + Int(current.pointCount) + delta.points
                let bytes = others.bytes + Int(current.storedBytes) + delta.bytes
                // Only a write that grows past a quota is refused: shrinking a tenant that is
                // over a lowered quota must stay possible.
                if let limit = limits.maxPoints, delta.points > 0, points > limit {
                    throw StoreError.quotaExceeded(
                        quota: "max_points", limit: limit, wouldBe: points)
                }
                if let limit = limits.maxBytes, delta.bytes > 0, bytes > limit {
                    throw StoreError.quotaExceeded(
                        quota: "max_bytes", limit: limit, wouldBe: bytes)
                }
            }
        }
    }

    /// A payload rewrite under the quota check.
    func updatePayloads(
        _ target: StoredCollection, _ database: RocksDBDatabase, _ selection: PointSelection,
        _ durability: WriteDurability, _ transform: (inout [String: JSONValue]) throws -> Void
    ) throws {
        try withQuota(target, database) { quota in
            try target.updatePayloads(
                selection, sync: durability == .synced, quota: quota, transform)
        }
    }

    /// Refuses a new collection past `max_collections` (caller holds the catalog lock).
    func checkCollectionQuota(_ database: RocksDBDatabase) throws {
        guard let limit = try store.tenant(scope.tenant).limits.maxCollections else { return }
        let count = try TenantSession.catalogNames(in: database).count
        if count + 1 > limit {
            throw StoreError.quotaExceeded(
                quota: "max_collections", limit: limit, wouldBe: count + 1)
        }
    }

    /// Points and logical bytes of every collection but `excluded`.
    func totals(excluding excluded: String, _ database: RocksDBDatabase) throws
        -> (points: Int, bytes: Int)
    {
        var points = 0
        var bytes = 0
        for name in try TenantSession.catalogNames(in: database) where name != excluded {
            guard let collection = try handle.collection(name, in: database) else { continue }
            let counters = collection.lock.withReadLock { collection.counters }
            points += Int(counters.pointCount)
            bytes += Int(counters.storedBytes)
        }
        return (points, bytes)
    }
}
