import Foundation
import VectorStore
import XCTest

@testable import VecService

final class ServeConfigurationTests: XCTestCase {
    private func temporaryFile(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "vecd-config-\(UUID().uuidString).json"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
        return path
    }

    func testDefaults() throws {
        let configuration = try ServeConfiguration.load(
            arguments: ["--data-dir", "/d"],
            environment: [:]
        )
        XCTAssertEqual(configuration.http.host, "127.0.0.1")
        XCTAssertEqual(configuration.http.port, 6333)
        XCTAssertEqual(configuration.http.maxBodyBytes, 32 << 20)
        XCTAssertNil(configuration.adminKey)
        XCTAssertEqual(configuration.logLevel, .info)
    }

    func testFlagsOverrideEnvironmentWhichOverridesTheFile() throws {
        let file = try temporaryFile(
            """
            {"data_dir": "/from-file", "port": 7000, "threads": 3, "admin_key": "file-key",
             "log_level": "debug"}
            """
        )
        let configuration = try ServeConfiguration.load(
            arguments: ["--config", file, "--port=7002"],
            environment: ["VECD_PORT": "7001", "VECD_ADMIN_KEY": "env-key", "VECD_THREADS": "5"]
        )
        XCTAssertEqual(configuration.dataDirectory, "/from-file")
        XCTAssertEqual(configuration.http.port, 7002)
        XCTAssertEqual(configuration.adminKey, "env-key")
        XCTAssertEqual(configuration.http.threads, 5)
        XCTAssertEqual(configuration.logLevel, .debug)
    }

    func testBadValuesNameTheSetting() throws {
        let cases: [([String], [String: String], String)] = [
            (["--data-dir", "/d", "--port", "70000"], [:], "port"),
            (["--data-dir", "/d"], ["VECD_THREADS": "many"], "threads"),
            (["--data-dir", "/d", "--colour", "red"], [:], "--colour"),
            (["--data-dir", "/d", "--log-level", "loud"], [:], "log-level"),
            ([], [:], "--data-dir"),
            (["--data-dir"], [:], "--data-dir"),
        ]
        for (arguments, environment, mention) in cases {
            XCTAssertThrowsError(
                try ServeConfiguration.load(arguments: arguments, environment: environment)
            ) {
                XCTAssertTrue("\($0)".contains(mention), "\($0) should mention \(mention)")
            }
        }
        let file = try temporaryFile(#"{"data_dir": "/d", "prot": 1}"#)
        XCTAssertThrowsError(
            try ServeConfiguration.load(arguments: ["--config", file], environment: [:])
        ) {
            XCTAssertTrue("\($0)".contains("prot"))
        }
    }
}

final class JSONLinesLogTests: XCTestCase {
    func testLineIsOneJSONObjectWithTimestampLevelMessageAndMetadata() throws {
        // 2026-12-04T16:51:04.123Z
        let time = timespec(tv_sec: 1_796_403_064, tv_nsec: 123_456_789)
        let line = Logger.jsonLine(
            level: .info, label: "vecd.http", message: "request \"quoted\"\n",
            metadata: ["http.route": "/collections/{collection}", "tenant.id": "a\u{1}"], time: time)
        XCTAssertEqual(line.last, 0x0A)
        XCTAssertEqual(line.filter { $0 == 0x0A }.count, 1, "exactly one line")
        let object = try JSONValue.parse(line.dropLast())
        XCTAssertEqual(object["ts"], "2026-12-04T16:51:04.123Z")
        XCTAssertEqual(object["level"], "info")
        XCTAssertEqual(object["logger"], "vecd.http")
        XCTAssertEqual(object["msg"], "request \"quoted\"\n")
        XCTAssertEqual(object["http.route"], "/collections/{collection}")
        XCTAssertEqual(object["tenant.id"], "a\u{1}")
    }
}
