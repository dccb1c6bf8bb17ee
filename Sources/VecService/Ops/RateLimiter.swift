import Foundation

/// What a request draws from: the three per-minute budgets of issue 7.
public enum RateLimitKind: String, Sendable, CaseIterable {
    /// Read requests (search, retrieve, scroll, count...); a retrieve of N ids costs N.
    case read
    /// Write requests (upsert, delete, payload and index changes).
    case write
    /// Tokens fed to the embedding model.
    case embedTokens = "embed_tokens"
}

/// Per-minute budgets for one tenant or key; `nil` means unlimited.
public struct RateLimits: Sendable, Equatable {
    public var readPerMinute: Int?
    public var writePerMinute: Int?
    public var embedTokensPerMinute: Int?

    /// - Parameters: the three budgets, each `nil` for unlimited.
    public init(readPerMinute: Int? = nil, writePerMinute: Int? = nil,
                embedTokensPerMinute: Int? = nil) {
        self.readPerMinute = readPerMinute
        self.writePerMinute = writePerMinute
        self.embedTokensPerMinute = embedTokensPerMinute
    }

    /// The budget for `kind`.
    public subscript(kind: RateLimitKind) -> Int? {
        switch kind {
        case .read: return readPerMinute
        case .write: return writePerMinute
        case .embedTokens: return embedTokensPerMinute
        }
    }
}

/// The answer to one charge.
public enum RateDecision: Sendable, Equatable {
    /// Tokens taken; the request may run.
    case allowed
    /// The bucket is short now; after `retryAfterSeconds` (rounded up, at least 1) it will not be.
    case limited(kind: RateLimitKind, retryAfterSeconds: Int)
    /// The request alone costs more than the whole bucket: it can never pass, so it is refused
    /// at once instead of being told to wait (qdrant PR#6327).
    case exceedsCapacity(kind: RateLimitKind, cost: Int, capacity: Int)

    /// True for `.allowed`.
    public var isAllowed: Bool { self == .allowed }

    /// The client-facing reason for a refusal; `nil` when allowed.
    public var message: String? {
        switch self {
        case .allowed:
            return nil
        case .limited(let kind, let seconds):
            return "Rate limiting exceeded: \(kind.phrase) per minute used up, "
                + "retry after \(seconds) s"
        case .exceedsCapacity(let kind, let cost, let capacity):
            return "Rate limiting exceeded: request costs \(cost) \(kind.unit) which exceeds "
                + "the capacity of \(capacity) \(kind.phrase) per minute; split it into "
                + "smaller requests"
        }
    }
}

extension RateLimitKind {
    fileprivate var phrase: String {
        switch self {
        case .read: return "read requests"
        case .write: return "write requests"
        case .embedTokens: return "embedding tokens"
        }
    }

    fileprivate var unit: String { self == .embedTokens ? "tokens" : "units" }
}

/// A token bucket: `capacity` tokens, refilled continuously at `capacity` per minute.
struct TokenBucket {
    /// Tolerance in tokens (and seconds) for floating-point drift in refills.
    static let slack = 1e-9

    private(set) var capacity: Double
    private(set) var tokens: Double
    private var updatedAt: Double

    /// A full bucket: the burst equals the limit (qdrant PR#5582).
    init(perMinute: Int, now: Double) {
        capacity = Double(perMinute)
        tokens = capacity
        updatedAt = now
    }

    private var refillPerSecond: Double { capacity / 60 }

    mutating func refill(now: Double) {
        // A clock that went backwards (it should not: it is monotonic) adds nothing.
        let elapsed = max(0, now - updatedAt)
        tokens = min(capacity, tokens + elapsed * refillPerSecond)
        updatedAt = max(updatedAt, now)
    }

    /// Checks without taking; the caller takes with `take` once every bucket agrees.
    func check(cost: Int, kind: RateLimitKind) -> RateDecision {
        if Double(cost) > capacity {
            return .exceedsCapacity(kind: kind, cost: cost, capacity: Int(capacity))
        }
        // The slack absorbs rounding in the refill sums, so a token due "now" is granted.
        let shortfall = Double(cost) - tokens
        if shortfall <= Self.slack { return .allowed }
        let wait = shortfall * 60 / capacity - Self.slack
        return .limited(kind: kind, retryAfterSeconds: max(1, Int(wait.rounded(.up))))
    }

    mutating func take(_ cost: Int) { tokens = max(0, tokens - Double(cost)) }

    /// A new limit applies at once: a raise grants the extra burst now, a cut clamps.
    mutating func resize(perMinute: Int, now: Double) {
        refill(now: now)
        let newCapacity = Double(perMinute)
        tokens = min(newCapacity, tokens + max(0, newCapacity - capacity))
        capacity = newCapacity
    }
}

/// Token buckets per tenant (and optionally per key) for read requests, write requests and
/// embedding tokens per minute.
///
/// Each tenant has its own lock, so one tenant at its limit never waits on another; the map
/// of tenants is behind a short lock taken only to find or create the tenant's entry.
public final class RateLimiter: @unchecked Sendable {
    /// Seconds on a monotonic clock.
    public typealias Clock = @Sendable () -> Double

    private final class TenantState {
        let lock = NSLock()
        var limits: RateLimits
        var keyLimits: [String: RateLimits] = [:]
        var buckets: [RateLimitKind: TokenBucket] = [:]
        var keyBuckets: [String: [RateLimitKind: TokenBucket]] = [:]

        init(limits: RateLimits) { self.limits = limits }
    }

    private let clock: Clock
    private let mapLock = NSLock()
    private var tenants: [String: TenantState] = [:]

    /// - Parameter clock: seconds on a monotonic clock; tests pass a manual one.
    public init(clock: @escaping Clock = RateLimiter.monotonicSeconds) {
        self.clock = clock
    }

    /// `CLOCK_MONOTONIC` in seconds: immune to wall-clock steps.
    public static let monotonicSeconds: Clock = {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }

    /// Sets a tenant's budgets; they apply to the next charge.
    public func setLimits(_ limits: RateLimits, tenant: String) {
        let state = self.state(tenant)
        state.lock.lock()
        defer { state.lock.unlock() }
        state.limits = limits
        Self.apply(limits, to: &state.buckets, now: clock())
    }

    /// Sets one key's own budgets, charged on top of its tenant's; `nil` removes them.
    public func setKeyLimits(_ limits: RateLimits?, key: String, tenant: String) {
        let state = self.state(tenant)
        state.lock.lock()
        defer { state.lock.unlock() }
        guard let limits else {
            state.keyLimits[key] = nil
            state.keyBuckets[key] = nil
            return
        }
        state.keyLimits[key] = limits
        var buckets = state.keyBuckets[key] ?? [:]
        Self.apply(limits, to: &buckets, now: clock())
        state.keyBuckets[key] = buckets
    }

    /// The budgets currently set for `tenant` (all unlimited if never set).
    public func limits(tenant: String) -> RateLimits {
        mapLock.lock()
        let state = tenants[tenant]
        mapLock.unlock()
        guard let state else { return RateLimits() }
        state.lock.lock()
        defer { state.lock.unlock() }
        return state.limits
    }

    /// Forgets a tenant (deleted), so a tenant created again under its name starts full.
    public func removeTenant(_ tenant: String) {
        mapLock.lock()
        tenants[tenant] = nil
        mapLock.unlock()
    }

    /// Takes `cost` tokens of `kind` from the tenant's bucket and, if `key` has budgets of
    /// its own, from the key's too: all or nothing.
    /// - Returns: `.allowed`, or why not; a refused charge takes nothing.
    public func charge(tenant: String, key: String? = nil, kind: RateLimitKind, cost: Int = 1)
        -> RateDecision
    {
        mapLock.lock()
        let state = tenants[tenant]
        mapLock.unlock()
        guard let state, cost > 0 else { return .allowed }

        state.lock.lock()
        defer { state.lock.unlock() }
        let now = clock()
        var tenantBucket = state.buckets[kind]
        var keyBucket = key.flatMap { state.keyBuckets[$0]?[kind] }
        tenantBucket?.refill(now: now)
        keyBucket?.refill(now: now)

        // The tighter refusal wins: "exceeds capacity" before "wait", the longer wait first.
        let decisions = [tenantBucket, keyBucket].compactMap { $0?.check(cost: cost, kind: kind) }
        if let refusal = decisions.filter({ !$0.isAllowed }).max(by: Self.lessSevere) {
            Self.store(tenantBucket, keyBucket, kind: kind, key: key, in: state)
            return refusal
        }
        tenantBucket?.take(cost)
        keyBucket?.take(cost)
        Self.store(tenantBucket, keyBucket, kind: kind, key: key, in: state)
        return .allowed
    }

    private static func store(
        _ tenantBucket: TokenBucket?, _ keyBucket: TokenBucket?, kind: RateLimitKind,
        key: String?, in state: TenantState
    ) {
        if let tenantBucket { state.buckets[kind] = tenantBucket }
        if let key, let keyBucket { state.keyBuckets[key]?[kind] = keyBucket }
    }

    private static func lessSevere(_ a: RateDecision, _ b: RateDecision) -> Bool {
        switch (a, b) {
        case (.exceedsCapacity, _): return false
        case (_, .exceedsCapacity): return true
        case (.limited(_, let x), .limited(_, let y)): return x < y
        default: return false
        }
    }

    private func state(_ tenant: String) -> TenantState {
        mapLock.lock()
        defer { mapLock.unlock() }
        if let existing = tenants[tenant] { return existing }
        let created = TenantState(limits: RateLimits())
        tenants[tenant] = created
        return created
    }

    /// Brings `buckets` in line with `limits`: new budgets start full, changed ones resize,
    /// removed ones go.
    private static func apply(
        _ limits: RateLimits, to buckets: inout [RateLimitKind: TokenBucket], now: Double
    ) {
        for kind in RateLimitKind.allCases {
            guard let perMinute = limits[kind], perMinute >= 0 else {
                buckets[kind] = nil
                continue
            }
            if var bucket = buckets[kind] {
                bucket.resize(perMinute: perMinute, now: now)
                buckets[kind] = bucket
            } else {
                buckets[kind] = TokenBucket(perMinute: perMinute, now: now)
            }
        }
    }
}
