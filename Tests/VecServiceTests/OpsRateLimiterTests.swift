import Foundation
import XCTest

@testable import VecService

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Double

    init(_ start: Double = 1_000) { seconds = start }

    var now: Double {
        lock.lock()
        defer { lock.unlock() }
        return seconds
    }

    func advance(_ delta: Double) {
        lock.lock()
        seconds += delta
        lock.unlock()
    }
}

final class OpsRateLimiterTests: XCTestCase {
    private func limiter(_ clock: ManualClock) -> RateLimiter {
        RateLimiter(clock: { clock.now })
    }

    /// B22: quota 4/min; a 5-id retrieve is refused at once with advice to split it; four
    /// single retrieves pass, the fifth is refused with a retry-after; tenant B is unaffected.
    func testB22RetrieveCostsIDsAndOversizedRequestIsRefusedWithSplitAdvice() {
        let clock = ManualClock()
        let limiter = limiter(clock)
        limiter.setLimits(RateLimits(readPerMinute: 4), tenant: "A")
        limiter.setLimits(RateLimits(readPerMinute: 4), tenant: "B")

        let oversized = limiter.charge(tenant: "A", kind: .read, cost: 5)
        XCTAssertEqual(oversized, .exceedsCapacity(kind: .read, cost: 5, capacity: 4))
        let message = oversized.message ?? ""
        XCTAssertTrue(message.contains("exceeds the capacity of 4"), message)
        XCTAssertTrue(message.contains("split"), message)

        // The refused request took nothing: the bucket is still full (burst = limit).
        for attempt in 1...4 {
            XCTAssertEqual(limiter.charge(tenant: "A", kind: .read, cost: 1), .allowed,
                           "single retrieve \(attempt)")
            XCTAssertEqual(limiter.charge(tenant: "B", kind: .read, cost: 1), .allowed,
                           "tenant B retrieve \(attempt)")
        }
        // One token refills in 15 s at 4/min.
        XCTAssertEqual(limiter.charge(tenant: "A", kind: .read, cost: 1),
                       .limited(kind: .read, retryAfterSeconds: 15))
    }

    func testTenantAtItsLimitDoesNotAffectAnother() {
        let clock = ManualClock()
        let limiter = limiter(clock)
        limiter.setLimits(RateLimits(readPerMinute: 2), tenant: "A")
        limiter.setLimits(RateLimits(readPerMinute: 2), tenant: "B")
        _ = limiter.charge(tenant: "A", kind: .read, cost: 2)
        XCTAssertFalse(limiter.charge(tenant: "A", kind: .read).isAllowed)
        XCTAssertEqual(limiter.charge(tenant: "B", kind: .read, cost: 2), .allowed)
        XCTAssertEqual(limiter.charge(tenant: "unlimited", kind: .read, cost: 1_000), .allowed)
    }

    func testBucketRefillsContinuouslyAndRetryAfterRoundsUp() {
        let clock = ManualClock()
        let limiter = limiter(clock)
        limiter.setLimits(RateLimits(writePerMinute: 60), tenant: "t")
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .write, cost: 60), .allowed)
        clock.advance(0.4)
        // 0.4 tokens back; one more needs 0.6 s, which rounds up to 1 s.
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .write),
                       .limited(kind: .write, retryAfterSeconds: 1))
        clock.advance(0.6)
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .write), .allowed)
        // A long idle never overfills the bucket past its capacity.
        clock.advance(3_600)
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .write, cost: 60), .allowed)
        XCTAssertFalse(limiter.charge(tenant: "t", kind: .write).isAllowed)
    }

    func testKindsAreSeparateBuckets() {
        let clock = ManualClock()
        let limiter = limiter(clock)
        limiter.setLimits(RateLimits(readPerMinute: 1, writePerMinute: 1,
                                     embedTokensPerMinute: 100), tenant: "t")
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .read), .allowed)
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .write), .allowed)
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .embedTokens, cost: 100), .allowed)
        let refusal = limiter.charge(tenant: "t", kind: .embedTokens, cost: 30)
        XCTAssertEqual(refusal, .limited(kind: .embedTokens, retryAfterSeconds: 18))
        XCTAssertTrue(refusal.message?.contains("embedding tokens") ?? false)
    }

    func testRaisedLimitAppliesAtOnceAndCutClamps() {
        let clock = ManualClock()
        let limiter = limiter(clock)
        limiter.setLimits(RateLimits(readPerMinute: 2), tenant: "t")
        _ = limiter.charge(tenant: "t", kind: .read, cost: 2)
        XCTAssertFalse(limiter.charge(tenant: "t", kind: .read).isAllowed)

        limiter.setLimits(RateLimits(readPerMinute: 10), tenant: "t")
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .read, cost: 8), .allowed,
                       "a raise grants the extra burst at once")
        XCTAssertFalse(limiter.charge(tenant: "t", kind: .read).isAllowed)

        clock.advance(60)
        limiter.setLimits(RateLimits(readPerMinute: 3), tenant: "t")
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .read, cost: 4),
                       .exceedsCapacity(kind: .read, cost: 4, capacity: 3))
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .read, cost: 3), .allowed)
        XCTAssertFalse(limiter.charge(tenant: "t", kind: .read).isAllowed)

        limiter.setLimits(RateLimits(), tenant: "t")
        XCTAssertEqual(limiter.charge(tenant: "t", kind: .read, cost: 1_000), .allowed,
                       "removing the limit makes it unlimited at once")
        XCTAssertEqual(limiter.limits(tenant: "t"), RateLimits())
    }

    func testKeyLimitIsChargedWithTheTenantsAllOrNothing() {
        let clock = ManualClock()
        let limiter = limiter(clock)
        limiter.setLimits(RateLimits(readPerMinute: 10), tenant: "t")
        limiter.setKeyLimits(RateLimits(readPerMinute: 3), key: "k1", tenant: "t")
        XCTAssertEqual(limiter.charge(tenant: "t", key: "k1", kind: .read, cost: 3), .allowed)
        XCTAssertFalse(limiter.charge(tenant: "t", key: "k1", kind: .read).isAllowed)
        // The refused key charge took nothing from the tenant: 7 tokens remain for other keys.
        XCTAssertEqual(limiter.charge(tenant: "t", key: "k2", kind: .read, cost: 7), .allowed)
        XCTAssertFalse(limiter.charge(tenant: "t", key: "k2", kind: .read).isAllowed)
    }

    func testConcurrentChargesNeverOvergrant() {
        let clock = ManualClock()
        let limiter = limiter(clock)
        limiter.setLimits(RateLimits(readPerMinute: 1_000), tenant: "t")
        let granted = Counter()
        DispatchQueue.concurrentPerform(iterations: 4_000) { index in
            let tenant = index % 2 == 0 ? "t" : "other\(index % 7)"
            if limiter.charge(tenant: tenant, kind: .read).isAllowed, tenant == "t" {
                granted.increment()
            }
        }
        XCTAssertEqual(granted.value, 1_000)
    }
}

/// A lock-protected count for concurrency tests.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() {
        lock.lock()
        count += 1
        lock.unlock()
    }
    var value: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }
}
