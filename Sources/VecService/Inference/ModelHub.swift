import Embedder
import Foundation
import VectorStore

/// The service's embedders and rerankers: every model of a `ModelRegistry`, loaded on first
/// use, once, and shared by all request threads (`TextEmbedder` and `Reranker` are immutable
/// after loading and safe to call concurrently).
///
/// Built from `vecd serve`'s `--models FILE` (a registry), `--model-dir DIR` (the default
/// embedding model) and `--reranker-dir DIR` (the default cross-encoder).
public final class ModelHub: EmbedderProvider, RerankerProvider, @unchecked Sendable {
    /// Every model the server may load, by name.
    public let registry: ModelRegistry
    /// The reranker used when a request names none: `--reranker-dir`'s, else the registry's
    /// only reranker; `nil` when neither says (then requests must name one).
    public let defaultReranker: String?

    // Loading happens under the lock: a second request for a model being loaded waits for it
    // rather than loading a second copy (hundreds of MB for BGE-large). Loads are rare (once
    // per model per process), so other requests waiting meanwhile costs little.
    private let lock = NSLock()
    private var embedders: [String: TextEmbedder] = [:]
    private var rerankers: [String: Reranker] = [:]
    private let logger: Logger

    /// A hub over `registry`.
    ///
    /// - Parameters:
    ///   - registry: the models; `registry.defaultModel` embeds when a request names none.
    ///   - defaultReranker: the reranker for requests that name none.
    public init(registry: ModelRegistry, defaultReranker: String?,
                logger: Logger = Logger(label: "vecd.models")) {
        self.registry = registry
        self.logger = logger
        if let defaultReranker {
            self.defaultReranker = defaultReranker
        } else {
            let rerankers = registry.entries.values.filter { $0.spec.kind == .reranker }
            self.defaultReranker = rerankers.count == 1 ? rerankers.first?.spec.name : nil
        }
    }

    /// The hub `vecd serve` runs with, or `nil` when no model is configured at all.
    ///
    /// - Parameters:
    ///   - modelDirectory: `--model-dir`: registered under its folder name (lower-cased; a
    ///     built-in name such as `all-minilm-l6-v2` brings its spec) and made the default
    ///     unless the registry file names one.
    ///   - registryFile: `--models`: a JSON registry (format in `ModelRegistry`).
    ///   - rerankerDirectory: `--reranker-dir`: a `BertForSequenceClassification` directory,
    ///     registered as a reranker under its folder name and used when a request names none.
    /// - Throws: `EmbeddingError` for an unreadable registry file or a missing directory.
    public static func configured(
        modelDirectory: String?, registryFile: String?, rerankerDirectory: String?,
        logger: Logger = Logger(label: "vecd.models")
    ) throws -> ModelHub? {
        guard modelDirectory != nil || registryFile != nil || rerankerDirectory != nil else {
            return nil
        }
        var registry = ModelRegistry()
        var registryNamesDefault = false
        if let registryFile {
            registry = try ModelRegistry(contentsOf: registryFile)
            registryNamesDefault = try Self.namesDefault(registryFile)
        }
        if let modelDirectory {
            let name = try Self.register(modelDirectory, kind: .embedding, in: &registry)
            if !registryNamesDefault { registry.defaultModel = name }
        }
        var reranker: String?
        if let rerankerDirectory {
            reranker = try Self.register(rerankerDirectory, kind: .reranker, in: &registry)
        }
        return ModelHub(registry: registry, defaultReranker: reranker, logger: logger)
    }

    /// Registers `directory` under its lower-cased folder name; returns the name.
    private static func register(_ directory: String, kind: ModelKind,
                                 in registry: inout ModelRegistry) throws -> String {
        let path = URL(fileURLWithPath: directory).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: path + "/config.json") else {
            throw EmbeddingError.missingFile(path: path + "/config.json")
        }
        let name = URL(fileURLWithPath: path).lastPathComponent.lowercased()
        var spec = ModelSpec.builtIn.first { $0.name == name } ?? ModelSpec(name: name)
        spec.kind = kind
        registry.register(spec, directory: path)
        return name
    }

    private static func namesDefault(_ path: String) throws -> Bool {
        guard let data = FileManager.default.contents(atPath: path),
              let json = try? JSONValue.parse(Array(data))
        else { return false }
        return json["default"]?.stringValue != nil
    }

    // MARK: - Loading

    /// The embedder `name` (the default when `nil`), loaded on first use.
    public func embedder(_ name: String?) throws -> TextEmbedder {
        let resolved = try resolveName(name ?? registry.defaultModel, kind: .embedding)
        lock.lock()
        defer { lock.unlock() }
        if let loaded = embedders[resolved] { return loaded }
        let start = DispatchTime.now().uptimeNanoseconds
        let embedder = try registry.makeEmbedder(named: resolved)
        embedders[resolved] = embedder
        logLoaded(resolved, start: start)
        return embedder
    }

    /// The reranker `name` (the default reranker when `nil`), loaded on first use.
    ///
    /// - Throws: `InferenceConfigurationError.noReranker` when none is configured or none is
    ///   named and there is no default.
    public func reranker(_ name: String?) throws -> Reranker {
        let resolved = try rerankerName(name)
        lock.lock()
        defer { lock.unlock() }
        if let loaded = rerankers[resolved] { return loaded }
        let start = DispatchTime.now().uptimeNanoseconds
        let reranker = try registry.makeReranker(named: resolved)
        rerankers[resolved] = reranker
        logLoaded(resolved, start: start)
        return reranker
    }

    /// `name` as registered: exact, else lower-cased (Hugging Face names are mixed case, the
    /// registry's are lower-case); a name of the wrong kind is refused by name.
    private func resolveName(_ name: String, kind: ModelKind) throws -> String {
        let entry = registry.entries[name] ?? registry.entries[name.lowercased()]
        guard let entry else {
            let known = registry.entries.values.filter { $0.spec.kind == kind }.map(\.spec.name)
            throw EmbeddingError.unknownModel(name: name, known: known)
        }
        guard entry.spec.kind == kind else {
            throw InferenceConfigurationError.wrongKind(name: entry.spec.name, expected: kind)
        }
        return entry.spec.name
    }

    private func logLoaded(_ name: String, start: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        logger.notice("model loaded", metadata: [
            "model.name": name, "model.load_seconds": String((seconds * 1000).rounded() / 1000),
        ])
    }

    // MARK: - EmbedderProvider, RerankerProvider

    public func embed(_ texts: [String], model: String?, role: TextRole) throws
        -> TextEmbeddings
    {
        let embedder = try embedder(model)
        // B28: refuse text without word pieces before any forward pass (the tokenizer alone).
        for (index, text) in texts.enumerated()
        where embedder.tokenizer.encodeSingle(text, maxLength: 3).ids.count <= 2 {
            throw EmptyTextError(index: index)
        }
        let embeddings = try embedder.embed(texts, kind: role == .query ? .query : .document)
        return TextEmbeddings(
            model: embedder.modelName,
            vectors: embeddings.map(\.vector),
            tokens: embeddings.reduce(0) { $0 + $1.tokenCount },
            truncated: embeddings.indices.filter { embeddings[$0].truncated }
        )
    }

    public func dimension(model: String?) throws -> (model: String, dimension: Int) {
        let embedder = try embedder(model)
        return (embedder.modelName, embedder.dimension)
    }

    public func rerank(query: String, passages: [String], model: String?) throws
        -> (model: String, scores: [Float])
    {
        let reranker = try reranker(model)
        return (try rerankerName(model), try reranker.score(query: query, passages: passages))
    }

    public func rerankerName(_ model: String?) throws -> String {
        guard let wanted = model ?? defaultReranker else {
            let known = registry.entries.values.filter { $0.spec.kind == .reranker }
                .map(\.spec.name).sorted()
            throw InferenceConfigurationError.noReranker(known: known)
        }
        return try resolveName(wanted, kind: .reranker)
    }
}

/// Inference requests the configuration cannot serve; client errors (400), since the request
/// chose the model.
public enum InferenceConfigurationError: Error, CustomStringConvertible, Equatable {
    /// Reranking was asked for but no reranker is configured or none was named.
    case noReranker(known: [String])
    /// A model name of the other kind (an embedding model named as a reranker, or back).
    case wrongKind(name: String, expected: ModelKind)

    public var description: String {
        switch self {
        case .noReranker(let known) where known.isEmpty:
            return "no reranker is configured on this server (start vecd serve with "
                + "--reranker-dir DIR or register one in --models)"
        case .noReranker(let known):
            return "no default reranker: name one in `model` (\(known.joined(separator: ", ")))"
        case .wrongKind(let name, let expected):
            return expected == .reranker
                ? "`\(name)` is an embedding model, not a reranker"
                : "`\(name)` is a reranker, not an embedding model"
        }
    }
}
