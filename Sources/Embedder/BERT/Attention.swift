import Dispatch

/// Scaled dot-product attention for packed sequences, written out rather than as two `sgemm`
/// calls per head: at BERT's head sizes (32 or 64) those products are too thin for OpenBLAS
/// (a `[T, 32] x [32, T]` product ran at a third of the speed of the projections, and each
/// call paid a thread hand-off). Here each (sequence, head) pair is one task, the tasks are
/// spread over `workers` threads, and the inner loops keep 16-float accumulators in registers.
enum Attention {
    typealias Vector = Kernels.Vector

    /// Attention of every sequence and head.
    ///
    /// - Parameters:
    ///   - qkv: `[tokens, 3 * hidden]`, Q | K | V side by side, heads contiguous in each.
    ///   - offsets: sequence `b` is rows `offsets[b] ..< offsets[b + 1]`.
    ///   - context: `[tokens, hidden]` output, heads side by side.
    static func run(qkv: UnsafePointer<Float>, context: UnsafeMutablePointer<Float>,
                    offsets: [Int], hidden: Int, headCount: Int, workers: Int) {
        let headSize = hidden / headCount
        precondition(headSize % Kernels.width == 0, "head size \(headSize) is not a multiple of 16")
        let sequences = offsets.count - 1
        let tasks = sequences * headCount
        let longest = (0..<sequences).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
        let workers = max(1, min(workers, tasks))
        // Per worker: K transposed [headSize, longest] and one row of scores.
        let scratchSize = headSize * longest + longest + Kernels.width
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: workers * scratchSize)
        defer { scratch.deallocate() }
        let qkvAddress = UInt(bitPattern: qkv)
        let contextAddress = UInt(bitPattern: context)
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            // Safety: each task writes only its own head's columns of its own sequence's rows.
            let qkv = UnsafePointer<Float>(bitPattern: qkvAddress)!
            let context = UnsafeMutablePointer<Float>(bitPattern: contextAddress)!
            let work = scratch + worker * scratchSize
            var task = worker
            while task < tasks {
                let sequence = task / headCount
                let head = task % headCount
                let start = offsets[sequence]
                let rowStride = 3 * hidden
                let q = qkv + start * rowStride + head * headSize
                attendHead(q: q, k: q + hidden, v: q + 2 * hidden, rowStride: rowStride,
                           length: offsets[sequence + 1] - start, headSize: headSize,
                           out: context + start * hidden + head * headSize, outStride: hidden,
                           work: work)
                task += workers
            }
        }
    }

    /// One head of one sequence: `out = softmax(Q Kᵀ / √d) V`, rows `outStride` apart.
    @inline(__always)
    static func attendHead(q: UnsafePointer<Float>, k: UnsafePointer<Float>,
                           v: UnsafePointer<Float>, rowStride: Int, length: Int, headSize: Int,
                           out: UnsafeMutablePointer<Float>, outStride: Int,
                           work: UnsafeMutablePointer<Float>) {
        let scale = 1 / Float(headSize).squareRoot()
        // K transposed and pre-scaled, so a score row is a sum of contiguous rows.
        let keys = work
        for token in 0..<length {
            let source = k + token * rowStride
            for column in 0..<headSize { keys[column * length + token] = source[column] * scale }
        }
        let scores = work + headSize * length
        for row in 0..<length {
            scoreRow(q + row * rowStride, keys: keys, length: length, headSize: headSize,
                     into: scores)
            Kernels.softmax(scores, count: length)
            weightedSum(scores, values: v, rowStride: rowStride, length: length,
                        headSize: headSize, into: out + row * outStride)
        }
    }

    /// `scores[j] = Σ_c query[c] · keys[c, j]` for all `j`: 64 keys at a time in four
    /// independent accumulators (one would make every add wait for the previous one).
    @inline(__always)
    private static func scoreRow(_ query: UnsafePointer<Float>, keys: UnsafePointer<Float>,
                                 length: Int, headSize: Int,
                                 into scores: UnsafeMutablePointer<Float>) {
        let w = Kernels.width
        var token = 0
        while token + 4 * w <= length {
            var s0 = Vector.zero, s1 = Vector.zero, s2 = Vector.zero, s3 = Vector.zero
            var row = keys + token
            for column in 0..<headSize {
                let q = Vector(repeating: query[column])
                s0 += q * Kernels.load(row)
                s1 += q * Kernels.load(row + w)
                s2 += q * Kernels.load(row + 2 * w)
                s3 += q * Kernels.load(row + 3 * w)
                row += length
            }
            Kernels.store(s0, scores + token)
            Kernels.store(s1, scores + token + w)
            Kernels.store(s2, scores + token + 2 * w)
            Kernels.store(s3, scores + token + 3 * w)
            token += 4 * w
        }
        while token + w <= length {
            var sum = Vector.zero
            for column in 0..<headSize {
                sum += Vector(repeating: query[column]) * Kernels.load(keys + column * length + token)
            }
            Kernels.store(sum, scores + token)
            token += w
        }
        while token < length {
            var sum: Float = 0
            for column in 0..<headSize { sum += query[column] * keys[column * length + token] }
            scores[token] = sum
            token += 1
        }
    }

    /// `out[c] = Σ_j weights[j] · values[j, c]`: 32 columns at a time, even and odd tokens in
    /// separate accumulators so four chains run side by side.
    @inline(__always)
    private static func weightedSum(_ weights: UnsafePointer<Float>, values: UnsafePointer<Float>,
                                    rowStride: Int, length: Int, headSize: Int,
                                    into out: UnsafeMutablePointer<Float>) {
        let w = Kernels.width
        var column = 0
        while column < headSize {
            let pair = column + 2 * w <= headSize
            var a0 = Vector.zero, a1 = Vector.zero, b0 = Vector.zero, b1 = Vector.zero
            var row = values + column
            var token = 0
            while token + 2 <= length {
                let p = Vector(repeating: weights[token])
                let r = Vector(repeating: weights[token + 1])
                a0 += p * Kernels.load(row)
                b0 += r * Kernels.load(row + rowStride)
                if pair {
                    a1 += p * Kernels.load(row + w)
                    b1 += r * Kernels.load(row + rowStride + w)
                }
                row += 2 * rowStride
                token += 2
            }
            if token < length {
                let p = Vector(repeating: weights[token])
                a0 += p * Kernels.load(row)
                if pair { a1 += p * Kernels.load(row + w) }
            }
            Kernels.store(a0 + b0, out + column)
            if pair { Kernels.store(a1 + b1, out + column + w) }
            column += pair ? 2 * w : w
        }
    }
}
