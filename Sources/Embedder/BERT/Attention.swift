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
/// Query rows go at most `blockRows` at a time, which bounds the scratch (`blockRows × T`
/// floats) for models with more than 512 positions. It is not a cache blocking: at 512 tokens,
/// blocks of 128 or 256 rows (scores in L2) made BGE-large's attention 2-10% slower than one
/// block, because each block packs K and V again.
///
/// Threads: the (sequence, head) pairs are spread over `workers` threads, each calling
/// single-threaded `sgemm` (`BLAS.singleThreaded`): OpenBLAS would otherwise split these
/// small products over its pool, one hand-off and one lock per call.
enum Attention {
    /// Query rows per block.
    static let blockRows = 512

    /// Floats of scratch `run` needs per worker: one block of scores and its row sums for the
    /// longest sequence.
    static func scratchCount(longest: Int) -> Int { min(longest, blockRows) * (longest + 1) }

    /// Attention of every sequence and head.
    ///
    /// - Parameters:
    ///   - qkv: `[tokens, 3 * hidden]`, Q | K | V side by side, heads contiguous in each.
    ///   - offsets: sequence `b` is rows `offsets[b] ..< offsets[b + 1]`.
    ///   - context: `[tokens, hidden]` output, heads side by side.
    ///   - scratch: `workers * scratchCount(longest:)` floats for the longest sequence.
    ///   - workers: threads to spread the (sequence, head) pairs over.
    static func run(
        qkv: UnsafePointer<Float>,
        context: UnsafeMutablePointer<Float>,
        offsets: [Int],
        hidden: Int,
        headCount: Int,
        scratch: UnsafeMutablePointer<Float>,
        workers: Int
    ) {
        let sequences = offsets.count - 1
        let tasks = sequences * headCount
        let longest = (0..<sequences).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
        let perWorker = scratchCount(longest: longest)
        let workers = max(1, min(workers, tasks))
        func attend(task: Int, worker: Int) {
            let sequence = task / headCount
            let start = offsets[sequence]
            attendHead(
                qkv: qkv + start * 3 * hidden,
                context: context + start * hidden,
                length: offsets[sequence + 1] - start,
                head: task % headCount,
                hidden: hidden,
                headSize: hidden / headCount,
                scratch: scratch + worker * perWorker
            )
        }
        if workers == 1 {
            for task in 0..<tasks { attend(task: task, worker: 0) }
            return
        }
        withoutActuallyEscaping(attend) { attend in
            BLAS.singleThreaded {
                // Safety: each task writes only its own head's columns of its own sequence's
                // rows, and each worker only its own slice of the scratch.
                let job = { @Sendable (worker: Int) in
                    for task in stride(from: worker, to: tasks, by: workers) {
                        attend(task, worker)
                    }
                }
                DispatchQueue.concurrentPerform(iterations: workers, execute: job)
            }
        }
    }

    /// One head of one sequence, rows `3 * hidden` apart in `qkv` and `hidden` in `context`.
    private static func attendHead(
        qkv: UnsafePointer<Float>,
        context: UnsafeMutablePointer<Float>,
        length: Int,
        head: Int,
        hidden: Int,
        headSize: Int,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let rowStride = 3 * hidden
        let scale = 1 / Float(headSize).squareRoot()
        let keys = qkv + hidden + head * headSize
        let values = qkv + 2 * hidden + head * headSize
        let sums = scratch + min(length, blockRows) * length
        var first = 0
        while first < length {
            let rows = min(blockRows, length - first)
            let out = context + first * hidden + head * headSize
            BLAS.sgemm(
                transposeB: true,
                m: rows,
                n: length,
                k: headSize,
                alpha: scale,
                a: qkv + first * rowStride + head * headSize,
                lda: rowStride,
                b: keys,
                ldb: rowStride,
                c: scratch,
                ldc: length
            )
            for row in 0..<rows {
                sums[row] = Kernels.exponentiate(scratch + row * length, count: length)
            }
            BLAS.sgemm(
                m: rows,
                n: headSize,
                k: length,
                a: scratch,
                lda: length,
                b: values,
                ldb: rowStride,
                c: out,
                ldc: hidden
            )
            for row in 0..<rows {
                Kernels.scale(out + row * hidden, count: headSize, by: 1 / sums[row])
            }
            first += rows
        }
    }
}
