import Foundation
import VectorStore
import XCTest

/// `vecd backup` against a running server: online through `POST /snapshots` (`--url`), and
/// refused with a clear error when pointed at the running server's data directory.
final class OnlineBackupEndToEndTests: XCTestCase {
    private let admin = VecdProcess.adminKey

    /// Runs `vecd arguments…` to completion: exit status, standard output and error.
    private func vecd(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = VecdProcess.executable
        process.arguments = arguments
        let log = NSTemporaryDirectory() + "vecd-backup-\(UUID().uuidString).log"
        FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        process.standardOutput = FileHandle(forWritingAtPath: log)
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, try String(contentsOfFile: log, encoding: .utf8))
    }

    private func points(_ count: Range<Int>) -> [(UInt64, [Float], JSONValue)] {
        count.map { id in
            let vector: [Float] = [Float(id % 11), 1, Float(id % 3), 0.5]
            return (UInt64(id), vector, ["n": .int(Int64(id))])
        }
    }

    func testOnlineBackupWhileWritingRestoresEveryTenantAndOfflineBackupOfARunningNodeIsRefused()
        throws
    {
        let server = try VecdProcess()
        let (acme, _) = try server.createTenant("acme")
        let (beta, _) = try server.createTenant("beta")
        try server.createCollection("docs", key: acme)
        try server.upsert("docs", key: acme, points(0..<80))
        try server.createCollection("notes", key: beta)
        try server.upsert("notes", key: beta, points(0..<25))
        let out = server.dataDirectory + ".backup"
        defer { try? FileManager.default.removeItem(atPath: out) }

        // Offline against the running node: refused, naming the reason, nothing written.
        let offline = try vecd(["backup", "--data-dir", server.dataDirectory, "--out", out])
        XCTAssertEqual(offline.status, 1, offline.output)
        XCTAssertTrue(
            offline.output.contains("is in use by a running vecd server (process "),
            offline.output)
        XCTAssertTrue(offline.output.contains("vecd backup --url URL"), offline.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))

        // Online while another client keeps writing to acme (bounded: 40 batches of 10).
        let writer = Thread {
            for batch in 0..<40 {
                let first = 80 + batch * 10
                try? server.upsert("docs", key: acme, self.points(first..<(first + 10)))
            }
        }
        writer.start()
        let online = try vecd([
            "backup", "--url", "http://127.0.0.1:\(server.port)", "--api-key", admin, "--out", out,
        ])
        XCTAssertEqual(online.status, 0, online.output)
        XCTAssertTrue(online.output.hasPrefix("online backup node-"), online.output)
        while writer.isExecuting || !writer.isFinished { Thread.sleep(forTimeInterval: 0.05) }
        let listed = try server.call("GET", "/snapshots", key: admin)
        XCTAssertEqual(listed.json?["result"], [], "the server's copy is deleted after download")
        XCTAssertEqual(try server.call("POST", "/snapshots", key: acme).status, 403, "admin only")

        // Restore into a fresh directory and serve it: both tenants, their keys, their data.
        let restoredDirectory = NSTemporaryDirectory() + "vecd-restored-\(UUID().uuidString)"
        let restore = try vecd(["restore", "--data-dir", restoredDirectory, "--from", out])
        XCTAssertEqual(restore.status, 0, restore.output)
        XCTAssertEqual(restore.output, "restored 2 tenants into \(restoredDirectory)\n")
        let restored = try VecdProcess(dataDirectory: restoredDirectory)
        XCTAssertEqual(try restored.count("notes", key: beta), 25)
        let count = try XCTUnwrap(try restored.count("docs", key: acme))
        XCTAssertTrue((80...480).contains(count), "\(count)")
        print("online backup captured \(count) of acme's points (80 before, 480 after)")
        XCTAssertEqual(count % 10, 0, "whole upserts only: \(count)")
        let usage = try restored.call("GET", "/tenants/acme", key: admin)
        XCTAssertEqual(usage.json?["result"]?["usage"]?["points"], .int(Int64(count)))
    }
}
