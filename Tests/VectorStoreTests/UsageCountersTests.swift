import Foundation
import TestSupport
import VectorStore
import XCTest

/// `Store.addUsageCounters` / `usageCounters`: per-tenant totals in the registry.
final class UsageCountersTests: XCTestCase {
    func testCountersAddUpSurviveReopenAndGoWithTheTenant() throws {
        let temporary = try TemporaryStore()
        _ = try temporary.store.createTenant("acme")
        _ = try temporary.store.createTenant("other")
        XCTAssertEqual(try temporary.store.usageCounters(tenant: "acme"), [:])
        try temporary.store.addUsageCounters(["tokens": 5, "pairs": 1], tenant: "acme")
        try temporary.store.addUsageCounters(["tokens": 7], tenant: "acme")
        XCTAssertEqual(try temporary.store.usageCounters(tenant: "acme"),
                       ["tokens": 12, "pairs": 1])
        XCTAssertEqual(try temporary.store.usageCounters(tenant: "other"), [:])

        let reopened = try temporary.reopen()
        XCTAssertEqual(try reopened.usageCounters(tenant: "acme"), ["tokens": 12, "pairs": 1])

        try reopened.deleteTenant("acme")
        _ = try reopened.createTenant("acme")
        XCTAssertEqual(try reopened.usageCounters(tenant: "acme"), [:],
                       "a tenant made again under the same name starts from zero")
    }

    func testCountersOfAnUnknownTenantAreRefused() throws {
        let temporary = try TemporaryStore()
        XCTAssertThrowsError(try temporary.store.addUsageCounters(["x": 1], tenant: "ghost")) {
            guard case StoreError.tenantNotFound("ghost") = $0 else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try temporary.store.usageCounters(tenant: "ghost"))
    }

    func testConcurrentAddsLoseNothing() throws {
        let temporary = try TemporaryStore()
        _ = try temporary.store.createTenant("acme")
        let store = temporary.store
        DispatchQueue.concurrentPerform(iterations: 200) { _ in
            try? store.addUsageCounters(["n": 1], tenant: "acme")
        }
        XCTAssertEqual(try store.usageCounters(tenant: "acme")["n"], 200)
    }
}
