import Foundation
import VecCore
import XCTest

@testable import Embedder

/// BGE-large-en-v1.5's exact shape (24 layers, hidden 1024, 16 heads of 64, intermediate 4096,
/// vocabulary 30522) with random weights made by `scripts/embedder/random_bert.py`, against that
/// script's float64 numpy forward pass. BGE-large's own weights are in no reachable package;
/// this proves the deep, wide path, 64-wide heads and CLS pooling read from `1_Pooling`.
///
/// Needs python3 with numpy and safetensors (`scripts/bootstrap --test` installs them); when
/// they are missing the test is reported as skipped with the reason, never passed.
final class LargeRandomCheckpointTests: XCTestCase {
    private var script: String { EmbedderFixtures.packageRoot + "/scripts/embedder/random_bert.py" }
    private var checkpoint: String {
        EmbedderFixtures.packageRoot + "/.cache/test-models/random-bge-large"
    }

    func testBGELargeShapeRandomCheckpointMatchesNumpyReference() throws {
        guard (try? run(["-c", "import numpy, safetensors"])) != nil else {
            throw XCTSkip(
                "python3 with numpy and safetensors is not installed (scripts/bootstrap --test)"
            )
        }
        try run([
            script, "make", checkpoint, "--vocab",
            EmbedderFixtures.modelDirectory + "/vocab.txt",
        ])
        let spec = try XCTUnwrap(ModelSpec.builtIn.first { $0.name == "bge-large-en-v1.5" })
        var fromDirectory = spec
        fromDirectory.pooling = nil  // must come from the checkpoint's 1_Pooling/config.json
        let embedder = try TextEmbedder(directory: checkpoint, spec: fromDirectory)
        XCTAssertEqual(embedder.pooling, .cls)
        XCTAssertEqual(embedder.configuration.layerCount, 24)
        XCTAssertEqual(embedder.configuration.headSize, 64)
        XCTAssertEqual(embedder.dimension, 1024)

        let texts = [
            "The quick brown fox jumps over the lazy dog.", "",
            String(repeating: "vector stores index embeddings. ", count: 20),
        ]
        let inputs = texts.map { embedder.tokenize($0) }
        let temporary = try TemporaryDirectory()
        let request = temporary.path + "/request.json"
        let response = temporary.path + "/response.json"
        let items: [[String: [Int32]]] = inputs.map { ["ids": $0.ids, "type_ids": $0.typeIDs] }
        try JSONSerialization.data(withJSONObject: ["inputs": items]).write(
            to: URL(fileURLWithPath: request)
        )
        try run([script, "reference", checkpoint, request, response])
        let reference = try JSONValue.parse(Array(Data(contentsOf: URL(fileURLWithPath: response))))
        let outputs = try XCTUnwrap(reference["outputs"]?.arrayValue)

        let embeddings = try embedder.embed(texts)
        let states = embedder.encoder.forward(inputs)
        for (index, output) in outputs.enumerated() {
            let cls = output["cls_normalized"]?.floats ?? []
            XCTAssertGreaterThanOrEqual(
                cosine(embeddings[index].vector, cls),
                0.9999,
                "text \(index)"
            )
            let mean = output["mean_normalized"]?.floats ?? []
            XCTAssertLessThan(
                cosine(embeddings[index].vector, mean),
                0.999,
                "CLS and mean differ on this checkpoint, so pooling is really checked"
            )
            let last = states.row(index, states.length(index) - 1).prefix(8)
            XCTAssertLessThan(
                maxAbsDifference(last, output["last_token_first8"]?.floats ?? []),
                2e-3
            )
        }
    }

    /// Runs python3 with `arguments`, failing on a non-zero exit.
    @discardableResult
    private func run(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard process.terminationStatus == 0 else {
            throw EmbeddingError.invalidFile(path: arguments.first ?? "python3", reason: text)
        }
        return text
    }
}
