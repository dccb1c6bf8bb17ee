import Foundation
import VectorStore
import XCTest

@testable import VecService

/// A real Prometheus server (Debian's `prometheus`) scraping `vecd`, both on 127.0.0.1.
final class OpsPrometheusTests: XCTestCase {
    static let binary = "/usr/bin/prometheus"

    func testRealPrometheusScrapesVecd() throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw XCTSkip("\(Self.binary) is not installed: run scripts/bootstrap --test "
                          + "(it installs Debian's prometheus) to run this test")
        }
        let server = try VecdProcess()
        let key = try server.createTenant("scraped").key
        try server.createCollection("docs", key: key, dimension: 2)
        try server.upsert("docs", key: key, [(1, [1, 0], [:]), (2, [0, 1], [:])])

        let directory = NSTemporaryDirectory() + "prometheus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/data",
                                                withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: vecd
                metrics_path: /metrics
                authorization:
                  type: Bearer
                  credentials: "\(VecdProcess.adminKey)"
                static_configs:
                  - targets: ["127.0.0.1:\(server.port)"]
            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)

        let port = try Self.freePort()
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: Self.binary)
        prometheus.arguments = [
            "--config.file=\(directory)/prometheus.yml",
            "--storage.tsdb.path=\(directory)/data",
            "--web.listen-address=127.0.0.1:\(port)",
        ]
        let log = FileHandle(forWritingAtPath: "/dev/null")
        prometheus.standardOutput = log
        prometheus.standardError = log
        try prometheus.run()
        defer {
            prometheus.terminate()
            prometheus.waitUntilExit()
        }

        let up = try Self.waitForSample(port: port, query: #"up{job="vecd"}"#)
        XCTAssertEqual(up, 1, "Prometheus scraped vecd successfully")
        let points = try Self.waitForSample(
            port: port, query: #"vecd_tenant_points{tenant="scraped"}"#)
        XCTAssertEqual(points, 2)
        let requests = try Self.waitForSample(
            port: port, query: #"sum(rest_responses_total{tenant="scraped"})"#)
        XCTAssertEqual(requests, 2, "the collection create and the upsert, before Prometheus ran")
    }

    /// Polls Prometheus's query API until `query` has a sample (30 s at most).
    static func waitForSample(port: Int, query: String) throws -> Double? {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let deadline = Date().addingTimeInterval(30)
        var last = ""
        while Date() < deadline {
            if let client = try? RawHTTPClient(port: port, timeoutSeconds: 5),
                let reply = try? client.send("GET", "/api/v1/query?query=\(encoded)")
            {
                last = reply.text
                if let first = reply.json?["data"]?["result"]?.arrayValue?.first,
                    let text = first["value"]?.arrayValue?.last?.stringValue
                {
                    return Double(text)
                }
            }
            Thread.sleep(forTimeInterval: 0.5)
        }
        XCTFail("no sample for \(query) within 30 s; last answer: \(last)")
        return nil
    }

    /// A port that was free a moment ago on 127.0.0.1.
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw RawHTTPClient.Failure(description: "no free port: \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
