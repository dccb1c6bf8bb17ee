import Foundation
import VecCore
import XCTest

@testable import Embedder

/// Paths and shared, lazily loaded models for the embedder tests.
enum EmbedderFixtures {
    /// The package root, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `VECD_MODEL_DIR`, else `<package root>/.cache/models/all-minilm-l6-v2`.
    static let modelDirectory: String = {
        if let value = ProcessInfo.processInfo.environment["VECD_MODEL_DIR"], !value.isEmpty {
            return value
        }
        return packageRoot + "/.cache/models/all-minilm-l6-v2"
    }()

    /// The MiniLM embedder, loaded once (a missing model fails the tests that use it).
    static let minilm: Result<TextEmbedder, EmbeddingError> = Result {
        () throws(EmbeddingError) -> TextEmbedder in try TextEmbedder(directory: modelDirectory)
    }

    /// The MiniLM embedder or a test failure naming the directory.
    static func embedder(file: StaticString = #filePath, line: UInt = #line) throws -> TextEmbedder
    {
        switch minilm {
        case .success(let embedder): return embedder
        case .failure(let error):
            XCTFail(
                "MiniLM not loadable from \(modelDirectory) (run scripts/bootstrap): \(error)",
                file: file,
                line: line
            )
            throw error
        }
    }

    /// A reference JSON file from `fixtures/embedder/`.
    static func reference(_ name: String) throws -> JSONValue {
        let path = packageRoot + "/fixtures/embedder/" + name
        guard let data = FileManager.default.contents(atPath: path) else {
            throw EmbeddingError.missingFile(path: path)
        }
        return try JSONValue.parse(Array(data))
    }

    /// The embedding reference's sentence records.
    static func sentences() throws -> [JSONValue] {
        try reference("embedder_minilm_l6_reference.json")["sentences"]?.arrayValue ?? []
    }
}

extension JSONValue {
    /// A JSON array of numbers as floats.
    var floats: [Float] { (arrayValue ?? []).compactMap { $0.numberValue.map(Float.init) } }
    /// A JSON array of integers as Int32.
    var int32s: [Int32] { (arrayValue ?? []).compactMap { $0.intValue.map { Int32($0) } } }
}

/// Cosine similarity in double.
func cosine(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "cosine of \(a.count) and \(b.count) floats")
    var dot = 0.0, na = 0.0, nb = 0.0
    for (x, y) in zip(a, b) {
        dot += Double(x) * Double(y)
        na += Double(x) * Double(x)
        nb += Double(y) * Double(y)
    }
    return dot / (na.squareRoot() * nb.squareRoot())
}

/// Largest absolute element difference.
func maxAbsDifference(_ a: some Collection<Float>, _ b: some Collection<Float>) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// A temporary directory removed on `deinit` (model directories made by tests).
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "/vecd-embedder-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Links every file of MiniLM's directory (top level) into this one, except `excluding`.
    func linkMiniLM(excluding: Set<String> = []) throws {
        let source = EmbedderFixtures.modelDirectory
        for name in try FileManager.default.contentsOfDirectory(atPath: source)
        where !excluding.contains(name) {
            try FileManager.default.createSymbolicLink(
                atPath: path + "/" + name,
                withDestinationPath: source + "/" + name
            )
        }
    }

    /// Writes `text` to `name` (creating parent folders).
    func write(_ name: String, _ text: String) throws {
        let url = URL(fileURLWithPath: path + "/" + name)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(),
            withIntermediateDirectories: true
        )
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
}
