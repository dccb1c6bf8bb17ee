import Foundation
import VectorStore

/// The operator's side of the service, in one place: rate limits, metrics, the audit log and
/// usage accounting. The service calls `admit` before a tenant's route runs and `finish`
/// after it answers; the inference path calls `chargeEmbedding`.
public final class Operations: @unchecked Sendable {
    public let limiter: RateLimiter
    public let metrics: ServiceMetrics
    public let usage: UsageLedger
    /// `nil` when no `--audit-log` was given.
    public let audit: AuditLog?

    /// Reads a tenant's stored limits the first time the tenant is seen after start-up.
    private let loadLimits: @Sendable (String) -> TenantLimits?
    private let lock = NSLock()
    private var limitsLoaded: Set<String> = []

    /// - Parameters:
    ///   - loadLimits: the tenant's persisted limits (`nil` for an unknown tenant).
    public init(limiter: RateLimiter = RateLimiter(), metrics: ServiceMetrics = ServiceMetrics(),
                usage: UsageLedger, audit: AuditLog? = nil,
                loadLimits: @escaping @Sendable (String) -> TenantLimits?) {
        self.limiter = limiter
        self.metrics = metrics
        self.usage = usage
        self.audit = audit
        self.loadLimits = loadLimits
    }

    /// The rate budgets of `limits`.
    public static func rateLimits(_ limits: TenantLimits) -> RateLimits {
        RateLimits(readPerMinute: limits.readRequestsPerMinute,
                   writePerMinute: limits.writeRequestsPerMinute,
                   embedTokensPerMinute: limits.embedTokensPerMinute)
    }

    /// Applies new limits at once (after `PATCH /tenants/{tenant}` persisted them).
    public func applyLimits(_ limits: TenantLimits, tenant: String) {
        lock.lock()
        limitsLoaded.insert(tenant)
        lock.unlock()
        limiter.setLimits(Self.rateLimits(limits), tenant: tenant)
    }

    /// Forgets a deleted tenant everywhere but the audit log.
    public func forgetTenant(_ tenant: String) {
        lock.lock()
        limitsLoaded.remove(tenant)
        lock.unlock()
        limiter.removeTenant(tenant)
        metrics.forgetTenant(tenant)
        usage.forget(tenant)
    }

    private func ensureLimitsLoaded(_ tenant: String) {
        lock.lock()
        let loaded = limitsLoaded.contains(tenant)
        lock.unlock()
        guard !loaded else { return }
        // Loading outside the lock: two first requests may both load; both set the same value.
        let limits = loadLimits(tenant) ?? TenantLimits()
        lock.lock()
        let raced = limitsLoaded.contains(tenant)
        limitsLoaded.insert(tenant)
        lock.unlock()
        if !raced { limiter.setLimits(Self.rateLimits(limits), tenant: tenant) }
    }

    /// Charges a request to the tenant's (and key's) bucket; counts a refusal in the metrics.
    public func admit(tenant: String, key: String? = nil, kind: RateLimitKind, cost: Int)
        -> RateDecision
    {
        ensureLimitsLoaded(tenant)
        let decision = limiter.charge(tenant: tenant, key: key, kind: kind, cost: cost)
        if !decision.isAllowed { metrics.rateLimitRefusals.add(1, [tenant, kind.rawValue]) }
        return decision
    }

    /// Charges `tokens` embedding tokens to the tenant's (and key's) budget. What is counted
    /// as used is what the model reports afterwards (`recordInference`).
    public func chargeEmbedding(tenant: String, key: String? = nil, tokens: Int) -> RateDecision {
        admit(tenant: tenant, key: key, kind: .embedTokens, cost: tokens)
    }

    /// Counts the embedding tokens and rerank pairs one successful request used, in the
    /// metrics and in the usage ledger, which is the one record of a tenant's inference (its
    /// `total` window is what `GET /tenants/{t}` reports).
    public func recordInference(tenant: String, tokens: Int, rerankPairs: Int) {
        guard tokens > 0 || rerankPairs > 0 else { return }
        if tokens > 0 { metrics.embeddingTokens.add(Double(tokens), [tenant]) }
        if rerankPairs > 0 { metrics.rerankPairs.add(Double(rerankPairs), [tenant]) }
        usage.record(UsageCounters(embeddingTokens: Int64(tokens),
                                   rerankPairs: Int64(rerankPairs), inferenceRequests: 1),
                     tenant: tenant)
    }

    /// A request's inference tally, counted for its tenant.
    func recordInference(_ tally: InferenceTally, tenant: String) {
        guard !tally.isEmpty else { return }
        recordInference(tenant: tenant, tokens: tally.tokens.values.reduce(0, +),
                        rerankPairs: tally.pairs.values.reduce(0, +))
    }

    /// Records an answered request in metrics, usage (tenant routes that succeeded) and the
    /// audit log.
    public func finish(_ entry: AuditEntry, kind: RateLimitKind?) {
        let tenantLabel = entry.tenant ?? "-"
        metrics.recordRequest(tenant: tenantLabel, method: entry.method, route: entry.route,
                              status: entry.status, seconds: entry.durationSeconds)
        if let tenant = entry.tenant, let kind, (200..<300).contains(entry.status) {
            let delta = kind == .write ? UsageCounters(writes: 1) : UsageCounters(queries: 1)
            usage.record(delta, tenant: tenant)
        }
        audit?.record(entry)
    }

    /// Writes out the audit log; called at graceful shutdown.
    public func close() {
        audit?.close()
    }
}
