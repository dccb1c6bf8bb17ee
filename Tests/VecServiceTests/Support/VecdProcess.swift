import Foundation
import VecService
import VectorStore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The built `vecd serve` binary, running on a free 127.0.0.1 port with a temporary data
/// directory that is removed when this object goes away.
final class VecdProcess {
    static let adminKey = "e2e-admin-key-\(UUID().uuidString)"

    let dataDirectory: String
    private(set) var port = 0
    private var process: Process?
    private var stderrPath: String
    /// Flags added to `vecd serve`'s (models, rerankers).
    private let extraArguments: [String]

    /// The `vecd` executable next to the test bundle (`.build/<configuration>/vecd`).
    static var executable: URL {
        var directory = Bundle(for: VecdProcess.self).bundleURL
        while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("vecd")
    }

    /// - Parameters:
    ///   - arguments: extra `vecd serve` flags, such as `--model-dir`.
    ///   - given: an existing data directory to serve (removed with this object); a fresh
    ///     temporary one when `nil`.
    init(arguments: [String] = [], dataDirectory given: String? = nil) throws {
        extraArguments = arguments
        dataDirectory = given ?? NSTemporaryDirectory() + "vecd-e2e-\(UUID().uuidString)"
        stderrPath = dataDirectory + ".log"
        try FileManager.default.createDirectory(
            atPath: dataDirectory,
            withIntermediateDirectories: true
        )
        try start()
    }

    deinit {
        if let process, process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }

    /// Starts the server and waits for its "listening" line to learn the port.
    func start() throws {
        let process = Process()
        process.executableURL = VecdProcess.executable
        process.arguments = [
            "serve", "--data-dir", dataDirectory, "--port", "0", "--threads", "4",
            "--admin-key", VecdProcess.adminKey, "--log-level", "info",
        ] + extraArguments
        // The server is configured by these flags alone: `VECD_*` variables of the test run
        // (scripts/test exports VECD_MODEL_DIR) would otherwise switch on text inference.
        process.environment = ProcessInfo.processInfo.environment.filter { variable in
            !variable.key.hasPrefix("VECD_")
        }
        let output = Pipe()
        process.standardOutput = output
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        self.process = process
        port = try VecdProcess.readPort(
            output.fileHandleForReading,
            process: process,
            log: stderrPath
        )
    }

    private static func readPort(_ handle: FileHandle, process: Process, log: String) throws -> Int
    {
        var text = ""
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty {
                let logText = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                throw RawHTTPClient.Failure(description: "vecd exited before listening: \(logText)")
            }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = text[range].split(separator: ":").last.flatMap { Int($0) }
                if let port { return port }
            }
        }
        throw RawHTTPClient.Failure(description: "vecd did not report a port in 30 s: \(text)")
    }

    /// Sends `signal` and waits for the process to exit; returns its status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard let process else { return -1 }
        kill(process.processIdentifier, signal)
        process.waitUntilExit()
        self.process = nil
        return process.terminationStatus
    }

    /// The server's process id while it runs.
    var processIdentifier: Int32? { process?.processIdentifier }

    /// What the server has logged so far (JSON lines on standard error).
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    // MARK: - Calls

    /// One request on a fresh connection. `key` goes in `api-key`; `tenant` in `vecd-tenant`.
    func call(
        _ method: String,
        _ path: String,
        key: String? = nil,
        tenant: String? = nil,
        json: JSONValue? = nil,
        headers: [String: String] = [:]
    ) throws -> RawHTTPClient.Reply {
        var all = headers
        if let key { all["api-key"] = key }
        if let tenant { all["vecd-tenant"] = tenant }
        let client = try RawHTTPClient(port: port)
        if let json { return try client.send(method, path, headers: all, json: json) }
        return try client.send(method, path, headers: all)
    }

    /// Makes a tenant with the admin key; returns its read-write and read-only keys.
    func createTenant(
        _ name: String,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws
        -> (key: String, readOnlyKey: String)
    {
        let reply = try call("PUT", "/tenants/\(name)", key: VecdProcess.adminKey, json: [:])
        XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
        let result = try XCTUnwrap(reply.json?["result"], file: file, line: line)
        return (
            try XCTUnwrap(result["api_key"]?.stringValue, file: file, line: line),
            try XCTUnwrap(result["read_only_api_key"]?.stringValue, file: file, line: line)
        )
    }

    /// A key scoped to `collections` (`access` "r" or "rw").
    func issueKey(tenant: String, access: String, collections: [String]?) throws -> String {
        var body: [String: JSONValue] = ["access": .string(access)]
        if let collections { body["collections"] = .array(collections.map { .string($0) }) }
        let reply = try call(
            "POST",
            "/tenants/\(tenant)/keys",
            key: VecdProcess.adminKey,
            json: .object(body)
        )
        guard reply.status == 200, let key = reply.json?["result"]?["api_key"]?.stringValue else {
            throw RawHTTPClient.Failure(description: "issue key: \(reply.status) \(reply.text)")
        }
        return key
    }

    /// Creates `collection` with `dimension`-d cosine vectors.
    func createCollection(_ collection: String, key: String, dimension: Int = 4) throws {
        let reply = try call(
            "PUT",
            "/collections/\(collection)",
            key: key,
            json: [
                "vectors": ["size": .int(Int64(dimension)), "distance": "Cosine"]
            ]
        )
        guard reply.status == 200 else {
            throw RawHTTPClient.Failure(
                description: "create \(collection): \(reply.status) \(reply.text)"
            )
        }
    }

    /// Upserts points `(id, vector, payload)` with `wait=true`.
    func upsert(_ collection: String, key: String, _ points: [(UInt64, [Float], JSONValue)]) throws
    {
        let body: JSONValue = [
            "points": .array(
                points.map { id, vector, payload in
                    [
                        "id": .int(Int64(id)), "vector": .array(vector.map { .double(Double($0)) }),
                        "payload": payload,
                    ]
                }
            )
        ]
        let reply = try call(
            "PUT",
            "/collections/\(collection)/points?wait=true",
            key: key,
            json: body
        )
        guard reply.status == 200 else {
            throw RawHTTPClient.Failure(description: "upsert: \(reply.status) \(reply.text)")
        }
    }

    /// `points/count` with `exact: true`.
    func count(
        _ collection: String,
        key: String,
        tenant: String? = nil,
        filter: JSONValue? = nil
    )
        throws -> Int?
    {
        var body: [String: JSONValue] = ["exact": true]
        if let filter { body["filter"] = filter }
        let reply = try call(
            "POST",
            "/collections/\(collection)/points/count",
            key: key,
            tenant: tenant,
            json: .object(body)
        )
        return reply.json?["result"]?["count"]?.intValue.map(Int.init)
    }
}

extension RawHTTPClient.Reply {
    /// The body without `time`, so two error bodies can be compared byte for byte.
    var timelessBody: JSONValue? {
        guard case .object(var members)? = json else { return json }
        members["time"] = nil
        return .object(members)
    }
}
