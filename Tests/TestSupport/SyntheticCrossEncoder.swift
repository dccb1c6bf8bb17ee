import Foundation
import VectorStore

/// The real MiniLM model the tests run, and a cross-encoder checkpoint built from it.
public enum TestModels {
    /// The package root, found from this file's path.
    public static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `VECD_MODEL_DIR`, else `<package root>/.cache/models/all-minilm-l6-v2` (never skipped:
    /// a missing model fails the tests that load it).
    public static let miniLMDirectory: String = {
        if let value = ProcessInfo.processInfo.environment["VECD_MODEL_DIR"], !value.isEmpty {
            return value
        }
        return packageRoot + "/.cache/models/all-minilm-l6-v2"
    }()

    /// The closed-form head of `fixtures/embedder/pair_path_minilm_l6_reference.json`:
    /// `w[i] = sin(0.1 (i + 1)) * 0.05`, bias 0. It tests the pair code path, not relevance.
    public static func syntheticHead(hidden: Int = 384) -> [Float] {
        (0..<hidden).map { Float(sin(0.1 * Double($0 + 1))) * 0.05 }
    }

    /// Writes a `BertForSequenceClassification` checkpoint in Hugging Face layout into
    /// `directory`: MiniLM's encoder and pooler (every F32 tensor, renamed under `bert.`), the
    /// synthetic one-logit head as `classifier.weight` [1, 384] and `classifier.bias` [1], a
    /// `config.json` naming the architecture and one label, and MiniLM's tokenizer files
    /// (linked). No cross-encoder weights can be fetched here; the real loader reads this.
    public static func writeSyntheticCrossEncoder(
        to directory: String, from source: String = miniLMDirectory
    ) throws {
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let skipped: Set<String> = ["config.json", "model.safetensors", "1_Pooling", "modules.json"]
        for name in try manager.contentsOfDirectory(atPath: source) where !skipped.contains(name) {
            try manager.createSymbolicLink(atPath: directory + "/" + name,
                                           withDestinationPath: source + "/" + name)
        }
        try writeWeights(from: source + "/model.safetensors",
                         to: directory + "/model.safetensors")
        var config = try String(contentsOfFile: source + "/config.json", encoding: .utf8)
        config = config.replacingOccurrences(
            of: "\"BertModel\"", with: "\"BertForSequenceClassification\"")
        config = config.replacingOccurrences(
            of: "\"hidden_act\"", with: "\"id2label\": {\"0\": \"LABEL_0\"},\n  \"hidden_act\"")
        try config.write(toFile: directory + "/config.json", atomically: true, encoding: .utf8)
    }

    /// Safetensors: an 8-byte little-endian header length, a JSON header of
    /// `{name: {dtype, shape, data_offsets}}`, then the data. Bytes are copied unchanged.
    private static func writeWeights(from sourcePath: String, to path: String) throws {
        guard let data = FileManager.default.contents(atPath: sourcePath), data.count > 8 else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: sourcePath])
        }
        let bytes = [UInt8](data)
        let headerLength = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
        let header = try JSONValue.parse(Array(bytes[8..<(8 + headerLength)]))
        let base = 8 + headerLength
        var entries: [String: JSONValue] = [:]
        var body: [UInt8] = []
        func append(_ name: String, shape: [Int], raw: ArraySlice<UInt8>) {
            let start = body.count
            body.append(contentsOf: raw)
            entries[name] = [
                "dtype": "F32", "shape": .array(shape.map { .int(Int64($0)) }),
                "data_offsets": [.int(Int64(start)), .int(Int64(body.count))],
            ]
        }
        for (name, entry) in (header.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
        where entry["dtype"]?.stringValue == "F32" {
            let offsets = (entry["data_offsets"]?.arrayValue ?? []).compactMap(\.intValue)
            let shape = (entry["shape"]?.arrayValue ?? []).compactMap { $0.intValue.map(Int.init) }
            append("bert." + name, shape: shape,
                   raw: bytes[(base + Int(offsets[0]))..<(base + Int(offsets[1]))])
        }
        let head = syntheticHead()
        append("classifier.weight", shape: [1, head.count], raw: littleEndian(head)[...])
        append("classifier.bias", shape: [1], raw: littleEndian([0])[...])
        var headerBytes = JSONValue.object(entries).serialized()
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var output = (0..<8).map { UInt8(truncatingIfNeeded: headerBytes.count >> (8 * $0)) }
        output += headerBytes
        output += body
        try Data(output).write(to: URL(fileURLWithPath: path))
    }

    private static func littleEndian(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in
            withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        }
    }
}
