import Dispatch
import Foundation
import VecCore

/// One text's vector and what happened to the text on the way.
public struct Embedding: Sendable, Equatable {
    /// `dimension` floats; unit length when the model normalises.
    public var vector: [Float]
    /// Tokens the model saw, `[CLS]` and `[SEP]` included (at most the model's max length).
    public var tokenCount: Int
    /// Whether word pieces past the maximum length were dropped (B07).
    public var truncated: Bool
}

/// A sentence embedder: tokenizer, BERT encoder, pooling and normalisation.
///
/// Policies:
/// - Long input (B07): a text longer than `maxLength` tokens keeps its first `maxLength - 2`
///   word pieces between `[CLS]` and `[SEP]`, and its `Embedding.truncated` is `true`; the
///   same in a batch as alone.
/// - Empty input (B28): `""`, whitespace-only or invisible-only text has no word pieces and is
///   embedded as `[CLS] [SEP]`, a finite unit vector like any other, alone or in a batch. A
///   service that wants to refuse empty text must check before calling.
/// - Queries (B08): `.query` texts get the model's `queryInstruction` prefix; documents never.
///
/// Thread-safety: immutable after `init`; `embed` allocates its scratch per call and may be
/// called from several threads at once.
public final class TextEmbedder: @unchecked Sendable {
    /// Tokens per forward pass when batching (a chunk of sorted texts is cut at this many), so
    /// that scratch memory stays bounded: ~50 MB for MiniLM, ~200 MB for BGE-large.
    public static let defaultMaxTokensPerChunk = 8192

    /// The spec after the directory was read (`pooling` is always set).
    public let spec: ModelSpec
    /// The tokenizer of this model (for chunking text by model tokens).
    public let tokenizer: WordPieceTokenizer
    /// Tokens per forward pass when batching.
    public let maxTokensPerChunk: Int
    let encoder: BERTEncoder

    /// Loads a model directory (`config.json`, `model.safetensors`, `vocab.txt`, optionally
    /// `tokenizer_config.json`, `1_Pooling/config.json`).
    ///
    /// - Parameters:
    ///   - directory: the Hugging Face / sentence-transformers model directory.
    ///   - spec: name, pooling, instruction and length; `nil` uses the built-in spec whose name
    ///     is the directory's last path component, or a default (mean pooling when the
    ///     directory does not say, normalised, 512 tokens, no instruction).
    ///   - maxTokensPerChunk: tokens per forward pass when a batch is split.
    ///   - logger: where the load is reported (`info`, with `model.*` metadata).
    /// - Throws: `EmbeddingError` naming the missing file or the tensor with the wrong shape.
    public init(
        directory: String,
        spec: ModelSpec? = nil,
        maxTokensPerChunk: Int = TextEmbedder.defaultMaxTokensPerChunk,
        logger: Logger = Logger(label: "vecd.embedder")
    ) throws(EmbeddingError) {
        let started = DispatchTime.now().uptimeNanoseconds
        let name = URL(fileURLWithPath: directory).lastPathComponent
        var resolved =
            spec ?? ModelSpec.builtIn.first { $0.name == name.lowercased() }
            ?? ModelSpec(name: name)
        if resolved.pooling == nil {
            resolved.pooling = try Self.readPooling(directory: directory) ?? .mean
        }
        let encoder = try BERTEncoder(directory: directory)
        resolved.maxLength = min(resolved.maxLength, encoder.config.maxPositions)
        guard resolved.maxLength >= 2 else {
            throw .invalidConfig(
                path: directory,
                key: "max_length",
                reason: "(\(resolved.maxLength)) leaves no room for [CLS] [SEP]"
            )
        }
        self.tokenizer = try WordPieceTokenizer(directory: directory)
        guard tokenizer.vocabularySize <= encoder.config.vocabularySize else {
            throw .invalidConfig(
                path: directory + "/vocab.txt",
                key: "vocabulary",
                reason: "has \(tokenizer.vocabularySize) entries, the model only "
                    + "\(encoder.config.vocabularySize)"
            )
        }
        self.encoder = encoder
        self.spec = resolved
        self.maxTokensPerChunk = max(maxTokensPerChunk, 1)
        let elapsed = (DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
        logger.info(
            "embedding model loaded",
            metadata: [
                "model.name": resolved.name, "model.directory": directory,
                "model.layers": "\(encoder.config.layerCount)",
                "model.dimension": "\(encoder.config.hiddenSize)",
                "model.pooling": (resolved.pooling ?? .mean).rawValue,
                "model.load_ms": "\(elapsed)",
            ]
        )
    }

    /// Vector width (`hidden_size`).
    public var dimension: Int { encoder.config.hiddenSize }
    /// The registry name.
    public var modelName: String { spec.name }
    /// Total tokens per input, specials included.
    public var maxLength: Int { spec.maxLength }
    /// `spec.pooling`, resolved.
    public var pooling: Pooling { spec.pooling ?? .mean }
    /// The encoder's sizes.
    public var configuration: BERTConfiguration { encoder.config }

    /// The model input for `text`: instruction for queries, `[CLS] … [SEP]`, truncation.
    public func tokenize(_ text: String, kind: TextKind = .document) -> TokenizedInput {
        let prefixed = kind == .query ? (spec.queryInstruction ?? "") + text : text
        return tokenizer.encodeSingle(prefixed, maxLength: maxLength)
    }

    /// Embeds texts, batching them by length.
    ///
    /// - Parameters:
    ///   - texts: any number of texts, empty ones included (see the type's policy).
    ///   - kind: `.query` adds the model's instruction; `.document` never does.
    /// - Returns: one embedding per text, in input order.
    /// - Throws: nothing today; the signature leaves room for cancellation and resource limits.
    public func embed(
        _ texts: [String],
        kind: TextKind = .document
    ) throws(EmbeddingError)
        -> [Embedding]
    {
        let inputs = texts.map { tokenize($0, kind: kind) }
        var results = [Embedding?](repeating: nil, count: texts.count)
        encoder.forEachChunk(inputs, maxTokens: maxTokensPerChunk) { states, indices in
            for (position, index) in indices.enumerated() {
                results[index] = Embedding(
                    vector: pool(states, sequence: position),
                    tokenCount: inputs[index].ids.count,
                    truncated: inputs[index].truncated
                )
            }
        }
        return results.map { $0! }
    }

    /// Embeds one text.
    public func embed(
        _ text: String,
        kind: TextKind = .document
    ) throws(EmbeddingError)
        -> Embedding
    {
        try embed([text], kind: kind)[0]
    }

    /// The pooled (and normalised) vector of one sequence of a batch.
    func pool(_ states: HiddenStates, sequence: Int, pooling override: Pooling? = nil) -> [Float] {
        let length = states.length(sequence)
        var vector: [Float]
        switch override ?? pooling {
        case .cls:
            vector = states.row(sequence, 0)
        case .mean:
            // Summed in double: a 512-token float sum would lose the low bits of each term.
            var sum = [Double](repeating: 0, count: states.hidden)
            withExtendedLifetime(states) {
                var row = states.storage + states.offsets[sequence] * states.hidden
                for _ in 0..<length {
                    for column in 0..<states.hidden { sum[column] += Double(row[column]) }
                    row += states.hidden
                }
            }
            vector = sum.map { Float($0 / Double(length)) }
        }
        if spec.normalizes { normalize(&vector) }
        return vector
    }

    /// `1_Pooling/config.json`'s mode, when the directory has one.
    ///
    /// - Throws: `.unsupportedModel` for max or mean-sqrt-len pooling, which we do not run.
    static func readPooling(directory: String) throws(EmbeddingError) -> Pooling? {
        let path = directory + "/1_Pooling/config.json"
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let json = try readJSON(path)
        if json["pooling_mode_cls_token"]?.boolValue == true { return .cls }
        if json["pooling_mode_mean_tokens"]?.boolValue == true { return .mean }
        throw .unsupportedModel("\(path): only CLS and mean pooling are supported")
    }
}

/// Scales `vector` to unit L2 norm (left as is when it is all zeros).
func normalize(_ vector: inout [Float]) {
    var squares: Double = 0
    for value in vector { squares += Double(value) * Double(value) }
    let norm = squares.squareRoot()
    guard norm > 1e-12 else { return }
    let inverse = 1 / norm
    for index in vector.indices { vector[index] = Float(Double(vector[index]) * inverse) }
}

extension BERTEncoder {
    /// Runs `inputs` through the encoder in chunks of similar length: inputs are sorted by
    /// token count and cut into chunks of at most `maxTokens` tokens (one input per chunk at
    /// least). `body` gets each chunk's states and the original indices of its sequences.
    func forEachChunk(
        _ inputs: [TokenizedInput],
        maxTokens: Int,
        _ body: (HiddenStates, [Int]) -> Void
    ) {
        let order = inputs.indices.sorted { inputs[$0].ids.count < inputs[$1].ids.count }
        var chunk: [Int] = []
        var tokens = 0
        func flush() {
            guard !chunk.isEmpty else { return }
            body(forward(chunk.map { inputs[$0] }), chunk)
            chunk.removeAll(keepingCapacity: true)
            tokens = 0
        }
        for index in order {
            let length = inputs[index].ids.count
            if tokens + length > maxTokens { flush() }
            chunk.append(index)
            tokens += length
        }
        flush()
    }
}
