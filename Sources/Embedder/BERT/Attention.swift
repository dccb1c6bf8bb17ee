import Dispatch

/// Scaled dot-product attention for packed sequences, as two `sgemm` calls per (sequence,
/// head) around a row softmax:
///
///     S = (1/√d) Q_h K_hᵀ          [T, T]   sgemm, K_h read in place through `transposeB`
///     P = exp(S - rowmax(S))         [T, T]   in place, row sums kept aside
///     context_h = diag(1/rowsum) P V_h        sgemm into the output's head columns, then
///                                             each row scaled by its 1/sum (d floats, not T)
///
/// Q_h, K_h and V_h are `[T, d]` views into the packed `[tokens, 3 * hidden]` projection with
/// a leading dimension of `3 * hidden`, and the context is written straight into its
/// `[tokens, hidden]` layout with a leading dimension of `hidden`, so nothing is copied.
/// Sequences are packed without padding (see `BERTEncoder`), so every key of a sequence is a
/// real token and no mask is needed: this equals Hugging Face's padded, masked computation.
///
/// Threads: with one OpenBLAS thread everything runs on the caller. With more, OpenBLAS
/// splits each product among its own threads (a multi-threaded call holds a library-wide lock,
/// so calling it from several of our threads at once would only queue), and the softmax rows
/// of each head are split among `workers` of ours when the head is long enough to pay for it.
enum Attention {
    /// Floats of scratch `run` needs: one `[T, T]` score matrix and `T` row sums for the
    /// longest sequence.
    static func scratchCount(longest: Int) -> Int { longest * longest + longest }

    /// Attention of every sequence and head.
    ///
    /// - Parameters:
    ///   - qkv: `[tokens, 3 * hidden]`, Q | K | V side by side, heads contiguous in each.
    ///   - offsets: sequence `b` is rows `offsets[b] ..< offsets[b + 1]`.
    ///   - context: `[tokens, hidden]` output, heads side by side.
    ///   - scratch: at least `scratchCount(longest:)` floats for the longest sequence.
    ///   - workers: threads for the softmax rows (OpenBLAS's own count).
    static func run(
        qkv: UnsafePointer<Float>,
        context: UnsafeMutablePointer<Float>,
        offsets: [Int],
        hidden: Int,
        headCount: Int,
        scratch: UnsafeMutablePointer<Float>,
        workers: Int
    ) {
        let headSize = hidden / headCount
        let scale = 1 / Float(headSize).squareRoot()
        let rowStride = 3 * hidden
        for sequence in 0..<(offsets.count - 1) {
            let start = offsets[sequence]
            let length = offsets[sequence + 1] - start
            let scores = scratch
            let sums = scratch + length * length
            for head in 0..<headCount {
                let q = qkv + start * rowStride + head * headSize
                let out = context + start * hidden + head * headSize
                BLAS.sgemm(
                    transposeB: true,
                    m: length,
                    n: length,
                    k: headSize,
                    alpha: scale,
                    a: q,
                    lda: rowStride,
                    b: q + hidden,
                    ldb: rowStride,
                    c: scores,
                    ldc: length
                )
                exponentiateRows(scores, sums: sums, length: length, workers: workers)
                BLAS.sgemm(
                    m: length,
                    n: headSize,
                    k: length,
                    a: scores,
                    lda: length,
                    b: q + 2 * hidden,
                    ldb: rowStride,
                    c: out,
                    ldc: hidden
                )
                for row in 0..<length {
                    Kernels.scale(out + row * hidden, count: headSize, by: 1 / sums[row])
                }
            }
        }
    }

    /// Rows of a head at or above which the softmax is split among threads: below it a
    /// `concurrentPerform` hand-off costs more than the exponentials it would share.
    static let parallelRows = 128

    /// `scores[r] = exp(scores[r] - max(scores[r]))` and `sums[r] = Σ scores[r]` for each of
    /// the `length` rows of `length` floats.
    private static func exponentiateRows(
        _ scores: UnsafeMutablePointer<Float>,
        sums: UnsafeMutablePointer<Float>,
        length: Int,
        workers: Int
    ) {
        let parts = length >= parallelRows ? min(workers, length / 64) : 1
        if parts <= 1 {
            for row in 0..<length {
                sums[row] = Kernels.exponentiate(scores + row * length, count: length)
            }
            return
        }
        let scoresAddress = UInt(bitPattern: scores)
        let sumsAddress = UInt(bitPattern: sums)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            // Safety: each part reads and writes only its own rows.
            let scores = UnsafeMutablePointer<Float>(bitPattern: scoresAddress)!
            let sums = UnsafeMutablePointer<Float>(bitPattern: sumsAddress)!
            for row in (length * part / parts)..<(length * (part + 1) / parts) {
                sums[row] = Kernels.exponentiate(scores + row * length, count: length)
            }
        }
    }
}
