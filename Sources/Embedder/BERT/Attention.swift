import Dispatch

/// Scaled dot-product attention for packed sequences, written out rather than as two `sgemm`
/// calls per head: at BERT's head sizes (32 or 64) those products are too thin for OpenBLAS
/// (a `[T, 32] x [32, T]` product ran at a third of the speed of the projections, and each
/// call paid a thread hand-off). Here each (sequence, head) pair is one task, the tasks are
/// spread over `workers` threads, and the inner loops work on four query rows at once with
/// 8-float accumulators kept in registers, so each key or value vector loaded feeds four rows.
///
/// TODO(embedder): at 512 tokens this still runs at about half of `sgemm`'s rate, which leaves
/// vecd at parity with ONNX Runtime on long MiniLM inputs and 12% behind on BGE-large
/// (bench/embed/RESULTS.md). A 4×16 register block is the next step; a first version of it
/// made the Swift optimizer run for over 15 minutes, so it needs a leaner formulation.
enum Attention {
    /// 8 lanes: four accumulators of this width fit the 16 SSE registers of baseline x86-64
    /// without spilling (SIMD16 accumulators did spill), and map to single AVX registers.
    typealias Vector = SIMD8<Float>
    static let width = Vector.scalarCount

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    /// Attention of every sequence and head.
    ///
    /// - Parameters:
    ///   - qkv: `[tokens, 3 * hidden]`, Q | K | V side by side, heads contiguous in each.
    ///   - offsets: sequence `b` is rows `offsets[b] ..< offsets[b + 1]`.
    ///   - context: `[tokens, hidden]` output, heads side by side.
    static func run(
        qkv: UnsafePointer<Float>,
        context: UnsafeMutablePointer<Float>,
        offsets: [Int],
        hidden: Int,
        headCount: Int,
        workers: Int
    ) {
        let headSize = hidden / headCount
        precondition(headSize % Self.width == 0, "head size \(headSize) is not a multiple of 8")
        let sequences = offsets.count - 1
        let tasks = sequences * headCount
        let longest = (0..<sequences).map { offsets[$0 + 1] - offsets[$0] }.max() ?? 0
        let workers = max(1, min(workers, tasks))
        // Per worker: K transposed [headSize, longest] and four rows of scores.
        let scratchSize = headSize * keyStride(longest) + 4 * longest + Kernels.width
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
                attendHead(
                    q: q,
                    k: q + hidden,
                    v: q + 2 * hidden,
                    rowStride: rowStride,
                    length: offsets[sequence + 1] - start,
                    headSize: headSize,
                    out: context + start * hidden + head * headSize,
                    outStride: hidden,
                    work: work
                )
                task += workers
            }
        }
    }

    /// Row stride of the transposed keys: the length rounded up to 8 plus 8 floats, so that
    /// rows are never a power of two apart (512 floats apart, every row of a head would land in
    /// the same two L1 sets and evict each other).
    @inline(__always)
    static func keyStride(_ length: Int) -> Int { (length + 7) / 8 * 8 + 8 }

    /// One head of one sequence: `out = softmax(Q Kᵀ / √d) V`, rows `outStride` apart.
    @inline(__always)
    static func attendHead(
        q: UnsafePointer<Float>,
        k: UnsafePointer<Float>,
        v: UnsafePointer<Float>,
        rowStride: Int,
        length: Int,
        headSize: Int,
        out: UnsafeMutablePointer<Float>,
        outStride: Int,
        work: UnsafeMutablePointer<Float>
    ) {
        let scale = 1 / Float(headSize).squareRoot()
        // K transposed and pre-scaled, so a score row is a sum of contiguous rows.
        let stride = keyStride(length)
        let keys = work
        for token in 0..<length {
            let source = k + token * rowStride
            for column in 0..<headSize { keys[column * stride + token] = source[column] * scale }
        }
        let scores = work + headSize * stride
        var row = 0
        // Four query rows at a time: every key or value vector loaded feeds four rows, which
        // keeps the loops from waiting on L2 (K and V of a 512-token head are 64 KB each).
        while row + 4 <= length {
            scoreRows4(
                q + row * rowStride,
                rowStride: rowStride,
                keys: keys,
                keyStride: stride,
                length: length,
                headSize: headSize,
                into: scores
            )
            for block in 0..<4 { Kernels.softmax(scores + block * length, count: length) }
            weightedSums4(
                scores,
                values: v,
                rowStride: rowStride,
                length: length,
                headSize: headSize,
                into: out + row * outStride,
                outStride: outStride
            )
            row += 4
        }
        while row < length {
            scoreRow(
                q + row * rowStride,
                keys: keys,
                keyStride: stride,
                length: length,
                headSize: headSize,
                into: scores
            )
            Kernels.softmax(scores, count: length)
            weightedSum(
                scores,
                values: v,
                rowStride: rowStride,
                length: length,
                headSize: headSize,
                into: out + row * outStride
            )
            row += 1
        }
    }

    /// Scores of four consecutive query rows into `scores` (four rows of `length`).
    @inline(never)
    private static func scoreRows4(
        _ query: UnsafePointer<Float>,
        rowStride: Int,
        keys: UnsafePointer<Float>,
        keyStride: Int,
        length: Int,
        headSize: Int,
        into scores: UnsafeMutablePointer<Float>
    ) {
        let w = Self.width
        let q0 = query, q1 = query + rowStride, q2 = query + 2 * rowStride
        let q3 = query + 3 * rowStride
        var token = 0
        // 16 keys per step: eight accumulators, as many as the AVX registers hold.
        while token + 2 * w <= length {
            var s0 = Vector.zero, s1 = Vector.zero, s2 = Vector.zero, s3 = Vector.zero
            var t0 = Vector.zero, t1 = Vector.zero, t2 = Vector.zero, t3 = Vector.zero
            var key = keys + token
            for column in 0..<headSize {
                let k = Self.load(key)
                let l = Self.load(key + w)
                let a = Vector(repeating: q0[column])
                s0 += a * k
                t0 += a * l
                let b = Vector(repeating: q1[column])
                s1 += b * k
                t1 += b * l
                let c = Vector(repeating: q2[column])
                s2 += c * k
                t2 += c * l
                let d = Vector(repeating: q3[column])
                s3 += d * k
                t3 += d * l
                key += keyStride
            }
            Self.store(s0, scores + token)
            Self.store(t0, scores + token + w)
            Self.store(s1, scores + length + token)
            Self.store(t1, scores + length + token + w)
            Self.store(s2, scores + 2 * length + token)
            Self.store(t2, scores + 2 * length + token + w)
            Self.store(s3, scores + 3 * length + token)
            Self.store(t3, scores + 3 * length + token + w)
            token += 2 * w
        }
        while token + w <= length {
            var s0 = Vector.zero, s1 = Vector.zero, s2 = Vector.zero, s3 = Vector.zero
            var key = keys + token
            for column in 0..<headSize {
                let k = Self.load(key)
                s0 += Vector(repeating: q0[column]) * k
                s1 += Vector(repeating: q1[column]) * k
                s2 += Vector(repeating: q2[column]) * k
                s3 += Vector(repeating: q3[column]) * k
                key += keyStride
            }
            Self.store(s0, scores + token)
            Self.store(s1, scores + length + token)
            Self.store(s2, scores + 2 * length + token)
            Self.store(s3, scores + 3 * length + token)
            token += w
        }
        while token < length {
            for block in 0..<4 {
                let q = query + block * rowStride
                var sum: Float = 0
                for column in 0..<headSize { sum += q[column] * keys[column * keyStride + token] }
                scores[block * length + token] = sum
            }
            token += 1
        }
    }

    /// Context rows of four consecutive queries from their four probability rows.
    @inline(never)
    private static func weightedSums4(
        _ weights: UnsafePointer<Float>,
        values: UnsafePointer<Float>,
        rowStride: Int,
        length: Int,
        headSize: Int,
        into out: UnsafeMutablePointer<Float>,
        outStride: Int
    ) {
        let w = Self.width
        let p0 = weights, p1 = weights + length, p2 = weights + 2 * length
        let p3 = weights + 3 * length
        var column = 0
        // 16 columns per pass: full 64-byte lines of V and eight accumulators; then 8.
        while column + 2 * w <= headSize {
            var a0 = Vector.zero, a1 = Vector.zero, a2 = Vector.zero, a3 = Vector.zero
            var b0 = Vector.zero, b1 = Vector.zero, b2 = Vector.zero, b3 = Vector.zero
            var value = values + column
            for token in 0..<length {
                let v = Self.load(value)
                let u = Self.load(value + w)
                let p = Vector(repeating: p0[token])
                a0 += p * v
                b0 += p * u
                let q = Vector(repeating: p1[token])
                a1 += q * v
                b1 += q * u
                let r = Vector(repeating: p2[token])
                a2 += r * v
                b2 += r * u
                let t = Vector(repeating: p3[token])
                a3 += t * v
                b3 += t * u
                value += rowStride
            }
            Self.store(a0, out + column)
            Self.store(b0, out + column + w)
            Self.store(a1, out + outStride + column)
            Self.store(b1, out + outStride + column + w)
            Self.store(a2, out + 2 * outStride + column)
            Self.store(b2, out + 2 * outStride + column + w)
            Self.store(a3, out + 3 * outStride + column)
            Self.store(b3, out + 3 * outStride + column + w)
            column += 2 * w
        }
        while column < headSize {
            var a0 = Vector.zero, a1 = Vector.zero, a2 = Vector.zero, a3 = Vector.zero
            var value = values + column
            for token in 0..<length {
                let v = Self.load(value)
                a0 += Vector(repeating: p0[token]) * v
                a1 += Vector(repeating: p1[token]) * v
                a2 += Vector(repeating: p2[token]) * v
                a3 += Vector(repeating: p3[token]) * v
                value += rowStride
            }
            Self.store(a0, out + column)
            Self.store(a1, out + outStride + column)
            Self.store(a2, out + 2 * outStride + column)
            Self.store(a3, out + 3 * outStride + column)
            column += w
        }
    }

    /// `scores[j] = Σ_c query[c] · keys[c, j]` for all `j`: 64 keys at a time in four
    /// independent accumulators (one would make every add wait for the previous one).
    @inline(__always)
    private static func scoreRow(
        _ query: UnsafePointer<Float>,
        keys: UnsafePointer<Float>,
        keyStride: Int,
        length: Int,
        headSize: Int,
        into scores: UnsafeMutablePointer<Float>
    ) {
        let w = Self.width
        var token = 0
        while token + 4 * w <= length {
            var s0 = Vector.zero, s1 = Vector.zero, s2 = Vector.zero, s3 = Vector.zero
            var row = keys + token
            for column in 0..<headSize {
                let q = Vector(repeating: query[column])
                s0 += q * Self.load(row)
                s1 += q * Self.load(row + w)
                s2 += q * Self.load(row + 2 * w)
                s3 += q * Self.load(row + 3 * w)
                row += keyStride
            }
            Self.store(s0, scores + token)
            Self.store(s1, scores + token + w)
            Self.store(s2, scores + token + 2 * w)
            Self.store(s3, scores + token + 3 * w)
            token += 4 * w
        }
        while token + w <= length {
            var sum = Vector.zero
            for column in 0..<headSize {
                sum +=
                    Vector(repeating: query[column]) * Self.load(keys + column * keyStride + token)
            }
            Self.store(sum, scores + token)
            token += w
        }
        while token < length {
            var sum: Float = 0
            for column in 0..<headSize { sum += query[column] * keys[column * keyStride + token] }
            scores[token] = sum
            token += 1
        }
    }

    /// `out[c] = Σ_j weights[j] · values[j, c]`: 32 columns at a time, even and odd tokens in
    /// separate accumulators so four chains run side by side.
    @inline(__always)
    private static func weightedSum(
        _ weights: UnsafePointer<Float>,
        values: UnsafePointer<Float>,
        rowStride: Int,
        length: Int,
        headSize: Int,
        into out: UnsafeMutablePointer<Float>
    ) {
        let w = Self.width
        var column = 0
        while column < headSize {
            let pair = column + 2 * w <= headSize
            var a0 = Vector.zero, a1 = Vector.zero, b0 = Vector.zero, b1 = Vector.zero
            var row = values + column
            var token = 0
            while token + 2 <= length {
                let p = Vector(repeating: weights[token])
                let r = Vector(repeating: weights[token + 1])
                a0 += p * Self.load(row)
                b0 += r * Self.load(row + rowStride)
                if pair {
                    a1 += p * Self.load(row + w)
                    b1 += r * Self.load(row + rowStride + w)
                }
                row += 2 * rowStride
                token += 2
            }
            if token < length {
                let p = Vector(repeating: weights[token])
                a0 += p * Self.load(row)
                if pair { a1 += p * Self.load(row + w) }
            }
            Self.store(a0 + b0, out + column)
            if pair { Self.store(a1 + b1, out + column + w) }
            column += pair ? 2 * w : w
        }
    }
}
