import Foundation
import TestSupport
import VecCore
import XCTest

@testable import VecClient

#if canImport(Glibc)
    import Glibc
#endif

/// Paths to what the end-to-end tests run: the built `vecd` and the embedding model.
enum VecdBinary {
    /// `.build/<configuration>/vecd`, next to the test bundle.
    static var executable: URL {
        var directory = Bundle(for: VecdServer.self).bundleURL
        while directory.pathExtension == "xctest" || directory.lastPathComponent == "Contents" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("vecd")
    }

    /// `VECD_MODEL_DIR`, else `<package root>/.cache/models/all-minilm-l6-v2`.
    static var modelDirectory: String { TestModels.miniLMDirectory }

    /// A cross-encoder checkpoint written once per test run: MiniLM's encoder with the
    /// synthetic head (it exercises the rerank path, not relevance; no real cross-encoder can
    /// be fetched here).
    static let rerankerDirectory: Result<String, Error> = Result {
        let path = NSTemporaryDirectory() + "vecd-ingest-cross-encoder-\(getpid())"
        if !FileManager.default.fileExists(atPath: path + "/config.json") {
            try TestModels.writeSyntheticCrossEncoder(to: path)
        }
        return path
    }
}

/// `vecd serve` on a free 127.0.0.1 port with a temporary data directory, stopped and removed
/// when the value goes away.
final class VecdServer {
    static let adminKey = "ingest-e2e-admin-\(UUID().uuidString)"

    let process = Process()
    let dataDirectory: String
    private(set) var url = ""
    private(set) var admin: HTTPClient!
    private let logPath: String

    init() throws {
        dataDirectory = NSTemporaryDirectory() + "vecd-ingest-e2e-\(UUID().uuidString)"
        logPath = dataDirectory + ".log"
        try FileManager.default.createDirectory(
            atPath: dataDirectory,
            withIntermediateDirectories: true
        )
        FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = VecdBinary.executable
        process.arguments = [
            "serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDirectory,
            "--admin-key", Self.adminKey, "--model-dir", VecdBinary.modelDirectory,
            "--reranker-dir", try VecdBinary.rerankerDirectory.get(), "--log-level", "warning",
        ]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        url = try readURL(output.fileHandleForReading)
        admin = try HTTPClient(baseURL: url, apiKey: Self.adminKey)
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: dataDirectory)
        try? FileManager.default.removeItem(atPath: logPath)
    }

    /// Reads stdout until the "listening on http://127.0.0.1:PORT" line.
    private func readURL(_ handle: FileHandle) throws -> String {
        var text = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let data = handle.availableData
            if data.isEmpty {
                let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
                throw VecdRun.Failure(description: "vecd serve exited before listening: \(log)")
            }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"http://127\.0\.0\.1:\d+"#, options: .regularExpression)
            {
                return String(text[range])
            }
        }
        throw VecdRun.Failure(description: "vecd serve printed no address in 60 s: \(text)")
    }
}

/// One finished `vecd` client command: exit status and its two output streams.
struct VecdRun {
    struct Failure: Error, CustomStringConvertible { var description: String }

    var status: Int32
    var output: String
    var errors: String
    /// Both streams, for assertion messages.
    var log: String { "stdout:\n\(output)\nstderr:\n\(errors)" }

    /// Runs `vecd arguments…` to completion.
    init(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = VecdBinary.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["VECD_MODEL_DIR"] = VecdBinary.modelDirectory
        process.environment = environment
        let folder = NSTemporaryDirectory() + "vecd-run-\(UUID().uuidString)"
        FileManager.default.createFile(atPath: folder + ".out", contents: nil)
        FileManager.default.createFile(atPath: folder + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: folder + ".out")
            try? FileManager.default.removeItem(atPath: folder + ".err")
        }
        // Files, not pipes: a chatty child cannot fill a pipe buffer and stall.
        process.standardOutput = FileHandle(forWritingAtPath: folder + ".out")
        process.standardError = FileHandle(forWritingAtPath: folder + ".err")
        try process.run()
        process.waitUntilExit()
        status = process.terminationStatus
        output = (try? String(contentsOfFile: folder + ".out", encoding: .utf8)) ?? ""
        errors = (try? String(contentsOfFile: folder + ".err", encoding: .utf8)) ?? ""
    }

    /// Starts `vecd arguments…` without waiting (output discarded).
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = VecdBinary.executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["VECD_MODEL_DIR"] = VecdBinary.modelDirectory
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
