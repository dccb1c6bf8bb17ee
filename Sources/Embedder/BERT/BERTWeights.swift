/// A PyTorch `Linear`: `y = x Wᵀ + b` with `weight` stored `[out, in]` (used as is through
/// `sgemm(transposeB: true)`, never copied into another layout).
///
/// Why not transpose the weights to `[in, out]` at load: OpenBLAS packs that layout 3-6%
/// faster (BGE-large projections, 256-512 tokens, one thread), but its no-transpose path sends
/// small products (`m·n·k` up to about 10⁶ here) to a small-matrix kernel that sums in another
/// order,
/// so a short text embedded alone (few rows) and in a batch (many rows) would differ in the
/// last bits; the `[out, in]` path gives the same bits for a row whatever the batch, which
/// `/v1/embeddings` relies on (`InferenceEndToEndTests`).
///
/// TODO(embedder): OpenBLAS repacks each weight on every product (9-15% of the CPU time with
/// 256-512 tokens per call, bench/embed/RESULTS.md), where ONNX Runtime packs once at load; a
/// pack-once GEMM is what would give short and medium BGE-large batches a clear margin.
struct Linear: Sendable {
    let weight: Tensor
    let bias: Tensor
    var inputs: Int { weight.shape[1] }
    var outputs: Int { weight.shape[0] }
}

/// The scale and shift of a layer norm.
struct Norm: Sendable {
    let gamma: Tensor
    let beta: Tensor
}

/// One post-LN transformer layer.
struct LayerWeights: Sendable {
    /// Query, key and value weights stacked into one `[3 * hidden, hidden]` copy (and their
    /// biases into `[3 * hidden]`), so the three projections are one wider `sgemm` that packs
    /// its input once instead of three times.
    let queryKeyValue: Linear
    let attentionOutput: Linear
    let attentionNorm: Norm
    let intermediate: Linear
    let output: Linear
    let outputNorm: Norm
}

/// Every tensor of a BERT checkpoint, checked against `BERTConfiguration`.
struct BERTWeights: Sendable {
    let wordEmbeddings: Tensor
    let positionEmbeddings: Tensor
    let typeEmbeddings: Tensor
    let embeddingNorm: Norm
    let layers: [LayerWeights]
    /// `pooler.dense` (a `BertModel` checkpoint has it; sentence-transformers never uses it).
    let pooler: Linear?
    /// `classifier` of `BertForSequenceClassification`.
    let classifier: Linear?

    /// Loads the weights; `BertModel` names have no prefix, task heads put the encoder under
    /// `bert.`, which is detected from the word-embedding tensor's name.
    ///
    /// - Throws: `.missingTensor` / `.tensorShapeMismatch` naming the first tensor at fault.
    init(
        file: SafetensorsFile,
        config: BERTConfiguration,
        requireClassifier: Bool
    ) throws(EmbeddingError) {
        let word = "embeddings.word_embeddings.weight"
        let prefix = file.contains(word) || !file.contains("bert." + word) ? "" : "bert."
        let h = config.hiddenSize
        func tensor(_ name: String, _ shape: [Int]) throws(EmbeddingError) -> Tensor {
            try file.tensor(prefix + name, shape: shape)
        }
        func linear(_ name: String, out: Int, in width: Int) throws(EmbeddingError) -> Linear {
            Linear(
                weight: try tensor(name + ".weight", [out, width]),
                bias: try tensor(name + ".bias", [out])
            )
        }
        func norm(_ name: String) throws(EmbeddingError) -> Norm {
            Norm(gamma: try tensor(name + ".weight", [h]), beta: try tensor(name + ".bias", [h]))
        }
        wordEmbeddings = try tensor(word, [config.vocabularySize, h])
        positionEmbeddings = try tensor(
            "embeddings.position_embeddings.weight",
            [config.maxPositions, h]
        )
        typeEmbeddings = try tensor(
            "embeddings.token_type_embeddings.weight",
            [config.typeVocabularySize, h]
        )
        embeddingNorm = try norm("embeddings.LayerNorm")
        var layers: [LayerWeights] = []
        for index in 0..<config.layerCount {
            let p = "encoder.layer.\(index)."
            let i = config.intermediateSize
            let query = try linear(p + "attention.self.query", out: h, in: h)
            let key = try linear(p + "attention.self.key", out: h, in: h)
            let value = try linear(p + "attention.self.value", out: h, in: h)
            let queryKeyValue = Self.stack([query, key, value])
            // The stacked copy is all that is read from now on.
            for name in ["query", "key", "value"] {
                file.releasePages(of: prefix + p + "attention.self." + name + ".weight")
            }
            layers.append(
                LayerWeights(
                    queryKeyValue: queryKeyValue,
                    attentionOutput: try linear(p + "attention.output.dense", out: h, in: h),
                    attentionNorm: try norm(p + "attention.output.LayerNorm"),
                    intermediate: try linear(p + "intermediate.dense", out: i, in: h),
                    output: try linear(p + "output.dense", out: h, in: i),
                    outputNorm: try norm(p + "output.LayerNorm")
                )
            )
        }
        self.layers = layers
        let hasPooler = file.contains(prefix + "pooler.dense.weight")
        pooler =
            hasPooler || requireClassifier
            ? try linear("pooler.dense", out: h, in: h) : nil
        if requireClassifier {
            classifier = Linear(
                weight: try file.tensor("classifier.weight", shape: [config.labelCount, h]),
                bias: try file.tensor("classifier.bias", shape: [config.labelCount])
            )
        } else {
            classifier = nil
        }
    }

    /// Linears with the same input width stacked along their outputs.
    private static func stack(_ parts: [Linear]) -> Linear {
        let inputs = parts[0].inputs
        let outputs = parts.reduce(0) { $0 + $1.outputs }
        let weight = UnsafeMutablePointer<Float>.allocate(capacity: outputs * inputs)
        let bias = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
        var row = 0
        for part in parts {
            withExtendedLifetime(part) {
                (weight + row * inputs).initialize(
                    from: part.weight.pointer,
                    count: part.outputs * inputs
                )
                (bias + row).initialize(from: part.bias.pointer, count: part.outputs)
            }
            row += part.outputs
        }
        return Linear(
            weight: Tensor(shape: [outputs, inputs], adopting: weight),
            bias: Tensor(shape: [outputs], adopting: bias)
        )
    }
}
