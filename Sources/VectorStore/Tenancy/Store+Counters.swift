/// Per-tenant named counters that survive restarts: non-negative running totals kept in the
/// registry beside the tenant's record and removed with the tenant.
///
/// `vecd serve` no longer feeds these (its usage ledger, in hourly records, is the one record
/// of inference and requests); counters an older version wrote stay until the tenant goes.
extension Store {
    /// Adds `deltas` (counter name → amount) to `tenant`'s counters atomically.
    ///
    /// Not synced to disk per call (the registry's other writes are): a crash may lose the
    /// last increments, never corrupt the totals.
    ///
    /// - Throws: `tenantNotFound` for an unknown tenant, `storage` if the write fails.
    public func addUsageCounters(_ deltas: [String: Int], tenant: String) throws {
        _ = try self.tenant(tenant)
        try registry.addCounters(deltas, tenant: tenant)
    }

    /// `tenant`'s counters by name; counters never added are absent (read them as 0).
    ///
    /// - Throws: `tenantNotFound` for an unknown tenant.
    public func usageCounters(tenant: String) throws -> [String: Int] {
        _ = try self.tenant(tenant)
        return try registry.counters(tenant: tenant)
    }
}
