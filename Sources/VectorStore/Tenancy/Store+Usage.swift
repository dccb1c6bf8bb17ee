import Foundation
import VectorIndex

/// Usage records in the registry database, and per-tenant search statistics.
///
/// Usage: `u` + tenant + `/` + hour (u64 big-endian, hours since 1970) → the service's
/// counters as a JSON object. The store keeps them opaque: what is counted is the service's
/// business, that nothing is lost at a restart is the store's.
extension KeyLayout {
    static let usageTag: UInt8 = UInt8(ascii: "u")

    static func usagePrefix(_ tenant: String) -> [UInt8] {
        [usageTag] + Array(tenant.utf8) + [UInt8(ascii: "/")]
    }

    static func usage(_ tenant: String, hour: Int64) -> [UInt8] {
        let value = UInt64(bitPattern: hour)
        return usagePrefix(tenant) + bigEndian(UInt32(value >> 32))
            + bigEndian(UInt32(truncatingIfNeeded: value))
    }
}

extension Store {
    /// One stored usage record.
    public struct UsageRecord: Sendable, Equatable {
        public var tenant: String
        /// Hours since 1970 (UTC).
        public var hour: Int64
        public var counters: JSONValue

        /// - Parameters: the tenant, the hour and its counters.
        public init(tenant: String, hour: Int64, counters: JSONValue) {
            self.tenant = tenant
            self.hour = hour
            self.counters = counters
        }
    }

    /// Every usage record of every tenant (one prefix scan of the registry).
    /// - Throws: `StoreError.corrupted` for a record that does not decode.
    public func usageRecords() throws -> [UsageRecord] {
        let prefix = [KeyLayout.usageTag]
        let iterator = registry.database.iterator(
            from: prefix, to: KeyLayout.end(ofPrefix: prefix))
        var records: [UsageRecord] = []
        iterator.seekToFirst()
        while iterator.isValid {
            let key = Array(iterator.key.dropFirst())
            // The hour is 8 raw bytes that may include `/`: find the separator by position.
            let slash = key.count - 9
            guard slash > 0, key[slash] == UInt8(ascii: "/"),
                let counters = try? JSONValue.parse(iterator.value)
            else { throw StoreError.corrupted("usage record of \(key.count + 1) key bytes") }
            let hour = key[(slash + 1)...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            records.append(UsageRecord(
                tenant: String(decoding: key[..<slash], as: UTF8.self),
                hour: Int64(bitPattern: hour), counters: counters))
            iterator.next()
        }
        try iterator.checkError()
        return records
    }

    /// Replaces one usage record. Not synced: the write-ahead log survives the process
    /// being killed, which is the restart that must lose nothing; a power cut may lose the
    /// last moments of counting, never the registry's tenants or keys (those are synced).
    public func putUsage(_ record: UsageRecord) throws {
        try registry.database.put(
            KeyLayout.usage(record.tenant, hour: record.hour), record.counters.serialized(),
            sync: false)
    }

    /// Deletes the tenant's usage records at `hours`, or all of them when `hours` is `nil`.
    public func deleteUsage(tenant: String, hours: [Int64]?) throws {
        let batch = RocksDBWriteBatch()
        if let hours {
            for hour in hours { batch.delete(KeyLayout.usage(tenant, hour: hour)) }
        } else {
            let prefix = KeyLayout.usagePrefix(tenant)
            batch.deleteRange(from: prefix, to: KeyLayout.end(ofPrefix: prefix))
        }
        try registry.database.write(batch, sync: false)
    }
}

/// One `SearchStatistics` per tenant, created on first search and kept while the process
/// runs (counters only grow, as Prometheus expects of a counter).
final class SearchStatisticsTable: @unchecked Sendable {
    private let lock = NSLock()
    private var table: [String: SearchStatistics] = [:]

    func statistics(for tenant: String) -> SearchStatistics {
        lock.lock()
        defer { lock.unlock() }
        if let existing = table[tenant] { return existing }
        let created = SearchStatistics()
        table[tenant] = created
        return created
    }

    func remove(_ tenant: String) {
        lock.lock()
        table[tenant] = nil
        lock.unlock()
    }

    var all: [String: SearchStatistics] {
        lock.lock()
        defer { lock.unlock() }
        return table
    }
}

extension Store {
    /// The tenant's HNSW search counters, which `TenantSession.search` feeds.
    public func searchStatistics(tenant: String) -> SearchStatistics {
        searchStatisticsTable.statistics(for: tenant)
    }

    /// Searches and visited nodes per tenant that has searched since start-up.
    public func searchStatisticsByTenant()
        -> [(tenant: String, searches: UInt64, visitedNodes: UInt64)]
    {
        searchStatisticsTable.all.map { tenant, statistics in
            let snapshot = statistics.snapshot
            return (tenant, snapshot.searches, snapshot.visitedNodes)
        }.sorted { $0.tenant < $1.tenant }
    }

    /// Names of the tenants whose databases are open now (cheap: no database is opened).
    public func openTenantNames() -> [String] {
        openTenantNamesSnapshot()
    }
}

extension Store {
    /// Memory RocksDB reports, by kind: memtables and table readers summed over the registry
    /// and the open tenant databases, and the block cache they all share (counted once).
    /// Opens no database.
    public func memoryUsage() -> [(kind: String, bytes: Int)] {
        let properties = ["rocksdb.cur-size-all-mem-tables", "rocksdb.estimate-table-readers-mem"]
        func read(_ database: RocksDBDatabase) -> [Int] {
            properties.map { database.property($0).flatMap { Int($0) } ?? 0 }
        }
        var totals = read(registry.database)
        for handle in openHandlesSnapshot() {
            // Read under the handle's gate, so a concurrent close waits for us.
            guard let values = handle.withOpenDatabase(read) else { continue }
            totals = zip(totals, values).map { $0 + $1 }
        }
        let cache = registry.database.property("rocksdb.block-cache-usage").flatMap { Int($0) }
        return [
            ("memtables", totals[0]), ("table_readers", totals[1]), ("block_cache", cache ?? 0),
        ]
    }
}
