import Foundation
import XCTest

@testable import VecService
import VectorStore

/// Usage records in memory, standing in for the registry database.
final class MemoryUsagePersistence: UsagePersistence, @unchecked Sendable {
    private let lock = NSLock()
    var records: [String: [Int64: UsageCounters]] = [:]

    func loadUsage() throws -> [(tenant: String, hour: Int64, counters: UsageCounters)] {
        lock.lock()
        defer { lock.unlock() }
        return records.flatMap { tenant, hours in
            hours.map { (tenant: tenant, hour: $0.key, counters: $0.value) }
        }
    }

    func saveUsage(tenant: String, hour: Int64, counters: UsageCounters) throws {
        lock.lock()
        records[tenant, default: [:]][hour] = counters
        lock.unlock()
    }

    func deleteUsage(tenant: String, hours: [Int64]?) throws {
        lock.lock()
        if let hours { hours.forEach { records[tenant]?[$0] = nil } } else { records[tenant] = nil }
        lock.unlock()
    }
}

final class OpsUsageLedgerTests: XCTestCase {
    func testWindowsSumTheRightHoursAndAReloadLosesNothing() throws {
        let clock = ManualClock(1_700_000_000)
        let persistence = MemoryUsagePersistence()
        let ledger = try UsageLedger(persistence: persistence, clock: { clock.now })
        ledger.record(UsageCounters(queries: 5), tenant: "a")
        clock.advance(2 * 3_600)
        ledger.record(UsageCounters(queries: 1, embeddingTokens: 40), tenant: "a")
        ledger.record(UsageCounters(rerankPairs: 3), tenant: "b")

        let usage = ledger.usage(of: "a")
        XCTAssertEqual(usage["last_hour"], UsageCounters(queries: 1, embeddingTokens: 40))
        XCTAssertEqual(usage["last_day"], UsageCounters(queries: 6, embeddingTokens: 40))
        XCTAssertEqual(usage["total"], UsageCounters(queries: 6, embeddingTokens: 40))

        let reloaded = try UsageLedger(persistence: persistence, clock: { clock.now })
        XCTAssertEqual(reloaded.usage(of: "a"), usage)
        XCTAssertEqual(reloaded.usage(of: "b")["total"], UsageCounters(rerankPairs: 3))
        XCTAssertEqual(reloaded.tenants, ["a", "b"])
    }

    func testOldHoursFoldIntoTheTotalWithoutChangingIt() throws {
        let clock = ManualClock(1_700_000_000)
        let persistence = MemoryUsagePersistence()
        let ledger = try UsageLedger(persistence: persistence, clock: { clock.now })
        for _ in 0..<(Int(UsageLedger.retainedHours) + 10) {
            ledger.record(UsageCounters(writes: 1), tenant: "a")
            clock.advance(3_600)
        }
        let hoursKept = persistence.records["a"]?.count ?? 0
        XCTAssertLessThanOrEqual(hoursKept, Int(UsageLedger.retainedHours) + 3)
        let total = Int64(UsageLedger.retainedHours) + 10
        XCTAssertEqual(ledger.usage(of: "a")["total"]?.writes, total)
        let reloaded = try UsageLedger(persistence: persistence, clock: { clock.now })
        XCTAssertEqual(reloaded.usage(of: "a")["total"]?.writes, total)
        XCTAssertEqual(reloaded.usage(of: "a")["last_day"]?.writes, 23,
                       "the current (empty) hour and the 23 before it")
    }

    func testOperationsCountsRefusalsAndAppliesPatchedLimitsAtOnce() throws {
        let clock = ManualClock()
        let operations = Operations(
            limiter: RateLimiter(clock: { clock.now }), usage: try UsageLedger(persistence: nil),
            loadLimits: { _ in
                var limits = VectorStoreLimits.make(read: 1)
                limits.embedTokensPerMinute = 10
                return limits
            })
        XCTAssertTrue(operations.admit(tenant: "a", kind: .read, cost: 1).isAllowed)
        XCTAssertFalse(operations.admit(tenant: "a", kind: .read, cost: 1).isAllowed)
        XCTAssertFalse(operations.chargeEmbedding(tenant: "a", tokens: 11).isAllowed)
        XCTAssertEqual(operations.metrics.rateLimitRefusals.value(["a", "read"]), 1)
        XCTAssertEqual(operations.metrics.rateLimitRefusals.value(["a", "embed_tokens"]), 1)

        operations.applyLimits(VectorStoreLimits.make(read: 100), tenant: "a")
        XCTAssertTrue(operations.admit(tenant: "a", kind: .read, cost: 50).isAllowed)
        XCTAssertTrue(operations.chargeEmbedding(tenant: "a", tokens: 1_000).isAllowed,
                      "the patched limits dropped the embedding budget: unlimited")
        operations.recordInference(tenant: "a", tokens: 990, rerankPairs: 4)
        XCTAssertEqual(operations.usage.usage(of: "a")["total"]?.embeddingTokens, 990,
                       "usage counts what the model reported, not what was charged")
        XCTAssertEqual(operations.metrics.rerankPairs.value(["a"]), 4)
    }
}

/// Limits for tests, built field by field (`TenantLimits` has no memberwise initializer).
enum VectorStoreLimits {
    static func make(read: Int) -> TenantLimits {
        var limits = TenantLimits()
        limits.readRequestsPerMinute = read
        return limits
    }
}
