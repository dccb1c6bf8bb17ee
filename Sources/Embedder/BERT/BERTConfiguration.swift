import VecCore

/// The sizes of a BERT-family encoder, read from a Hugging Face `config.json`.
public struct BERTConfiguration: Sendable, Equatable {
    /// `hidden_size`: width of every token vector (384 for MiniLM-L6, 1024 for BGE-large).
    public var hiddenSize: Int
    /// `num_hidden_layers`.
    public var layerCount: Int
    /// `num_attention_heads`; `hiddenSize` must divide evenly among them.
    public var headCount: Int
    /// `intermediate_size`: width of the feed-forward layer.
    public var intermediateSize: Int
    /// `vocab_size`.
    public var vocabularySize: Int
    /// `max_position_embeddings`: the longest input the position table covers (512).
    public var maxPositions: Int
    /// `type_vocab_size` (2 for BERT: segment A and B).
    public var typeVocabularySize: Int
    /// `layer_norm_eps`.
    public var layerNormEpsilon: Float
    /// `architectures`, e.g. `["BertModel"]` or `["BertForSequenceClassification"]`.
    public var architectures: [String]
    /// Number of classifier outputs (`num_labels`, or the size of `id2label`); 1 for a reranker.
    public var labelCount: Int

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// Creates a configuration directly (used by tests and the benchmark).
    public init(
        hiddenSize: Int,
        layerCount: Int,
        headCount: Int,
        intermediateSize: Int,
        vocabularySize: Int,
        maxPositions: Int = 512,
        typeVocabularySize: Int = 2,
        layerNormEpsilon: Float = 1e-12,
        architectures: [String] = ["BertModel"],
        labelCount: Int = 1
    ) {
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.vocabularySize = vocabularySize
        self.maxPositions = maxPositions
        self.typeVocabularySize = typeVocabularySize
        self.layerNormEpsilon = layerNormEpsilon
        self.architectures = architectures
        self.labelCount = labelCount
    }

    /// Reads and checks `config.json`.
    ///
    /// - Throws: `.missingFile`, `.invalidConfig` naming the key, or `.unsupportedModel` for an
    ///   activation other than exact GELU or a position scheme other than absolute.
    public init(path: String) throws(EmbeddingError) {
        let json = try readJSON(path)
        func integer(_ key: String, default fallback: Int? = nil) throws(EmbeddingError) -> Int {
            if let value = json[key]?.intValue, value > 0 { return Int(value) }
            if json[key] == nil, let fallback { return fallback }
            throw .invalidConfig(path: path, key: key, reason: "must be a positive integer")
        }
        let activation = json["hidden_act"]?.stringValue ?? "gelu"
        guard activation == "gelu" else {
            throw .unsupportedModel("\(path): hidden_act `\(activation)`; only exact `gelu` is run")
        }
        let positions = json["position_embedding_type"]?.stringValue ?? "absolute"
        guard positions == "absolute" else {
            throw .unsupportedModel("\(path): position_embedding_type `\(positions)`")
        }
        let labels = json["id2label"]?.objectValue?.count
        self.init(
            hiddenSize: try integer("hidden_size"),
            layerCount: try integer("num_hidden_layers"),
            headCount: try integer("num_attention_heads"),
            intermediateSize: try integer("intermediate_size"),
            vocabularySize: try integer("vocab_size"),
            maxPositions: try integer("max_position_embeddings", default: 512),
            typeVocabularySize: try integer("type_vocab_size", default: 2),
            layerNormEpsilon: Float(json["layer_norm_eps"]?.numberValue ?? 1e-12),
            architectures: json["architectures"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            labelCount: try integer("num_labels", default: labels ?? 1)
        )
        guard hiddenSize % headCount == 0 else {
            throw .invalidConfig(
                path: path,
                key: "num_attention_heads",
                reason: "(\(headCount)) does not divide hidden_size \(hiddenSize)"
            )
        }
        guard hiddenSize % Kernels.width == 0, intermediateSize % Kernels.width == 0 else {
            throw .unsupportedModel(
                "\(path): hidden_size \(hiddenSize) and intermediate_size "
                    + "\(intermediateSize) must be multiples of 16"
            )
        }
    }

    /// Multiply-adds of one layer for `tokens` tokens in sequences of length `length`
    /// (projections and feed-forward, plus the two attention products), times two for FLOPs.
    public func flopsPerLayer(tokens: Int, length: Int) -> Double {
        let h = Double(hiddenSize)
        let projections = 4 * h * h + 2 * h * Double(intermediateSize)
        let attention = 2 * Double(length) * h
        return 2 * Double(tokens) * (projections + attention)
    }
}
