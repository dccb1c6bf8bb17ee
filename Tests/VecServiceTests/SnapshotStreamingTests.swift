import Foundation
import VectorStore
import XCTest

/// Snapshot downloads are sent from the file, not read into the server's memory first.
final class SnapshotStreamingTests: XCTestCase {
    /// Kilobytes of `field` (`VmRSS`, `VmHWM`) in `/proc/<pid>/status`.
    private func memory(_ pid: Int32, _ field: String) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try XCTUnwrap(status.split(separator: "\n").first { $0.hasPrefix(field + ":") })
        return try XCTUnwrap(Int(line.split(separator: " ").dropFirst().first ?? ""))
    }

    func testDownloadOfA48MBSnapshotRaisesServerPeakMemoryByLessThanAQuarterOfIt() throws {
        let server = try VecdProcess()
        let (key, _) = try server.createTenant("acme")
        try server.createCollection("big", key: key)
        // 48 points of 1 MiB payload each: a collection snapshot holds the raw records,
        // uncompressed.
        let text = String(repeating: "snapshot streaming ", count: (1 << 20) / 19)
        for batch in 0..<6 {
            var points: [(UInt64, [Float], JSONValue)] = []
            for index in 0..<8 {
                let blob = JSONValue.string("\(batch)-\(index) " + text)
                let vector: [Float] = [Float(index), 1, Float(batch), 2]
                points.append((UInt64(batch * 8 + index), vector, ["blob": blob]))
            }
            try server.upsert("big", key: key, points)
        }
        let created = try server.call("POST", "/collections/big/snapshots", key: key)
        let result = try XCTUnwrap(created.json?["result"], created.text)
        let name = try XCTUnwrap(result["name"]?.stringValue)
        let size = Int(try XCTUnwrap(result["size"]?.intValue))
        XCTAssertGreaterThan(size, 48 << 20)

        let pid = try XCTUnwrap(server.processIdentifier)
        // Reset the high-water mark to the current RSS, so it measures the download only.
        try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
        let before = try memory(pid, "VmRSS")
        let download = try RawHTTPClient(port: server.port, timeoutSeconds: 120).send(
            "GET", "/collections/big/snapshots/\(name)", headers: ["api-key": key])
        let peak = try memory(pid, "VmHWM")
        XCTAssertEqual(download.status, 200)
        XCTAssertEqual(download.body.count, size)
        XCTAssertEqual(download.headers["content-length"], String(size))
        let path = server.dataDirectory + ".download"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(download.body).write(to: URL(fileURLWithPath: path))
        XCTAssertEqual(try Store.sha256(ofFile: path), result["checksum"]?.stringValue)
        // Read whole, the archive alone would add `size` (three copies did before).
        XCTAssertLessThan((peak - before) << 10, size / 4, "peak \(peak) kB, before \(before) kB")
    }
}
