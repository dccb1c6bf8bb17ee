import Foundation
import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

final class ConcurrencyTests: XCTestCase {
    /// One writer and several readers on one collection: every read sees at least every
    /// write acknowledged before it started, and never a partial batch.
    func testReadsSeeAcknowledgedWritesWhileWritesRun() throws {
        let fixture = try TemporaryStore()
        let session = try fixture.session()
        try session.createCollection("c", config: singleVectorConfig(size: 8, distance: .dot))
        let acknowledged = ManagedAtomicCounter()
        let failures = ManagedAtomicCounter()
        let batchSize = 10
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            var generator = SeededGenerator(seed: UInt64(worker))
            if worker == 0 {
                for batch in 0..<60 {
                    let points = (0..<batchSize).map {
                        point(UInt64(batch * batchSize + $0), generator.vector(dimension: 8))
                    }
                    do {
                        try session.upsert("c", points: points, durability: .buffered)
                        acknowledged.set(batch + 1)
                    } catch { failures.increment() }
                }
                return
            }
            for _ in 0..<150 {
                let before = acknowledged.value * batchSize
                do {
                    let hits = try session.search(
                        "c",
                        request: SearchRequest(
                            vector: generator.vector(dimension: 8),
                            limit: 10_000
                        )
                    )
                    let count = try session.count("c", filter: nil, exact: true)
                    if hits.count < before || hits.count % batchSize != 0 || count < hits.count {
                        failures.increment()
                    }
                } catch { failures.increment() }
            }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertEqual(try session.count("c", filter: nil, exact: true), 600)
    }

    /// Many threads open sessions on more tenants than may stay open: leases keep in-use
    /// handles open, eviction closes idle ones, and nothing is lost.
    func testConcurrentSessionsAcrossMoreTenantsThanStayOpen() throws {
        var options = Store.Options()
        options.maxOpenTenants = 4
        let fixture = try TemporaryStore(options: options)
        for index in 0..<12 {
            let session = try fixture.session(tenant: "t\(index)")
            try session.createCollection("c", config: singleVectorConfig(size: 2))
        }
        let failures = ManagedAtomicCounter()
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<40 {
                let tenant = "t\((worker * 7 + round) % 12)"
                do {
                    let session = try fixture.store.session(
                        for: AccessScope(tenant: tenant, canWrite: true)
                    )
                    let id = UInt64(worker * 1000 + round)
                    try session.upsert("c", points: [point(id, [1, 1])], durability: .buffered)
                    let found = try session.retrieve(
                        "c",
                        ids: [.number(id)],
                        payload: .none,
                        vectors: .none
                    )
                    if found.count != 1 { failures.increment() }
                } catch { failures.increment() }
            }
        }
        XCTAssertEqual(failures.value, 0)
        XCTAssertLessThanOrEqual(fixture.store.openTenantCount, 4)
        var total = 0
        for index in 0..<12 {
            total += try fixture.session(tenant: "t\(index)", create: false).count(
                "c",
                filter: nil,
                exact: true
            )
        }
        XCTAssertEqual(total, 8 * 40)
    }
}

/// A lock-protected integer for test bookkeeping across threads.
final class ManagedAtomicCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var stored = 0
    var value: Int { lock.withLocked { stored } }
    func increment() { lock.withLocked { stored += 1 } }
    func set(_ newValue: Int) { lock.withLocked { stored = newValue } }
}
