/// A PyTorch `Linear`: `y = x Wᵀ + b` with `weight` stored `[out, in]`, as in the checkpoint.
struct Linear: Sendable {
    let weight: Tensor
    let bias: Tensor
    var inputs: Int { weight.shape[1] }
    var outputs: Int { weight.shape[0] }
}

/// A layer's `Linear` transposed at load: `y = x W + b` with `weight` `[in, out]`.
///
/// Why the copy: OpenBLAS repacks the weight on every product, and packing it from `[in, out]`
/// (`sgemm` without transposes) is cheaper than from `[out, in]`. Measured on this project's
/// machine, one thread: `x Wᵀ` at 88-92 GFLOP/s against `x W` at 93-95 for the projections of
/// 256-512 tokens. ONNX Runtime likewise keeps its own pre-packed copy of every weight. The
/// price is that a layer's weights live on the heap instead of in the mapped file (about
/// 1.2 GB for BGE-large, 85 MB for MiniLM), and about 0.4 CPU-seconds more to load BGE-large;
/// the file's pages are read once and then released (`SafetensorsFile.releasePages(of:)`), so
/// the resident size stays about what mapping alone gave.
///
/// TODO(embedder): OpenBLAS still repacks each weight on every product (9-15% of the CPU time
/// with 256-512 tokens per call, bench/embed/RESULTS.md), where ONNX Runtime packs once at
/// load; a pack-once GEMM is what would give short and medium BGE-large batches a clear margin
/// over ONNX Runtime (now 1.02-1.04× on one thread).
struct Projection: Sendable {
    let weight: Tensor
    let bias: Tensor
    var inputs: Int { weight.shape[0] }
    var outputs: Int { weight.shape[1] }
}

/// The scale and shift of a layer norm.
struct Norm: Sendable {
    let gamma: Tensor
    let beta: Tensor
}

/// One post-LN transformer layer.
struct LayerWeights: Sendable {
    /// Query, key and value weights side by side in one `[hidden, 3 * hidden]` copy (and their
    /// biases in `[3 * hidden]`), so the three projections are one wider `sgemm` that packs
    /// its input once instead of three times.
    let queryKeyValue: Projection
    let attentionOutput: Projection
    let attentionNorm: Norm
    let intermediate: Projection
    let output: Projection
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
        /// The linears `names`, transposed side by side; their mapped pages are then released.
        func projection(
            _ names: [String],
            out: Int,
            in width: Int
        ) throws(EmbeddingError) -> Projection {
            var parts: [Linear] = []
            for name in names { parts.append(try linear(name, out: out, in: width)) }
            let result = Self.projection(parts)
            for name in names { file.releasePages(of: prefix + name + ".weight") }
            return result
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
            let attention = p + "attention."
            layers.append(
                LayerWeights(
                    queryKeyValue: try projection(
                        ["query", "key", "value"].map { attention + "self." + $0 },
                        out: h,
                        in: h
                    ),
                    attentionOutput: try projection([attention + "output.dense"], out: h, in: h),
                    attentionNorm: try norm(attention + "output.LayerNorm"),
                    intermediate: try projection([p + "intermediate.dense"], out: i, in: h),
                    output: try projection([p + "output.dense"], out: h, in: i),
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

    /// Linears with the same input width, transposed and placed side by side: `[in, Σ out]`.
    private static func projection(_ parts: [Linear]) -> Projection {
        let inputs = parts[0].inputs
        let outputs = parts.reduce(0) { $0 + $1.outputs }
        let weight = UnsafeMutablePointer<Float>.allocate(capacity: outputs * inputs)
        let bias = UnsafeMutablePointer<Float>.allocate(capacity: outputs)
        var column = 0
        for part in parts {
            precondition(part.inputs == inputs, "projection: parts of different input widths")
            withExtendedLifetime(part) {
                transpose(
                    part.weight.pointer,
                    rows: part.outputs,
                    columns: inputs,
                    into: weight + column,
                    stride: outputs
                )
                (bias + column).initialize(from: part.bias.pointer, count: part.outputs)
            }
            column += part.outputs
        }
        return Projection(
            weight: Tensor(shape: [inputs, outputs], adopting: weight),
            bias: Tensor(shape: [outputs], adopting: bias)
        )
    }

    /// `destination[c * stride + r] = source[r * columns + c]`, in 16×16 tiles so that both
    /// sides are walked a cache line at a time.
    static func transpose(
        _ source: UnsafePointer<Float>,
        rows: Int,
        columns: Int,
        into destination: UnsafeMutablePointer<Float>,
        stride: Int
    ) {
        let tile = 16
        for rowStart in Swift.stride(from: 0, to: rows, by: tile) {
            let rowEnd = min(rowStart + tile, rows)
            for columnStart in Swift.stride(from: 0, to: columns, by: tile) {
                for column in columnStart..<min(columnStart + tile, columns) {
                    let out = destination + column * stride
                    for row in rowStart..<rowEnd {
                        (out + row).initialize(to: source[row * columns + column])
                    }
                }
            }
        }
    }
}
