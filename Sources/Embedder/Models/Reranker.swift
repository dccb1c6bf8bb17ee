import Foundation
import VecCore

/// A cross-encoder reranker (`BertForSequenceClassification` with one output, as
/// `cross-encoder/ms-marco-MiniLM-L-6-v2`): scores how well a passage answers a query by
/// reading both at once, `[CLS] query [SEP] passage [SEP]`.
///
/// score = classifier(tanh(pooler(h[CLS]))), a raw logit; higher is more relevant. The pair
/// is truncated `longest_first` to `maxLength` tokens.
///
/// Thread-safety: immutable after `init`; `score` may be called from several threads at once.
public final class Reranker: @unchecked Sendable {
    /// The tokenizer of this model.
    public let tokenizer: WordPieceTokenizer
    /// Total tokens per pair, specials included.
    public let maxLength: Int
    /// Tokens per forward pass when batching.
    public let maxTokensPerChunk = TextEmbedder.defaultMaxTokensPerChunk
    let encoder: BERTEncoder

    /// Loads a `BertForSequenceClassification` directory.
    ///
    /// - Parameters:
    ///   - directory: the Hugging Face model directory.
    ///   - maxLength: total tokens per pair, capped by `max_position_embeddings`.
    ///   - logger: where the load is reported (`info`, with `model.*` metadata).
    /// - Throws: `.unsupportedModel` when `config.json` names another architecture or more
    ///   than one label; otherwise as `TextEmbedder.init`.
    public init(
        directory: String,
        maxLength: Int = ModelSpec.defaultMaxLength,
        logger: Logger = Logger(label: "vecd.reranker")
    )
        throws(EmbeddingError)
    {
        let configPath = directory + "/config.json"
        let config = try BERTConfiguration(path: configPath)
        guard config.architectures.contains("BertForSequenceClassification") else {
            throw .unsupportedModel(
                "\(configPath): architectures \(config.architectures), "
                    + "a reranker needs BertForSequenceClassification"
            )
        }
        guard config.labelCount == 1 else {
            throw .unsupportedModel(
                "\(configPath): \(config.labelCount) labels, a reranker needs 1"
            )
        }
        self.encoder = try BERTEncoder(directory: directory, requireClassifier: true)
        self.tokenizer = try WordPieceTokenizer(directory: directory)
        self.maxLength = min(maxLength, config.maxPositions)
        logger.info(
            "reranker model loaded",
            metadata: [
                "model.directory": directory, "model.layers": "\(config.layerCount)",
                "model.max_length": "\(self.maxLength)",
            ])
    }

    /// Raw relevance logits of each passage for `query`, in passage order.
    public func score(query: String, passages: [String]) throws(EmbeddingError) -> [Float] {
        pairOutputs(query: query, passages: passages).map(\.logit)
    }

    /// `1 / (1 + e^-logit)` computed in double precision, so that logits above ~17 (where the
    /// float sigmoid rounds to 1) still order correctly.
    public static func sigmoid(_ logit: Float) -> Double {
        1 / (1 + Foundation.exp(-Double(logit)))
    }

    /// Relevance of each passage as a probability (`sigmoid` of the logit, in double).
    public func probabilities(
        query: String,
        passages: [String]
    ) throws(EmbeddingError)
        -> [Double]
    {
        try score(query: query, passages: passages).map(Self.sigmoid)
    }

    /// Everything the pair head computes, for tests: `[CLS]`'s last hidden state, the pooler
    /// output and the logit.
    func pairOutputs(
        query: String,
        passages: [String]
    )
        -> [(cls: [Float], pooled: [Float], logit: Float)]
    {
        let inputs = passages.map { tokenizer.encodePair(query, $0, maxLength: maxLength) }
        var results = [(cls: [Float], pooled: [Float], logit: Float)?](
            repeating: nil,
            count: inputs.count
        )
        encoder.forEachChunk(inputs, maxTokens: maxTokensPerChunk) { states, indices in
            for (position, index) in indices.enumerated() {
                results[index] = head(states.row(position, 0))
            }
        }
        return results.map { $0! }
    }

    /// pooled = tanh(W_p h + b_p); logit = w · pooled + b, accumulated in double.
    private func head(_ cls: [Float]) -> (cls: [Float], pooled: [Float], logit: Float) {
        let weights = encoder.weights
        let pooler = weights.pooler!
        let classifier = weights.classifier!
        let hidden = cls.count
        var pooled = [Float](repeating: 0, count: hidden)
        for row in 0..<hidden {
            let w = pooler.weight.pointer + row * hidden
            var sum = Double(pooler.bias.pointer[row])
            for column in 0..<hidden { sum += Double(w[column]) * Double(cls[column]) }
            pooled[row] = Float(Foundation.tanh(sum))
        }
        var logit = Double(classifier.bias.pointer[0])
        for column in 0..<hidden {
            logit += Double(classifier.weight.pointer[column]) * Double(pooled[column])
        }
        return (cls, pooled, Float(logit))
    }
}
