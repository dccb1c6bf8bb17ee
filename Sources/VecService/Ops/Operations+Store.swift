import Foundation
import VectorStore

/// Usage records kept in the store's registry database.
final class StoreUsagePersistence: UsagePersistence, @unchecked Sendable {
    private let store: Store

    init(store: Store) { self.store = store }

    func loadUsage() throws -> [(tenant: String, hour: Int64, counters: UsageCounters)] {
        try store.usageRecords().map {
            (tenant: $0.tenant, hour: $0.hour, counters: UsageCounters(json: $0.counters))
        }
    }

    func saveUsage(tenant: String, hour: Int64, counters: UsageCounters) throws {
        try store.putUsage(Store.UsageRecord(tenant: tenant, hour: hour, counters: counters.json))
    }

    func deleteUsage(tenant: String, hours: [Int64]?) throws {
        try store.deleteUsage(tenant: tenant, hours: hours)
    }
}

extension Operations {
    /// The operations of a node over `store`: limits read from the registry, usage persisted
    /// in it, and the store's sizes, search counts and memory fed to the metrics at scrape.
    public static func standard(
        store: Store, audit: AuditLog?, logger: Logger = Logger(label: "vecd.ops")
    ) -> Operations {
        let ledger: UsageLedger
        do {
            ledger = try UsageLedger(persistence: StoreUsagePersistence(store: store),
                                     logger: logger)
        } catch {
            // A registry that cannot be read fails the first data request anyway; counting
            // in memory meanwhile loses less than refusing to start.
            logger.error("usage records unreadable", metadata: ["error": "\(error)"])
            ledger = (try? UsageLedger(persistence: nil, logger: logger))!
        }
        let operations = Operations(
            usage: ledger, audit: audit, loadLimits: { try? store.tenant($0).limits })
        operations.feedMetrics(from: store)
        return operations
    }

    /// Registers the scrape-time callbacks that read the store.
    func feedMetrics(from store: Store) {
        let version = Service.versionInfo["version"]?.stringValue ?? ""
        metrics.appInfo.set(1, ["vecd", version])
        let sizes = TenantSizeCache()
        metrics.setTenantSizeProvider { sizes.refresh(from: store) }
        metrics.setRocksDBMemoryProvider { store.memoryUsage().map { ($0.kind, Double($0.bytes)) } }
        metrics.setSearchStatisticsProvider {
            store.searchStatisticsByTenant().map {
                (tenant: $0.tenant, searches: $0.searches, visitedNodes: $0.visitedNodes)
            }
        }
    }
}

/// The last known size of every tenant. A scrape measures only the tenants whose databases
/// are open (opening every idle tenant each scrape would defeat the pool); the others keep
/// the value measured while they were open.
final class TenantSizeCache: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [String: TenantSizeSample] = [:]

    func refresh(from store: Store) -> [TenantSizeSample] {
        let registered = Set(((try? store.tenants()) ?? []).map(\.name))
        var measured: [String: TenantSizeSample] = [:]
        for tenant in store.openTenantNames() where registered.contains(tenant) {
            guard let session = try? store.session(
                for: AccessScope(tenant: tenant, canWrite: false)),
                let usage = try? session.usage()
            else { continue }
            measured[tenant] = TenantSizeSample(
                tenant: tenant, points: usage.points, vectors: usage.vectors,
                storedBytes: usage.bytes, collections: usage.collections)
        }
        lock.lock()
        defer { lock.unlock() }
        samples = samples.filter { registered.contains($0.key) }.merging(measured) { $1 }
        return samples.values.sorted { $0.tenant < $1.tenant }
    }
}
