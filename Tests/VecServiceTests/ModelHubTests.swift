import Embedder
import Foundation
import TestSupport
import XCTest

@testable import VecService

/// How `vecd serve`'s model flags become a `ModelHub`: names, defaults and refusals. Loading
/// real weights is covered by the inference tests; these only read `config.json`.
final class ModelHubTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "vecd-hub-\(UUID().uuidString)"
        for name in ["All-MiniLM-L6-v2", "ms-marco-MiniLM-L-6-v2", "other-ce"] {
            try FileManager.default.createDirectory(atPath: folder + "/" + name,
                                                    withIntermediateDirectories: true)
            try "{}".write(toFile: folder + "/\(name)/config.json", atomically: true,
                           encoding: .utf8)
        }
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testNoFlagsMeansNoModels() throws {
        XCTAssertNil(try ModelHub.configured(modelDirectory: nil, registryFile: nil,
                                             rerankerDirectory: nil))
    }

    func testDirectoriesAreRegisteredUnderTheirLowerCasedFolderNames() throws {
        let hub = try XCTUnwrap(try ModelHub.configured(
            modelDirectory: folder + "/All-MiniLM-L6-v2", registryFile: nil,
            rerankerDirectory: folder + "/ms-marco-MiniLM-L-6-v2"))
        XCTAssertEqual(hub.registry.defaultModel, "all-minilm-l6-v2")
        XCTAssertEqual(hub.registry.entries["all-minilm-l6-v2"]?.spec.pooling, .mean,
                       "a built-in name brings its spec")
        XCTAssertEqual(hub.defaultReranker, "ms-marco-minilm-l-6-v2")
        XCTAssertEqual(try hub.rerankerName(nil), "ms-marco-minilm-l-6-v2")
        XCTAssertEqual(try hub.rerankerName("MS-MARCO-MiniLM-L-6-v2"), "ms-marco-minilm-l-6-v2")
        XCTAssertThrowsError(try hub.rerankerName("all-minilm-l6-v2")) {
            XCTAssertEqual($0 as? InferenceConfigurationError,
                           .wrongKind(name: "all-minilm-l6-v2", expected: .reranker))
        }
        XCTAssertThrowsError(try hub.rerankerName("nope")) {
            XCTAssertTrue("\($0)".contains("ms-marco-minilm-l-6-v2"), "lists the known: \($0)")
        }
    }

    func testWithoutARerankerRerankingIsRefusedSayingHowToConfigureOne() throws {
        let hub = try XCTUnwrap(try ModelHub.configured(
            modelDirectory: folder + "/All-MiniLM-L6-v2", registryFile: nil,
            rerankerDirectory: nil))
        XCTAssertThrowsError(try hub.rerankerName(nil)) { error in
            XCTAssertEqual(error as? InferenceConfigurationError, .noReranker(known: []))
            XCTAssertTrue("\(error)".contains("--reranker-dir"), "\(error)")
        }
    }

    func testRegistryFileDefaultsAndItsOnlyReranker() throws {
        let registry = folder + "/models.json"
        try """
            {"default": "minilm", "models": [
              {"name": "minilm", "directory": "All-MiniLM-L6-v2"},
              {"name": "ce", "directory": "other-ce", "kind": "reranker"}]}
            """.write(toFile: registry, atomically: true, encoding: .utf8)
        let hub = try XCTUnwrap(try ModelHub.configured(
            modelDirectory: folder + "/ms-marco-MiniLM-L-6-v2", registryFile: registry,
            rerankerDirectory: nil))
        XCTAssertEqual(hub.registry.defaultModel, "minilm", "the file's default wins")
        XCTAssertEqual(hub.registry.entries["minilm"]?.directory,
                       folder + "/All-MiniLM-L6-v2")
        XCTAssertEqual(hub.defaultReranker, "ce", "the registry's only reranker")
    }

    func testAMissingDirectoryFailsAtStartNamingIt() {
        XCTAssertThrowsError(try ModelHub.configured(
            modelDirectory: folder + "/absent", registryFile: nil, rerankerDirectory: nil)
        ) { error in
            XCTAssertEqual(error as? EmbeddingError,
                           .missingFile(path: folder + "/absent/config.json"))
        }
    }

    func testServeFlagsReadTheRerankerDirectory() throws {
        let configuration = try ServeConfiguration.load(
            arguments: ["--data-dir", "/tmp/x", "--reranker-dir", "/m/ce"],
            environment: ["VECD_MODEL_DIR": "/m/minilm"])
        XCTAssertEqual(configuration.rerankerDirectory, "/m/ce")
        XCTAssertEqual(configuration.modelDirectory, "/m/minilm")
    }
}
