import XCTest

@testable import Embedder

/// Refusing directories that do not fit, with errors that name the file or tensor; the
/// registry; the safetensors reader and writer.
final class ModelLoadingTests: XCTestCase {
    func testMissingDirectoryNamesConfigFile() {
        XCTAssertThrowsError(try TextEmbedder(directory: "/nonexistent/model")) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .missingFile(path: "/nonexistent/model/config.json")
            )
        }
    }

    func testMissingWeightsAndVocabularyAreNamed() throws {
        let directory = try TemporaryDirectory()
        try directory.linkMiniLM(excluding: ["model.safetensors"])
        XCTAssertThrowsError(try TextEmbedder(directory: directory.path)) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .missingFile(path: directory.path + "/model.safetensors")
            )
        }
        let noVocabulary = try TemporaryDirectory()
        try noVocabulary.linkMiniLM(excluding: ["vocab.txt"])
        XCTAssertThrowsError(try TextEmbedder(directory: noVocabulary.path)) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .missingFile(path: noVocabulary.path + "/vocab.txt")
            )
        }
    }

    func testTensorWithWrongShapeIsNamedWithBothShapes() throws {
        let directory = try TemporaryDirectory()
        try directory.linkMiniLM(excluding: ["config.json"])
        let config = try String(
            contentsOfFile: EmbedderFixtures.modelDirectory + "/config.json",
            encoding: .utf8
        )
        try directory.write(
            "config.json",
            config.replacingOccurrences(
                of: "\"intermediate_size\": 1536",
                with: "\"intermediate_size\": 1024"
            )
        )
        XCTAssertThrowsError(try TextEmbedder(directory: directory.path)) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .tensorShapeMismatch(
                    name: "encoder.layer.0.intermediate.dense.weight",
                    expected: [1024, 384],
                    actual: [1536, 384]
                )
            )
            XCTAssertEqual(
                "\($0)",
                "tensor `encoder.layer.0.intermediate.dense.weight` has shape "
                    + "[1536, 384], expected [1024, 384]"
            )
        }
    }

    func testMissingLayerTensorIsNamed() throws {
        let directory = try TemporaryDirectory()
        try directory.linkMiniLM(excluding: ["config.json"])
        let config = try String(
            contentsOfFile: EmbedderFixtures.modelDirectory + "/config.json",
            encoding: .utf8
        )
        try directory.write(
            "config.json",
            config.replacingOccurrences(
                of: "\"num_hidden_layers\": 6",
                with: "\"num_hidden_layers\": 7"
            )
        )
        XCTAssertThrowsError(try TextEmbedder(directory: directory.path)) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .missingTensor(
                    name: "encoder.layer.6.attention.self.query.weight",
                    path: directory.path + "/model.safetensors"
                )
            )
        }
    }

    func testUnsupportedActivationAndBadConfigValuesAreRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.linkMiniLM(excluding: ["config.json"])
        let config = try String(
            contentsOfFile: EmbedderFixtures.modelDirectory + "/config.json",
            encoding: .utf8
        )
        try directory.write(
            "config.json",
            config.replacingOccurrences(
                of: "\"hidden_act\": \"gelu\"",
                with: "\"hidden_act\": \"relu\""
            )
        )
        XCTAssertThrowsError(try TextEmbedder(directory: directory.path)) {
            guard case .unsupportedModel(let message) = $0 as? EmbeddingError else {
                return XCTFail("\($0)")
            }
            XCTAssertTrue(message.contains("relu"), message)
        }
        try directory.write(
            "config.json",
            config.replacingOccurrences(
                of: "\"num_attention_heads\": 12",
                with: "\"num_attention_heads\": 7"
            )
        )
        XCTAssertThrowsError(try TextEmbedder(directory: directory.path)) {
            guard case .invalidConfig(_, let key, _) = $0 as? EmbeddingError else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual(key, "num_attention_heads")
        }
    }

    func testUnsupportedPoolingModeIsRefused() throws {
        let directory = try TemporaryDirectory()
        try directory.linkMiniLM(excluding: ["1_Pooling"])
        try directory.write("1_Pooling/config.json", #"{"pooling_mode_max_tokens": true}"#)
        XCTAssertThrowsError(try TextEmbedder(directory: directory.path)) {
            guard case .unsupportedModel = $0 as? EmbeddingError else { return XCTFail("\($0)") }
        }
    }

    func testSafetensorsRoundTripIncludingHalfPrecision() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/t.safetensors"
        try SafetensorsFile.write(
            [("a", [2, 3], [1, 2, 3, 4, 5, 6]), ("b", [1], [-0.5])],
            to: path
        )
        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(try file.tensor("a", shape: [2, 3]).values, [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try file.tensor("b", shape: [1]).values, [-0.5])
        XCTAssertThrowsError(try file.tensor("a", shape: [3, 2])) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .tensorShapeMismatch(name: "a", expected: [3, 2], actual: [2, 3])
            )
        }
        XCTAssertThrowsError(try file.tensor("c", shape: [1])) {
            XCTAssertEqual($0 as? EmbeddingError, .missingTensor(name: "c", path: path))
        }

        // F16 1.0, -2.0, 0.5 and BF16 1.0, -3.0 written by hand.
        let header =
            #"{"h":{"dtype":"F16","shape":[3],"data_offsets":[0,6]},"#
            + #""g":{"dtype":"BF16","shape":[2],"data_offsets":[6,10]}}"#
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8)
        bytes += [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x38, 0x80, 0x3F, 0x40, 0xC0]
        let halfPath = directory.path + "/h.safetensors"
        _ = FileManager.default.createFile(atPath: halfPath, contents: Data(bytes))
        let half = try SafetensorsFile(path: halfPath)
        XCTAssertEqual(try half.tensor("h", shape: [3]).values, [1, -2, 0.5])
        XCTAssertEqual(try half.tensor("g", shape: [2]).values, [1, -3])
    }

    func testTruncatedSafetensorsFileIsRefused() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/bad.safetensors"
        let header = #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#
        var bytes = [UInt8]()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        bytes += Array(header.utf8) + [0, 0, 0, 0]
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        XCTAssertThrowsError(try SafetensorsFile(path: path)) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .invalidFile(path: path, reason: "tensor `a` ends past the file")
            )
        }
    }

    func testRegistryKnowsBuiltInsAndLoadsTheDefault() throws {
        let root = URL(fileURLWithPath: EmbedderFixtures.modelDirectory).deletingLastPathComponent()
            .path
        let registry = ModelRegistry(modelsRoot: root)
        XCTAssertEqual(registry.defaultModel, "all-minilm-l6-v2")
        XCTAssertTrue(registry.availableModels().contains("all-minilm-l6-v2"))
        XCTAssertEqual(try registry.entry(named: "bge-large-en-v1.5").spec.pooling, .cls)
        let embedder = try registry.makeEmbedder()
        XCTAssertEqual(embedder.modelName, "all-minilm-l6-v2")
        XCTAssertEqual(embedder.pooling, .mean)
        XCTAssertThrowsError(try registry.makeEmbedder(named: "nope")) {
            guard case .unknownModel(let name, let known) = $0 as? EmbeddingError else {
                return XCTFail("\($0)")
            }
            XCTAssertEqual(name, "nope")
            XCTAssertTrue(known.contains("bge-small-en-v1.5"))
        }
        XCTAssertThrowsError(try registry.makeReranker(named: "all-minilm-l6-v2"))
    }

    func testRegistryFileOverridesAndResolvesRelativeDirectories() throws {
        let directory = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(
            atPath: directory.path + "/minilm",
            withDestinationPath: EmbedderFixtures.modelDirectory
        )
        try directory.write(
            "registry.json",
            """
            {"default": "small-cls",
             "models": [{"name": "small-cls", "directory": "minilm", "pooling": "cls",
                         "max_length": 128, "query_instruction": "query: "},
                        {"name": "bge-large-en-v1.5", "directory": "/models/bge-large"}]}
            """
        )
        let registry = try ModelRegistry(contentsOf: directory.path + "/registry.json")
        XCTAssertEqual(registry.defaultModel, "small-cls")
        let entry = try registry.entry(named: "small-cls")
        XCTAssertEqual(entry.directory, directory.path + "/minilm")
        XCTAssertEqual(
            entry.spec,
            ModelSpec(
                name: "small-cls",
                pooling: .cls,
                maxLength: 128,
                queryInstruction: "query: "
            )
        )
        let bge = try registry.entry(named: "bge-large-en-v1.5").spec
        XCTAssertEqual(
            bge.queryInstruction,
            ModelSpec.bgeQueryInstruction,
            "built-in defaults kept"
        )
        let embedder = try registry.makeEmbedder()
        XCTAssertEqual(embedder.pooling, .cls)
        XCTAssertEqual(embedder.maxLength, 128)
        XCTAssertEqual(embedder.tokenize("x", kind: .query).ids.count, 5)  // [CLS] query : x [SEP]

        try directory.write(
            "bad.json",
            #"{"models": [{"name": "x", "directory": "d", "pooling": "max"}]}"#
        )
        XCTAssertThrowsError(try ModelRegistry(contentsOf: directory.path + "/bad.json")) {
            XCTAssertEqual(
                $0 as? EmbeddingError,
                .invalidConfig(
                    path: directory.path + "/bad.json",
                    key: "models[0].pooling",
                    reason: "must be cls or mean"
                )
            )
        }
    }
}
