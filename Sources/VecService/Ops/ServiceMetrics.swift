import Foundation

/// One tenant's stored size, as the store reports it at scrape time.
public struct TenantSizeSample: Sendable, Equatable {
    public var tenant: String
    public var points: Int
    public var vectors: Int
    public var storedBytes: Int
    public var collections: Int

    /// - Parameters: the tenant and its counts; `vectors` counts every named vector.
    public init(tenant: String, points: Int, vectors: Int, storedBytes: Int, collections: Int) {
        self.tenant = tenant
        self.points = points
        self.vectors = vectors
        self.storedBytes = storedBytes
        self.collections = collections
    }
}

/// The metrics of issue 7 on one `MetricsRegistry`: what the service, the store and the
/// inference path feed, under bounded labels (tenant, route template, method, status; never
/// collection names or keys).
public final class ServiceMetrics: @unchecked Sendable {
    /// Request duration buckets in seconds: from a cached point read to a slow rerank.
    public static let durationBuckets: [Double] = [
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    public let registry: MetricsRegistry
    public let appInfo: MetricFamily
    public let requests: MetricFamily
    public let requestDuration: MetricFamily
    public let embeddingTokens: MetricFamily
    public let rerankPairs: MetricFamily
    public let rateLimitRefusals: MetricFamily
    public let quotaRefusals: MetricFamily

    private let lock = NSLock()
    private var tenantSizes: @Sendable () -> [TenantSizeSample] = { [] }
    private var rocksDBMemory: @Sendable () -> [(String, Double)] = { [] }
    private var searchStatistics: @Sendable () -> [SearchCounts] = { [] }

    /// One tenant's HNSW search counts since start-up, as the store keeps them.
    public typealias SearchCounts = (tenant: String, searches: UInt64, visitedNodes: UInt64)

    /// Registers every family on `registry`.
    public init(registry: MetricsRegistry = MetricsRegistry()) {
        self.registry = registry
        // Qdrant's names (`rest_responses_*`, `endpoint` = the route template) plus `tenant`,
        // so dashboards made for Qdrant work unchanged.
        let requestLabels = ["tenant", "method", "endpoint", "status"]
        appInfo = registry.gauge(
            "app_info", help: "information about the vecd server", labels: ["name", "version"])
        requests = registry.counter(
            "rest_responses_total", help: "total number of responses", labels: requestLabels)
        requestDuration = registry.histogram(
            "rest_responses_duration_seconds", help: "time spent answering a request",
            labels: requestLabels, buckets: Self.durationBuckets)
        embeddingTokens = registry.counter(
            "vecd_embedding_tokens_total", help: "Tokens fed to the embedding model.",
            labels: ["tenant"])
        rerankPairs = registry.counter(
            "vecd_rerank_pairs_total", help: "Query-document pairs scored by the reranker.",
            labels: ["tenant"])
        rateLimitRefusals = registry.counter(
            "vecd_rate_limit_refusals_total", help: "Requests refused by a rate limit.",
            labels: ["tenant", "kind"])
        quotaRefusals = registry.counter(
            "vecd_quota_refusals_total", help: "Writes refused because they would pass a quota.",
            labels: ["tenant", "quota"])
        registerCallbacks()
    }

    private func registerCallbacks() {
        let sizes: @Sendable () -> [TenantSizeSample] = { [weak self] in
            self?.currentTenantSizes() ?? []
        }
        let perTenant: [(String, String, @Sendable (TenantSizeSample) -> Int)] = [
            ("vecd_tenant_points", "Points stored per tenant.", { $0.points }),
            ("vecd_tenant_vectors", "Vectors stored per tenant.", { $0.vectors }),
            ("vecd_tenant_stored_bytes", "Bytes stored per tenant.", { $0.storedBytes }),
            ("vecd_tenant_collections", "Collections per tenant.", { $0.collections }),
        ]
        for (name, help, field) in perTenant {
            _ = registry.callback(name, help: help, type: .gauge, labels: ["tenant"]) {
                sizes().map { ([$0.tenant], Double(field($0))) }
            }
        }
        let searches: @Sendable () -> [SearchCounts] = { [weak self] in
            self?.currentSearchStatistics() ?? []
        }
        _ = registry.callback(
            "vecd_hnsw_searches_total", help: "HNSW graph searches run.", type: .counter,
            labels: ["tenant"]
        ) { searches().map { ([$0.tenant], Double($0.searches)) } }
        _ = registry.callback(
            "vecd_hnsw_visited_nodes_total", help: "Nodes visited by HNSW graph searches.",
            type: .counter, labels: ["tenant"]
        ) { searches().map { ([$0.tenant], Double($0.visitedNodes)) } }
        _ = registry.callback(
            "vecd_process_resident_memory_bytes", help: "Resident set size of the process.",
            type: .gauge
        ) {
            ProcessMemory.residentBytes().map { [([], Double($0))] } ?? []
        }
        _ = registry.callback(
            "vecd_rocksdb_memory_bytes", help: "Memory RocksDB reports using, by kind.",
            type: .gauge, labels: ["kind"]
        ) { [weak self] in
            self?.currentRocksDBMemory().map { ([$0.0], $0.1) } ?? []
        }
    }

    /// Sets what feeds the per-tenant size gauges; called at every scrape.
    public func setTenantSizeProvider(_ provider: @escaping @Sendable () -> [TenantSizeSample]) {
        lock.lock()
        tenantSizes = provider
        lock.unlock()
    }

    /// Sets what feeds `vecd_rocksdb_memory_bytes` (kind, bytes); called at every scrape.
    public func setRocksDBMemoryProvider(_ provider: @escaping @Sendable () -> [(String, Double)]) {
        lock.lock()
        rocksDBMemory = provider
        lock.unlock()
    }

    /// Sets what feeds the `vecd_hnsw_*` counters; called at every scrape.
    public func setSearchStatisticsProvider(_ provider: @escaping @Sendable () -> [SearchCounts]) {
        lock.lock()
        searchStatistics = provider
        lock.unlock()
    }

    private func currentSearchStatistics() -> [SearchCounts] {
        lock.lock()
        let provider = searchStatistics
        lock.unlock()
        return provider()
    }

    private func currentTenantSizes() -> [TenantSizeSample] {
        lock.lock()
        let provider = tenantSizes
        lock.unlock()
        return provider()
    }

    private func currentRocksDBMemory() -> [(String, Double)] {
        lock.lock()
        let provider = rocksDBMemory
        lock.unlock()
        return provider()
    }

    /// Counts one answered request and its duration.
    public func recordRequest(tenant: String, method: String, route: String, status: Int,
                              seconds: Double) {
        let labels = [tenant, method, route, String(status)]
        requests.add(1, labels)
        requestDuration.observe(seconds, labels)
    }

    /// Drops a deleted tenant's series so the scrape does not keep it forever.
    public func forgetTenant(_ tenant: String) {
        for family in [requests, requestDuration, embeddingTokens, rerankPairs,
                       rateLimitRefusals, quotaRefusals] {
            family.removeSeries(where: "tenant", equals: tenant)
        }
    }
}

/// The process's own memory, read from `/proc`.
public enum ProcessMemory {
    /// Resident set size in bytes: the second field of `/proc/self/statm` times the page size;
    /// `nil` where `/proc` is missing.
    public static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
            return nil
        }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
