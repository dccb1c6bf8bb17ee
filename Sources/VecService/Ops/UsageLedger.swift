import Foundation
import VectorStore

/// What a tenant consumed, the input for per-tenant pricing.
public struct UsageCounters: Sendable, Equatable {
    /// Read requests answered (searches, queries, retrieves, scrolls, counts).
    public var queries: Int64 = 0
    /// Write requests answered.
    public var writes: Int64 = 0
    public var embeddingTokens: Int64 = 0
    public var rerankPairs: Int64 = 0
    /// Successful requests that ran a model (embedding or reranking).
    public var inferenceRequests: Int64 = 0

    /// - Parameters: the counts, zero by default.
    public init(queries: Int64 = 0, writes: Int64 = 0, embeddingTokens: Int64 = 0,
                rerankPairs: Int64 = 0, inferenceRequests: Int64 = 0) {
        self.queries = queries
        self.writes = writes
        self.embeddingTokens = embeddingTokens
        self.rerankPairs = rerankPairs
        self.inferenceRequests = inferenceRequests
    }

    static func + (lhs: UsageCounters, rhs: UsageCounters) -> UsageCounters {
        UsageCounters(queries: lhs.queries + rhs.queries, writes: lhs.writes + rhs.writes,
                      embeddingTokens: lhs.embeddingTokens + rhs.embeddingTokens,
                      rerankPairs: lhs.rerankPairs + rhs.rerankPairs,
                      inferenceRequests: lhs.inferenceRequests + rhs.inferenceRequests)
    }

    /// True when every count is zero.
    public var isZero: Bool { self == UsageCounters() }

    /// The counters as a JSON object in the wire's snake_case.
    public var json: JSONValue {
        [
            "queries": .int(queries), "writes": .int(writes),
            "embedding_tokens": .int(embeddingTokens), "rerank_pairs": .int(rerankPairs),
            "inference_requests": .int(inferenceRequests),
        ]
    }

    /// Reads the object `json` writes; absent fields are zero.
    public init(json: JSONValue) {
        queries = json["queries"]?.intValue ?? 0
        writes = json["writes"]?.intValue ?? 0
        embeddingTokens = json["embedding_tokens"]?.intValue ?? 0
        rerankPairs = json["rerank_pairs"]?.intValue ?? 0
        inferenceRequests = json["inference_requests"]?.intValue ?? 0
    }
}

/// Where the ledger keeps its counters so a restart loses nothing: one record per tenant
/// and hour. The store's registry database implements it.
public protocol UsagePersistence: AnyObject, Sendable {
    /// Every stored (tenant, hour, counters) record.
    func loadUsage() throws -> [(tenant: String, hour: Int64, counters: UsageCounters)]
    /// Replaces the record of (tenant, hour). Need not be synced: it must only survive the
    /// process dying (the write-ahead log in the page cache does), not the machine.
    func saveUsage(tenant: String, hour: Int64, counters: UsageCounters) throws
    /// Removes the records of `tenant` at `hours`, or all of them when `hours` is `nil`.
    func deleteUsage(tenant: String, hours: [Int64]?) throws
}

/// Usage per tenant in hourly buckets, written through to `UsagePersistence` as it changes.
///
/// Hours older than `retainedHours` are folded into one bucket at hour 0, so totals stay
/// exact while the record count per tenant stays bounded.
public final class UsageLedger: @unchecked Sendable {
    /// Hourly detail kept: 31 days covers the monthly window and a bit.
    public static let retainedHours: Int64 = 31 * 24

    /// The windows `usage(of:)` reports, in seconds (`nil` for all time).
    public static let windows: [(name: String, seconds: Double?)] = [
        ("last_hour", 3_600), ("last_day", 86_400), ("last_30_days", 30 * 86_400),
        ("total", nil),
    ]

    private let persistence: UsagePersistence?
    private let clock: @Sendable () -> Double
    private let lock = NSLock()
    private var hours: [String: [Int64: UsageCounters]] = [:]
    private let logger: Logger

    /// Loads the stored records.
    /// - Parameters:
    ///   - persistence: where counters live; `nil` keeps them in memory only (tests).
    ///   - clock: wall-clock seconds since 1970.
    public init(persistence: UsagePersistence?, logger: Logger = Logger(label: "vecd.usage"),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        self.persistence = persistence
        self.clock = clock
        self.logger = logger
        for record in try persistence?.loadUsage() ?? [] {
            hours[record.tenant, default: [:]][record.hour] = record.counters
        }
    }

    /// Adds `delta` to the tenant's current hour and writes that hour through.
    public func record(_ delta: UsageCounters, tenant: String) {
        guard !delta.isZero else { return }
        let hour = Int64((clock() / 3_600).rounded(.down))
        lock.lock()
        defer { lock.unlock() }
        let updated = (hours[tenant]?[hour] ?? UsageCounters()) + delta
        hours[tenant, default: [:]][hour] = updated
        // Written under the lock so two requests cannot store their hours out of order.
        do {
            try persistence?.saveUsage(tenant: tenant, hour: hour, counters: updated)
            if hours[tenant]?.count ?? 0 > Int(Self.retainedHours) + 2 {
                try compact(tenant, now: hour)
            }
        } catch {
            logger.error("usage not persisted", metadata: [
                "tenant.id": tenant, "error": "\(error)",
            ])
        }
    }

    /// Folds hours older than the retained window into hour 0.
    private func compact(_ tenant: String, now hour: Int64) throws {
        guard var buckets = hours[tenant] else { return }
        let cutoff = hour - Self.retainedHours
        let old = buckets.keys.filter { $0 > 0 && $0 < cutoff }
        var folded = buckets[0] ?? UsageCounters()
        for bucketHour in old {
            folded = folded + buckets[bucketHour]!
            buckets[bucketHour] = nil
        }
        buckets[0] = folded
        hours[tenant] = buckets
        // The folded total is saved before the hours it absorbs go, so a crash in between
        // can only double-count those hours, never lose them.
        try persistence?.saveUsage(tenant: tenant, hour: 0, counters: folded)
        try persistence?.deleteUsage(tenant: tenant, hours: old)
    }

    /// The tenant's counters over each of `windows`.
    public func usage(of tenant: String) -> [String: UsageCounters] {
        let now = clock()
        let currentHour = Int64((now / 3_600).rounded(.down))
        lock.lock()
        let buckets = hours[tenant] ?? [:]
        lock.unlock()
        var result: [String: UsageCounters] = [:]
        for window in Self.windows {
            // A window of N hours is the current hour and the N-1 before it.
            let firstHour = window.seconds.map { currentHour - Int64($0 / 3_600) + 1 } ?? 0
            result[window.name] = buckets.filter { $0.key >= firstHour }.values
                .reduce(UsageCounters(), +)
        }
        return result
    }

    /// Every tenant with recorded usage.
    public var tenants: [String] {
        lock.lock()
        defer { lock.unlock() }
        return hours.keys.sorted()
    }

    /// Forgets a deleted tenant's usage.
    public func forget(_ tenant: String) {
        lock.lock()
        defer { lock.unlock() }
        hours[tenant] = nil
        try? persistence?.deleteUsage(tenant: tenant, hours: nil)
    }
}
