import Foundation
import TestSupport
import VectorIndex
import XCTest

@testable import VectorStore

/// Kill -9 in the middle of synced writes: every acknowledged batch survives, and no batch is
/// half there. A second collection churns (insert, delete, compaction, slot reuse) in the same
/// run: after every kill no two points share a slot and none reads a stale vector.
///
/// The writer is this test binary itself, re-run with a filter selecting
/// `testCrashWriterChild` and `VECD_CRASH_WRITER_DIR` set; it prints `ACK <batch>` after each
/// synced upsert returns.
final class CrashRecoveryTests: XCTestCase {
    static let batchSize = 25
    static let writerDirectoryVariable = "VECD_CRASH_WRITER_DIR"
    static let writerFirstBatchVariable = "VECD_CRASH_WRITER_FIRST_BATCH"

    /// Child mode (env set): writes batches forever until killed. Test mode: writes three
    /// batches the same way and checks they are all there.
    func testCrashWriterChild() throws {
        let environment = ProcessInfo.processInfo.environment
        if let directory = environment[Self.writerDirectoryVariable] {
            let first = Int(environment[Self.writerFirstBatchVariable] ?? "0") ?? 0
            try Self.runWriter(directory: directory, batches: first..<Int.max) { batch in
                FileHandle.standardOutput.write("ACK \(batch)\n".data(using: .utf8)!)
            }
            return
        }
        let fixture = try TemporaryStore()
        fixture.store.close()
        try Self.runWriter(directory: fixture.directory, batches: 0..<3) { _ in }
        let store = try fixture.reopen()
        let batches = try Self.batchesPresent(store)
        XCTAssertEqual(batches, [0: Self.batchSize, 1: Self.batchSize, 2: Self.batchSize])
        try Self.checkChurn(store, idsWritten: 3 * Self.batchSize)
    }

    private static func runWriter(
        directory: String,
        batches: Range<Int>,
        acknowledge: (Int) -> Void
    ) throws {
        let store = try Store(directory: directory, logger: Logger(label: "crash-writer"))
        defer { store.close() }
        if (try? store.tenant("crash")) == nil { _ = try store.createTenant("crash") }
        let session = try store.session(for: AccessScope(tenant: "crash", canWrite: true))
        if try !session.collectionExists("c") {
            try session.createCollection("c", config: singleVectorConfig(size: 4, distance: .dot))
        }
        if try !session.collectionExists("churn") {
            try session.createCollection("churn", config: churnConfig)
        }
        for batch in batches {
            try churn(session, batch: batch)
            let points = (0..<batchSize).map { index in
                point(
                    UInt64(batch * batchSize + index),
                    [Float(batch), Float(index), 1, 2],
                    ["batch": .int(Int64(batch))]
                )
            }
            try session.upsert("c", points: points, durability: .synced)
            acknowledge(batch)
        }
    }

    // MARK: - Slot reuse under kill -9

    /// Batches a churned point lives for: deletes outrun the compaction threshold (64), so
    /// slots are freed and reused all through the run.
    static let churnLifetime = 4

    /// Searched through the graph from the first point, so a stale list would show.
    static let churnConfig = CollectionConfig(
        vectors: [defaultVectorName: VectorParams(size: 4, distance: .euclid)],
        hnsw: HNSWConfig(m: 8, efConstruct: 32, fullScanThreshold: 0)
    )

    /// The one vector ever written for a churned id, so a point read back with another one
    /// got a slot's stale vector.
    static func churnVector(_ id: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: id)
        return generator.vector(dimension: 4)
    }

    /// Writes a batch of new ids to `churn`, then deletes the batch written
    /// `churnLifetime` batches earlier: two synced writes, either of which a kill may cut.
    private static func churn(_ session: TenantSession, batch: Int) throws {
        let ids = (0..<batchSize).map { UInt64(batch * batchSize + $0) }
        try session.upsert(
            "churn", points: ids.map { point($0, churnVector($0)) }, durability: .synced)
        guard batch >= churnLifetime else { return }
        let first = (batch - churnLifetime) * batchSize
        let old = (first..<first + batchSize).map { PointID.number(UInt64($0)) }
        try session.delete("churn", selection: .ids(old), durability: .synced)
    }

    /// After any kill: no two churned points share a slot, each reads back its own vector
    /// and is what a graph search for that vector finds first, and freed slots were reused
    /// (the slot high-water mark stays far below the ids written).
    static func checkChurn(_ store: Store, idsWritten: Int) throws {
        let session = try store.session(for: AccessScope(tenant: "crash", canWrite: false))
        let records = try session.scroll(
            "churn", request: ScrollRequest(limit: 100_000, vectors: .all)).points
        XCTAssertFalse(records.isEmpty)
        for record in records {
            guard case .number(let id) = record.id else { continue }
            XCTAssertEqual(record.vectors?[defaultVectorName], churnVector(id), "point \(id)")
            let hit = try session.search(
                "churn", request: SearchRequest(vector: churnVector(id), limit: 1, ef: 32))
            XCTAssertEqual(hit.first?.id, record.id)
            XCTAssertEqual(hit.first?.score ?? -1, 0)
        }
        try session.handle.withDatabase { database in
            let collection = try XCTUnwrap(try session.handle.collection("churn", in: database))
            let state = try collection.loadedState()
            var slots = Set<UInt32>()
            try collection.forEachPoint { id, record in
                XCTAssertTrue(slots.insert(record.slot).inserted, "slot \(record.slot) twice")
                XCTAssertEqual(state.point(at: record.slot), id)
                return true
            }
            for graph in state.graphs.values { try graph.checkInvariants() }
            XCTAssertTrue(state.freeSlots.allSatisfy { !slots.contains($0) })
            let highWater = Int(collection.counters.nextSlot)
            XCTAssertLessThanOrEqual(highWater, max(records.count * 2, 300), "of \(idsWritten)")
            if idsWritten >= 1_000 {
                XCTAssertLessThan(highWater * 2, idsWritten, "freed slots were reused")
            }
        }
    }

    /// Points per batch number found in the store.
    private static func batchesPresent(_ store: Store) throws -> [Int: Int] {
        let session = try store.session(for: AccessScope(tenant: "crash", canWrite: false))
        var counts: [Int: Int] = [:]
        var offset: PointID?
        repeat {
            let page = try session.scroll(
                "c",
                request: ScrollRequest(limit: 1000, offset: offset, payload: .all)
            )
            for record in page.points {
                let batch = Int(record.payload?["batch"]?.intValue ?? -1)
                counts[batch, default: 0] += 1
                XCTAssertEqual(
                    record.id,
                    .number(UInt64(batch * batchSize) + (record.id.numberValue % UInt64(batchSize)))
                )
            }
            offset = page.nextOffset
        } while offset != nil
        XCTAssertEqual(try session.count("c", filter: nil, exact: true), counts.values.reduce(0, +))
        // The graph restores from node records written in the same batches as the points.
        let hits = try session.search(
            "c",
            request: SearchRequest(vector: [1, 2, 1, 2], limit: 10_000, exact: true)
        )
        XCTAssertEqual(hits.count, counts.values.reduce(0, +))
        return counts
    }

    func testAcknowledgedBatchesSurviveKill9AndNoBatchIsHalfApplied() throws {
        let fixture = try TemporaryStore()
        fixture.store.close()
        var acknowledged = Set<Int>()
        var generator = SeededGenerator(seed: 99)
        for round in 0..<3 {
            let first = round * 10_000
            let acks = try runAndKill(
                directory: fixture.directory,
                firstBatch: first,
                killAfter: 10 + Int.random(in: 0..<20, using: &generator),
                delayMicroseconds: UInt32.random(in: 0..<3000, using: &generator)
            )
            XCTAssertGreaterThanOrEqual(acks.count, 10, "round \(round)")
            acknowledged.formUnion(acks)
        }
        let store = try fixture.reopen()
        try Self.checkChurn(store, idsWritten: acknowledged.count * Self.batchSize)
        let present = try Self.batchesPresent(store)
        for batch in acknowledged {
            XCTAssertEqual(
                present[batch],
                Self.batchSize,
                "acknowledged batch \(batch) is complete"
            )
        }
        for (batch, count) in present {
            XCTAssertEqual(count, Self.batchSize, "batch \(batch) is all-or-nothing")
        }
    }

    /// Runs a writer child, reads its acknowledgements, and SIGKILLs it after `killAfter`.
    private func runAndKill(
        directory: String,
        firstBatch: Int,
        killAfter: Int,
        delayMicroseconds: UInt32
    ) throws -> [Int] {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        child.arguments = ["VectorStoreTests.CrashRecoveryTests/testCrashWriterChild"]
        var environment = ProcessInfo.processInfo.environment
        environment[Self.writerDirectoryVariable] = directory
        environment[Self.writerFirstBatchVariable] = String(firstBatch)
        child.environment = environment
        let output = Pipe()
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        try child.run()
        var acks: [Int] = []
        var pending = ""
        let deadline = Date().addingTimeInterval(120)
        while acks.count < killAfter, Date() < deadline {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            pending += String(decoding: data, as: UTF8.self)
            while let newline = pending.firstIndex(of: "\n") {
                let line = pending[..<newline]
                if line.hasPrefix("ACK "), let batch = Int(line.dropFirst(4)) { acks.append(batch) }
                pending = String(pending[pending.index(after: newline)...])
            }
        }
        // Land the kill at a varying point inside the next batch's write.
        usleep(delayMicroseconds)
        kill(child.processIdentifier, SIGKILL)
        child.waitUntilExit()
        XCTAssertEqual(
            child.terminationReason,
            .uncaughtSignal,
            "the writer was killed, not finished"
        )
        // Anything the child printed before dying was acknowledged too.
        pending += String(
            decoding: output.fileHandleForReading.readDataToEndOfFile(),
            as: UTF8.self
        )
        for line in pending.split(separator: "\n") where line.hasPrefix("ACK ") {
            if let batch = Int(line.dropFirst(4)) { acks.append(batch) }
        }
        return acks
    }
}

extension PointID {
    fileprivate var numberValue: UInt64 {
        if case .number(let value) = self { return value }
        return .max
    }
}
