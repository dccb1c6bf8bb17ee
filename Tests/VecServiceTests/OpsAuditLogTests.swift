import Foundation
import XCTest

@testable import VecService
import VectorStore

final class OpsAuditLogTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "audit-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory,
                                                withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func entry(_ index: Int, time: Double = 1_700_000_000) -> AuditEntry {
        AuditEntry(time: time, tenant: "acme", keyID: "key-\(index)", method: "PUT",
                   route: "/collections/{collection}/points", collection: "docs", status: 200,
                   durationSeconds: 0.0123456, requestID: "req-\(index)")
    }

    private func lines(_ path: String) throws -> [JSONValue] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }

    func testEntryIsOneJSONLineWithEveryFieldAndNoBodies() throws {
        let log = try AuditLog(path: directory + "/audit.log")
        log.record(entry(1))
        log.close()

        let objects = try lines(directory + "/audit.log")
        XCTAssertEqual(objects.count, 1)
        let object = try XCTUnwrap(objects[0].objectValue)
        XCTAssertEqual(Set(object.keys), ["time", "tenant", "key_id", "method", "route",
                                          "collection", "status", "duration_ms", "request_id"])
        XCTAssertEqual(object["time"]?.stringValue, "2023-11-14T22:13:20.000Z")
        XCTAssertEqual(object["route"]?.stringValue, "/collections/{collection}/points")
        XCTAssertEqual(object["collection"]?.stringValue, "docs")
        XCTAssertEqual(object["status"]?.intValue, 200)
        XCTAssertEqual(object["duration_ms"]?.numberValue ?? 0, 12.346, accuracy: 1e-9)
        XCTAssertEqual(object["request_id"]?.stringValue, "req-1")
        XCTAssertEqual(try JSONValue.parse(entry(1).line), entry(1).json,
                       "the hand-written line and the JSON value agree")
        var odd = entry(2)
        odd.tenant = nil
        odd.collection = "we\"ird\n"
        XCTAssertEqual(try JSONValue.parse(odd.line), odd.json)
    }

    func testTimestampsMatchFoundationAcrossCenturiesLeapDaysAndMilliseconds() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        var generator = SystemRandomNumberGenerator()
        let fixed: [Double] = [0, 951_782_400.5, 4_107_542_399.999, 1_709_164_800.25]
        let random = (0..<2_000).map { _ in Double.random(in: 0..<4_102_444_800, using: &generator) }
        for time in fixed + random {
            let milliseconds = (time * 1000).rounded(.down) / 1000
            XCTAssertEqual(AuditEntry.timestamp(time),
                           formatter.string(from: Date(timeIntervalSince1970: milliseconds)),
                           "at \(time)")
        }
    }

    func testRotatesBySizeKeepingNFilesAndLosingNothingRecent() throws {
        var options = AuditLog.Options()
        options.maxFileBytes = 1_000
        options.keepFiles = 2
        let path = directory + "/audit.log"
        let log = try AuditLog(path: path, options: options)
        for index in 0..<40 { log.record(entry(index)) }
        log.close()

        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertEqual(names, ["audit.log", "audit.log.1", "audit.log.2"])
        var ids: [String] = []
        for suffix in [".2", ".1", ""] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path + suffix)
            let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
            XCTAssertLessThanOrEqual(size, 1_000, "audit.log\(suffix) stays within the cap")
            ids += try lines(path + suffix).compactMap { $0["request_id"]?.stringValue }
        }
        // Whole lines only, in order, ending with the newest entry; older files were dropped.
        XCTAssertEqual(ids.last, "req-39")
        let numbers = ids.compactMap { Int($0.dropFirst(4)) }
        XCTAssertEqual(numbers, Array(numbers.first!...39))
    }

    func testRotatesWhenTheUTCDayChanges() throws {
        let clock = ManualClock(1_700_000_000)
        let path = directory + "/audit.log"
        let log = try AuditLog(path: path, clock: { clock.now })
        log.record(entry(1, time: clock.now))
        log.flush()
        clock.advance(86_400)
        log.record(entry(2, time: clock.now))
        log.close()

        XCTAssertEqual(try lines(path + ".1").map { $0["request_id"]?.stringValue }, ["req-1"])
        XCTAssertEqual(try lines(path).map { $0["request_id"]?.stringValue }, ["req-2"])
    }

    func testCloseFlushesEveryEntryRecordedFromManyThreads() throws {
        let path = directory + "/audit.log"
        let log = try AuditLog(path: path)
        DispatchQueue.concurrentPerform(iterations: 2_000) { log.record(entry($0)) }
        log.close()
        let ids = Set(try lines(path).compactMap { $0["request_id"]?.stringValue })
        XCTAssertEqual(ids.count, 2_000)
    }

    func testReopeningAppends() throws {
        let path = directory + "/audit.log"
        var log: AuditLog? = try AuditLog(path: path)
        log?.record(entry(1))
        log?.close()
        log = try AuditLog(path: path)
        log?.record(entry(2))
        log?.close()
        XCTAssertEqual(try lines(path).count, 2)
    }

    func testUnwritablePathIsATypedErrorNamingThePath() {
        let path = directory + "/missing/dir/audit.log"
        XCTAssertThrowsError(try AuditLog(path: path)) { error in
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }
}
