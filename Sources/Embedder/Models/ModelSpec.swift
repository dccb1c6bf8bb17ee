/// How token vectors become one text vector.
public enum Pooling: String, Sendable, Equatable {
    /// The `[CLS]` token's last hidden state (BGE).
    case cls
    /// The average of every token's last hidden state, specials included (sentence-transformers).
    case mean
}

/// Whether a text is stored (document) or searched with (query); only queries get the
/// model's retrieval instruction (B08).
public enum TextKind: String, Sendable, Equatable {
    case document
    case query
}

/// What a model directory holds: a bi-encoder that embeds texts or a cross-encoder that
/// scores pairs.
public enum ModelKind: String, Sendable, Equatable {
    case embedding
    case reranker
}

/// How to run one named model: everything `config.json` does not say.
public struct ModelSpec: Sendable, Equatable {
    /// The longest input BERT's position table covers; longer inputs are truncated.
    public static let defaultMaxLength = 512

    /// The registry name (`all-minilm-l6-v2`).
    public var name: String
    public var kind: ModelKind
    /// `nil`: read `1_Pooling/config.json` from the directory, or use mean pooling when the
    /// directory has none. A value here wins over the directory (a registry file may say so).
    public var pooling: Pooling?
    /// L2-normalise the pooled vector (sentence-transformers' `Normalize` module).
    public var normalizes: Bool
    /// Total tokens per input including `[CLS]`/`[SEP]`; capped by `max_position_embeddings`.
    public var maxLength: Int
    /// Prepended to `.query` texts only, never to documents (BGE's retrieval instruction).
    public var queryInstruction: String?

    /// Creates a spec.
    public init(
        name: String,
        kind: ModelKind = .embedding,
        pooling: Pooling? = nil,
        normalizes: Bool = true,
        maxLength: Int = ModelSpec.defaultMaxLength,
        queryInstruction: String? = nil
    ) {
        self.name = name
        self.kind = kind
        self.pooling = pooling
        self.normalizes = normalizes
        self.maxLength = maxLength
        self.queryInstruction = queryInstruction
    }

    /// BGE v1.5's English retrieval instruction, exactly as its authors publish it, trailing
    /// space included (FlagEmbedding#32; other wordings lower recall, B08).
    public static let bgeQueryInstruction =
        "Represent this sentence for searching relevant passages: "

    /// The models the registry knows by name. Pooling is stated for each so that a copy of
    /// the weights without sentence-transformers' files still pools the way it was trained.
    public static let builtIn: [ModelSpec] = [
        ModelSpec(name: "all-minilm-l6-v2", pooling: .mean),
        ModelSpec(name: "all-minilm-l12-v2", pooling: .mean),
        ModelSpec(name: "bge-small-en-v1.5", pooling: .cls, queryInstruction: bgeQueryInstruction),
        ModelSpec(name: "bge-base-en-v1.5", pooling: .cls, queryInstruction: bgeQueryInstruction),
        ModelSpec(name: "bge-large-en-v1.5", pooling: .cls, queryInstruction: bgeQueryInstruction),
        ModelSpec(name: "ms-marco-minilm-l-6-v2", kind: .reranker),
        ModelSpec(name: "bge-reranker-base", kind: .reranker),
    ]
}
