import Embedder
import Foundation
import VecClient
import VecCore

/// The embedding model's files as the ingest CLI needs them: the tokenizer for chunking and
/// the output dimension for `--create`.
struct IngestModel {
    /// all-MiniLM-L6-v2's hidden size, used when the model directory has no `config.json`.
    static let fallbackDimension = 384

    let directory: String

    /// `--model-dir`, else `VECD_MODEL_DIR`, else `<root>/.cache/models/all-minilm-l6-v2`,
    /// where `<root>` is the package folder the binary was built in (or the working folder).
    init(directory: String?, environment: [String: String]) {
        if let directory {
            self.directory = directory
        } else if let fromEnvironment = environment["VECD_MODEL_DIR"], !fromEnvironment.isEmpty {
            self.directory = fromEnvironment
        } else {
            self.directory = Self.projectRoot() + "/.cache/models/all-minilm-l6-v2"
        }
    }

    /// The tokenizer chunks are counted with: the model's own WordPiece tokenizer, so that a
    /// 256-token chunk is 256 tokens to the embedder too. Without a readable `vocab.txt` the
    /// approximation is used, and `note` says so (its identity differs, so the next run with the
    /// real tokenizer re-chunks every file instead of keeping approximate chunks).
    func tokenizer(note: (String) -> Void) -> any TokenCounter {
        do {
            let wordPiece = try WordPieceTokenizer(directory: directory)
            return FunctionTokenCounter(
                identity: "wordpiece-\(wordPiece.vocabularySize)",
                spans: { text in wordPiece.wordPieceSpans(text).map(\.range) })
        } catch {
            note("note: no tokenizer in \(directory) (\(error)); counting tokens approximately")
            return ApproximateTokenizer()
        }
    }

    /// `hidden_size` from the model's `config.json`, or the MiniLM default.
    func dimension() -> Int {
        guard let data = FileManager.default.contents(atPath: directory + "/config.json"),
            let config = try? JSONValue.parse([UInt8](data)),
            let size = config["hidden_size"]?.intValue, size > 0
        else {
            return Self.fallbackDimension
        }
        return Int(size)
    }

    /// The nearest folder above the executable that holds `Package.swift` (a checkout running
    /// `.build/release/vecd`), else the working folder.
    static func projectRoot() -> String {
        var folder = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
            .deletingLastPathComponent()
        while folder.path != "/" {
            if FileManager.default.fileExists(
                atPath: folder.appendingPathComponent("Package.swift").path
            ) {
                return folder.path
            }
            folder.deleteLastPathComponent()
        }
        return FileManager.default.currentDirectoryPath
    }
}
