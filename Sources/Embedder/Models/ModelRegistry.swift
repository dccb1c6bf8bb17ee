import Foundation
import VecCore

/// Model names mapped to directories and specs, so the service and the CLI can say
/// `bge-large-en-v1.5` instead of a path.
///
/// Built from a models root (`<root>/<name>` for every built-in spec) and/or a JSON registry
/// file:
///
///     {"default": "bge-small-en-v1.5",
///      "models": [{"name": "bge-small-en-v1.5", "directory": "models/bge-small",
///                  "kind": "embedding", "pooling": "cls", "normalize": true,
///                  "max_length": 512,
///                  "query_instruction": "Represent this sentence for searching … passages: "}]}
///
/// Keys other than `name` and `directory` are optional; for a built-in name they default to
/// the built-in spec. A relative `directory` is resolved against the registry file's folder.
public struct ModelRegistry: Sendable {
    /// The model `scripts/bootstrap` fetches and the service uses when none is named.
    public static let defaultModelName = "all-minilm-l6-v2"

    /// A registered model.
    public struct Entry: Sendable, Equatable {
        public var spec: ModelSpec
        public var directory: String
    }

    /// Registered models by name.
    public private(set) var entries: [String: Entry] = [:]
    /// The name `makeEmbedder()` loads without an argument.
    public var defaultModel: String

    /// Registers every built-in spec at `<modelsRoot>/<name>` (whether or not it exists yet;
    /// `availableModels` lists those that do).
    public init(modelsRoot: String) {
        defaultModel = Self.defaultModelName
        for spec in ModelSpec.builtIn {
            entries[spec.name] = Entry(spec: spec, directory: modelsRoot + "/" + spec.name)
        }
    }

    /// An empty registry.
    public init() {
        defaultModel = Self.defaultModelName
    }

    /// Reads a JSON registry file (format in the type's documentation).
    ///
    /// - Throws: `.missingFile`, `.invalidFile`, or `.invalidConfig` naming the bad key.
    public init(contentsOf path: String) throws(EmbeddingError) {
        self.init()
        let json = try readJSON(path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        guard let models = json["models"]?.arrayValue else {
            throw .invalidConfig(path: path, key: "models", reason: "must be an array")
        }
        for (index, model) in models.enumerated() {
            let entry = try Self.entry(model, path: path, key: "models[\(index)]", folder: folder)
            entries[entry.spec.name] = entry
        }
        if let name = json["default"]?.stringValue {
            defaultModel = name
        } else if entries[defaultModel] == nil, let first = models.first?["name"]?.stringValue {
            defaultModel = first
        }
    }

    /// Adds or replaces a model.
    public mutating func register(_ spec: ModelSpec, directory: String) {
        entries[spec.name] = Entry(spec: spec, directory: directory)
    }

    /// The entry for `name`.
    ///
    /// - Throws: `.unknownModel` listing the registered names.
    public func entry(named name: String) throws(EmbeddingError) -> Entry {
        guard let entry = entries[name] else {
            throw .unknownModel(name: name, known: Array(entries.keys))
        }
        return entry
    }

    /// Names whose directory holds a `config.json`, sorted.
    public func availableModels() -> [String] {
        entries.values.filter {
            FileManager.default.fileExists(atPath: $0.directory + "/config.json")
        }.map(\.spec.name).sorted()
    }

    /// Loads the embedding model `name` (the default model when `nil`).
    ///
    /// - Throws: `.unknownModel`, `.unsupportedModel` for a reranker, or a loading error.
    public func makeEmbedder(named name: String? = nil) throws(EmbeddingError) -> TextEmbedder {
        let entry = try entry(named: name ?? defaultModel)
        guard entry.spec.kind == .embedding else {
            throw .unsupportedModel("`\(entry.spec.name)` is a reranker, not an embedding model")
        }
        return try TextEmbedder(directory: entry.directory, spec: entry.spec)
    }

    /// Loads the reranker `name`.
    ///
    /// - Throws: `.unknownModel`, `.unsupportedModel` for an embedding model, or a loading error.
    public func makeReranker(named name: String) throws(EmbeddingError) -> Reranker {
        let entry = try entry(named: name)
        guard entry.spec.kind == .reranker else {
            throw .unsupportedModel("`\(entry.spec.name)` is an embedding model, not a reranker")
        }
        return try Reranker(directory: entry.directory, maxLength: entry.spec.maxLength)
    }

    /// One `models[i]` object of a registry file.
    private static func entry(
        _ json: JSONValue,
        path: String,
        key: String,
        folder: String
    ) throws(EmbeddingError) -> Entry {
        guard let name = json["name"]?.stringValue, !name.isEmpty else {
            throw .invalidConfig(
                path: path,
                key: key + ".name",
                reason: "must be a non-empty string"
            )
        }
        guard let directory = json["directory"]?.stringValue, !directory.isEmpty else {
            throw .invalidConfig(
                path: path,
                key: key + ".directory",
                reason: "must be a non-empty string"
            )
        }
        var spec = ModelSpec.builtIn.first { $0.name == name } ?? ModelSpec(name: name)
        if let value = json["kind"] {
            guard let kind = value.stringValue.flatMap(ModelKind.init(rawValue:)) else {
                throw .invalidConfig(
                    path: path,
                    key: key + ".kind",
                    reason: "must be embedding or reranker"
                )
            }
            spec.kind = kind
        }
        if let value = json["pooling"] {
            guard let pooling = value.stringValue.flatMap(Pooling.init(rawValue:)) else {
                throw .invalidConfig(
                    path: path,
                    key: key + ".pooling",
                    reason: "must be cls or mean"
                )
            }
            spec.pooling = pooling
        }
        if let value = json["normalize"] {
            guard let flag = value.boolValue else {
                throw .invalidConfig(
                    path: path,
                    key: key + ".normalize",
                    reason: "must be a boolean"
                )
            }
            spec.normalizes = flag
        }
        if let value = json["max_length"] {
            guard let length = value.intValue, length >= 3 else {
                throw .invalidConfig(
                    path: path,
                    key: key + ".max_length",
                    reason: "must be an integer ≥ 3"
                )
            }
            spec.maxLength = Int(length)
        }
        if let value = json["query_instruction"] {
            guard value.isNull || value.stringValue != nil else {
                throw .invalidConfig(
                    path: path,
                    key: key + ".query_instruction",
                    reason: "must be a string or null"
                )
            }
            spec.queryInstruction = value.stringValue
        }
        let resolved = directory.hasPrefix("/") ? directory : folder + "/" + directory
        return Entry(spec: spec, directory: resolved)
    }
}
