import Dispatch

/// A BERT encoder (post-LN transformer, Devlin et al. 2019) on the CPU: matrix products
/// through OpenBLAS `sgemm`, everything else in the vectorised loops of `Kernels`.
///
/// Shapes, for a batch of `batch` sequences of lengths `T_b` with `tokens = Σ T_b`:
///
///     ids, typeIDs                 [tokens]                     packed, no padding
///     x = LN(word[id] + pos[t] + type[tt])       [tokens, hidden]
///     per layer:
///       qkv = x [Wq; Wk; Wv]ᵀ + b               [tokens, 3 * hidden]   one sgemm
///       per sequence b, head h (Q, K, V are [T_b, headSize] views into qkv):
///         scores = Q Kᵀ / √headSize              [T_b, T_b]
///         probs  = softmax(scores) over keys
///         context[b, :, h] = probs V             [T_b, headSize]
///       x = LN(x + context Woᵀ + bo)             [tokens, hidden]
///       x = LN(x + gelu(x Wiᵀ + bi) Wo2ᵀ + bo2)  [tokens, hidden] via [tokens, intermediate]
///     output: last hidden state                  [tokens, hidden]
///
/// Where this departs from the reference implementation, and why:
/// - No padding. Hugging Face pads a batch to `[batch, maxT, hidden]` and adds a -inf mask on
///   padded keys. Every operation except attention treats tokens independently, so we pack the
///   sequences end to end instead and run attention per sequence over its own `T_b` keys: the
///   result equals the masked padded computation exactly (masked keys get probability 0 and
///   padded query rows are discarded) and no work is spent on padding. The callers still sort
///   texts by length and cut the batch into token-bounded chunks (`TextEmbedder`), which keeps
///   the scratch memory bounded and similar-length sequences together.
/// - One `sgemm` per projection over all `tokens` rows at once, with the `[out, in]` weight
///   passed as `transposeB` (no copy), so the big products run at BLAS speed.
/// - GELU uses erf (not the tanh approximation) with a float-accurate rational erf.
///
/// Thread-safety: the weights are immutable and every call allocates its own scratch, so
/// `forward` may run on several threads at once.
final class BERTEncoder: @unchecked Sendable {
    let config: BERTConfiguration
    let weights: BERTWeights
    private let file: SafetensorsFile
    /// Threads for the loops outside BLAS: OpenBLAS's own count, so `OPENBLAS_NUM_THREADS=1`
    /// makes the whole encoder single-threaded.
    let workers = max(1, BLAS.threadCount)

    /// Loads `config.json` and `model.safetensors` from `directory`.
    ///
    /// - Parameter requireClassifier: load `pooler` and `classifier` (a cross-encoder).
    /// - Throws: `EmbeddingError` naming the missing file or the tensor whose shape is wrong.
    init(directory: String, requireClassifier: Bool = false) throws(EmbeddingError) {
        let config = try BERTConfiguration(path: directory + "/config.json")
        let file = try SafetensorsFile(path: directory + "/model.safetensors")
        self.weights = try BERTWeights(
            file: file,
            config: config,
            requireClassifier: requireClassifier
        )
        self.config = config
        self.file = file
    }

    /// Runs the encoder over a batch of already tokenized inputs.
    ///
    /// - Parameter observer: called with `("embeddings", x)` and `("layer<i>", x)` after each
    ///   stage, where `x` is `[tokens, hidden]`; for tests that compare hidden-state probes.
    /// - Returns: the last hidden state of every token, packed.
    /// - Precondition: each input is non-empty, no longer than `maxPositions`, and its ids and
    ///   type ids are within the vocabulary and type tables.
    func forward(
        _ inputs: [TokenizedInput],
        observer: ((String, UnsafeBufferPointer<Float>) -> Void)? = nil
    ) -> HiddenStates {
        let hidden = config.hiddenSize
        var offsets = [0]
        for input in inputs {
            precondition(
                !input.ids.isEmpty && input.ids.count <= config.maxPositions,
                "forward: sequence length \(input.ids.count) outside 1...\(config.maxPositions)"
            )
            offsets.append(offsets.last! + input.ids.count)
        }
        let states = HiddenStates(offsets: offsets, hidden: hidden)
        let tokens = offsets.last!
        if tokens == 0 { return states }
        let x = states.storage
        embed(inputs, into: x)
        observer?("embeddings", UnsafeBufferPointer(start: x, count: tokens * hidden))
        let longest = zip(offsets.dropFirst(), offsets).map { $0 - $1 }.max() ?? 0
        let scratch = Scratch(tokens: tokens, longest: longest, workers: workers, config: config)
        defer { scratch.deallocate() }
        for (index, layer) in weights.layers.enumerated() {
            runLayer(layer, x: x, offsets: offsets, scratch: scratch)
            observer?("layer\(index)", UnsafeBufferPointer(start: x, count: tokens * hidden))
        }
        return states
    }

    /// `x[t] = LN(word[id] + position[t in sequence] + type[tt])`.
    private func embed(_ inputs: [TokenizedInput], into x: UnsafeMutablePointer<Float>) {
        let hidden = config.hiddenSize
        let word = weights.wordEmbeddings.pointer
        let position = weights.positionEmbeddings.pointer
        let type = weights.typeEmbeddings.pointer
        var row = x
        for input in inputs {
            for (t, id) in input.ids.enumerated() {
                let typeID = Int(input.typeIDs[t])
                precondition(
                    id >= 0 && Int(id) < config.vocabularySize
                        && typeID >= 0 && typeID < config.typeVocabularySize,
                    "forward: token id \(id) or type \(typeID) outside the tables"
                )
                let w = word + Int(id) * hidden
                let p = position + t * hidden
                let y = type + typeID * hidden
                for c in stride(from: 0, to: hidden, by: Kernels.width) {
                    Kernels.store(
                        Kernels.load(w + c) + Kernels.load(p + c) + Kernels.load(y + c),
                        row + c
                    )
                }
                row += hidden
            }
        }
        let norm = weights.embeddingNorm
        Kernels.layerNorm(
            x,
            rows: (row - x) / hidden,
            width: hidden,
            gamma: norm.gamma.pointer,
            beta: norm.beta.pointer,
            epsilon: config.layerNormEpsilon
        )
    }

    /// One post-LN layer, in place on `x` `[tokens, hidden]`.
    private func runLayer(
        _ layer: LayerWeights,
        x: UnsafeMutablePointer<Float>,
        offsets: [Int],
        scratch: Scratch
    ) {
        let hidden = config.hiddenSize
        let tokens = offsets.last!
        let epsilon = config.layerNormEpsilon

        // Q, K and V side by side in one [tokens, 3 * hidden] buffer, from one sgemm.
        let fused = layer.queryKeyValue
        BLAS.sgemm(
            transposeB: true,
            m: tokens,
            n: 3 * hidden,
            k: hidden,
            a: x,
            lda: hidden,
            b: fused.weight.pointer,
            ldb: hidden,
            c: scratch.qkv,
            ldc: 3 * hidden
        )
        rowsInParallel(tokens) { start, count in
            Kernels.addBias(
                scratch.qkv + start * 3 * hidden,
                rows: count,
                width: 3 * hidden,
                stride: 3 * hidden,
                bias: fused.bias.pointer
            )
        }
        attention(offsets: offsets, scratch: scratch)

        // x = LN(x + context Woᵀ + bo)
        BLAS.sgemm(
            transposeB: true,
            m: tokens,
            n: hidden,
            k: hidden,
            a: scratch.context,
            lda: hidden,
            b: layer.attentionOutput.weight.pointer,
            ldb: hidden,
            c: scratch.projected,
            ldc: hidden
        )
        rowsInParallel(tokens) { start, count in
            Kernels.addBiasResidualLayerNorm(
                x + start * hidden,
                adding: scratch.projected + start * hidden,
                bias: layer.attentionOutput.bias.pointer,
                rows: count,
                width: hidden,
                gamma: layer.attentionNorm.gamma.pointer,
                beta: layer.attentionNorm.beta.pointer,
                epsilon: epsilon
            )
        }

        // x = LN(x + gelu(x Wiᵀ + bi) Wo2ᵀ + bo2)
        let inner = config.intermediateSize
        BLAS.sgemm(
            transposeB: true,
            m: tokens,
            n: inner,
            k: hidden,
            a: x,
            lda: hidden,
            b: layer.intermediate.weight.pointer,
            ldb: hidden,
            c: scratch.intermediate,
            ldc: inner
        )
        rowsInParallel(tokens) { start, count in
            Kernels.addBiasGELU(
                scratch.intermediate + start * inner,
                rows: count,
                width: inner,
                bias: layer.intermediate.bias.pointer
            )
        }
        BLAS.sgemm(
            transposeB: true,
            m: tokens,
            n: hidden,
            k: inner,
            a: scratch.intermediate,
            lda: inner,
            b: layer.output.weight.pointer,
            ldb: inner,
            c: scratch.projected,
            ldc: hidden
        )
        rowsInParallel(tokens) { start, count in
            Kernels.addBiasResidualLayerNorm(
                x + start * hidden,
                adding: scratch.projected + start * hidden,
                bias: layer.output.bias.pointer,
                rows: count,
                width: hidden,
                gamma: layer.outputNorm.gamma.pointer,
                beta: layer.outputNorm.beta.pointer,
                epsilon: epsilon
            )
        }
    }

    /// Runs `body(firstRow, rowCount)` over `rows` rows split among the workers (inline when
    /// the rows are too few to be worth a thread hand-off). Rows are independent in every
    /// caller, so the split does not change any result.
    private func rowsInParallel(_ rows: Int, _ body: (Int, Int) -> Void) {
        let parts = min(workers, rows / 64)
        if parts <= 1 { return body(0, rows) }
        withoutActuallyEscaping(body) { body in
            let task = { @Sendable (part: Int) in
                let start = rows * part / parts
                body(start, rows * (part + 1) / parts - start)
            }
            DispatchQueue.concurrentPerform(iterations: parts, execute: task)
        }
    }

    /// Scaled dot-product attention of every sequence and head, from `scratch.qkv` into
    /// `scratch.context` `[tokens, hidden]` (heads side by side, as PyTorch concatenates them).
    private func attention(offsets: [Int], scratch: Scratch) {
        Attention.run(
            qkv: scratch.qkv,
            context: scratch.context,
            offsets: offsets,
            hidden: config.hiddenSize,
            headCount: config.headCount,
            scratch: scratch.attention,
            workers: workers
        )
    }
}

/// The last hidden state of a packed batch: `[tokens, hidden]`, sequence `b` in rows
/// `offsets[b] ..< offsets[b + 1]`.
final class HiddenStates: @unchecked Sendable {
    let offsets: [Int]
    let hidden: Int
    let storage: UnsafeMutablePointer<Float>

    init(offsets: [Int], hidden: Int) {
        self.offsets = offsets
        self.hidden = hidden
        let count = max(offsets.last! * hidden, 1)
        self.storage = .allocate(capacity: count)
        storage.initialize(repeating: 0, count: count)
    }

    deinit { storage.deallocate() }

    /// Number of sequences.
    var count: Int { offsets.count - 1 }

    /// Tokens in sequence `index`.
    func length(_ index: Int) -> Int { offsets[index + 1] - offsets[index] }

    /// A copy of the `hidden` floats of token `token` of sequence `sequence`. (A copy, not a
    /// pointer: the states may be released right after the caller's last use of them.)
    func row(_ sequence: Int, _ token: Int) -> [Float] {
        withExtendedLifetime(self) {
            Array(
                UnsafeBufferPointer(
                    start: storage + (offsets[sequence] + token) * hidden,
                    count: hidden
                )
            )
        }
    }
}

/// Per-call work buffers, sized for one packed batch and reused by every layer.
private struct Scratch {
    let qkv: UnsafeMutablePointer<Float>
    let context: UnsafeMutablePointer<Float>
    let projected: UnsafeMutablePointer<Float>
    let intermediate: UnsafeMutablePointer<Float>
    /// Attention scores, one block per worker (`Attention.scratchCount`).
    let attention: UnsafeMutablePointer<Float>

    init(tokens: Int, longest: Int, workers: Int, config: BERTConfiguration) {
        qkv = .allocate(capacity: tokens * 3 * config.hiddenSize)
        context = .allocate(capacity: tokens * config.hiddenSize)
        projected = .allocate(capacity: tokens * config.hiddenSize)
        intermediate = .allocate(capacity: tokens * config.intermediateSize)
        attention = .allocate(capacity: workers * Attention.scratchCount(longest: longest))
    }

    func deallocate() {
        for buffer in [qkv, context, projected, intermediate, attention] { buffer.deallocate() }
    }
}
