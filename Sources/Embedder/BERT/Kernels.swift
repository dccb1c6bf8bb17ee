/// The element-wise and row-wise parts of the encoder: everything that is not a matrix
/// product or attention. Element-wise steps are plain loops over raw row-major buffers that
/// LLVM vectorises (no calls, no traps inside); reductions (sums for layer norm and softmax) use
/// explicit 16-lane accumulators, because float addition is not reassociated without fast-math.
///
/// `exp` and `erf` are polynomial/rational approximations accurate to a few float ulps (see
/// `KernelTests`), because the libm calls would cost more than the matrix products around them
/// (12 exps per token pair per layer in attention, one erf per intermediate activation).
enum Kernels {
    typealias Vector = SIMD16<Float>
    static let width = Vector.scalarCount

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Float>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, _ pointer: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    // MARK: - exp and erf

    // These are written as scalar functions over plain arithmetic, selects and bit casts, with
    // no calls and no traps, so that LLVM's loop vectoriser turns the loops that call them into
    // packed code. (Swift's generic SIMD `pointwiseMin`/`max()` lower to lane-by-lane loops
    // through the stack, which made softmax the most expensive step of the encoder.)

    /// `a * b + c`, fused into one instruction when the build targets FMA hardware (the
    /// manifest defines `VECD_HOST_FMA` together with `-target-cpu haswell`): the polynomial
    /// steps of `exp` and `erf` then cost one instruction each and round once. Elsewhere it is
    /// the plain expression, because `addingProduct` without FMA hardware is a libm call.
    @inline(__always)
    static func multiplyAdd(_ a: Float, _ b: Float, _ c: Float) -> Float {
        #if VECD_HOST_FMA
            return c.addingProduct(a, b)
        #else
            return a * b + c
        #endif
    }

    /// `e^x`: Cody–Waite reduction `x = n ln2 + r`, a degree-7 Taylor polynomial for `e^r`
    /// (|r| ≤ ln2/2, truncation error < 1e-8 relative), and `2^n` built in the exponent bits.
    /// Inputs are clamped to [-87, 88] so `2^n` stays a normal float.
    @inline(__always)
    static func exp(_ input: Float) -> Float {
        var x = input < -87 ? -87 : input
        x = x > 88 ? 88 : x
        // Adding 1.5 * 2^23 rounds to an integer and leaves it in the low mantissa bits.
        let magic: Float = 12_582_912
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        let r = multiplyAdd(
            n,
            -1.428_606_765_330_187e-6,
            multiplyAdd(n, -0.693_145_751_953_125, x)
        )
        var p: Float = 1.0 / 5040
        p = multiplyAdd(p, r, 1.0 / 720)
        p = multiplyAdd(p, r, 1.0 / 120)
        p = multiplyAdd(p, r, 1.0 / 24)
        p = multiplyAdd(p, r, 1.0 / 6)
        p = multiplyAdd(p, r, 0.5)
        p = multiplyAdd(p, r, 1)
        p = multiplyAdd(p, r, 1)
        let exponent = (shifted.bitPattern &- 0x4B40_0000 &+ 127) &<< 23
        return p * Float(bitPattern: exponent)
    }

    /// `erf(x)`: the odd/even rational minimax fit on [-4, 4] used by Eigen and XLA for float
    /// (beyond ±4, erf rounds to ±1 in float).
    @inline(__always)
    static func erf(_ input: Float) -> Float {
        var x = input < -4 ? -4 : input
        x = x > 4 ? 4 : x
        let x2 = x * x
        var p: Float = -2.726_142_258_013_06e-10
        p = multiplyAdd(p, x2, 2.770_681_424_959_02e-08)
        p = multiplyAdd(p, x2, -2.101_024_020_825_08e-06)
        p = multiplyAdd(p, x2, -5.692_506_394_623_46e-05)
        p = multiplyAdd(p, x2, -7.349_906_303_268_55e-04)
        p = multiplyAdd(p, x2, -2.954_599_808_540_25e-03)
        p = multiplyAdd(p, x2, -1.609_603_332_624_15e-02)
        var q: Float = -1.456_607_184_649_96e-05
        q = multiplyAdd(q, x2, -2.133_740_552_789_05e-04)
        q = multiplyAdd(q, x2, -1.682_826_974_382_03e-03)
        q = multiplyAdd(q, x2, -7.373_329_167_204_68e-03)
        q = multiplyAdd(q, x2, -1.426_473_905_141_89e-02)
        return x * p / q
    }

    // MARK: - Row operations

    /// `x = gelu(x + bias)` over `rows` rows of `width` floats, with the exact (erf) GELU
    /// `0.5 x (1 + erf(x / √2))` that BERT checkpoints were trained with.
    static func addBiasGELU(
        _ x: UnsafeMutablePointer<Float>,
        rows: Int,
        width: Int,
        bias: UnsafePointer<Float>
    ) {
        let inverseRoot2: Float = 0.707_106_781_186_547_5
        for row in 0..<rows {
            let base = x + row * width
            for column in 0..<width {
                let v = base[column] + bias[column]
                base[column] = 0.5 * v * (1 + erf(v * inverseRoot2))
            }
        }
    }

    /// `x = layerNorm(x + y + bias) * gamma + beta` row by row: the residual add and the
    /// post-LN of a BERT sub-layer in one pass over memory. `y` is clobbered (scratch).
    ///
    /// Variance is computed in a second pass over the row (in cache) rather than as
    /// `E[v²] - E[v]²`, which cancels badly in float.
    static func addBiasResidualLayerNorm(
        _ x: UnsafeMutablePointer<Float>,
        adding y: UnsafeMutablePointer<Float>,
        bias: UnsafePointer<Float>,
        rows: Int,
        width: Int,
        gamma: UnsafePointer<Float>,
        beta: UnsafePointer<Float>,
        epsilon: Float
    ) {
        precondition(width % Self.width == 0, "layer norm width \(width) is not a multiple of 16")
        for row in 0..<rows {
            let out = x + row * width
            let scratch = y + row * width
            var sum = Vector.zero
            for column in stride(from: 0, to: width, by: Self.width) {
                let v = load(scratch + column) + load(bias + column) + load(out + column)
                store(v, scratch + column)
                sum += v
            }
            normalizeRow(
                scratch,
                into: out,
                width: width,
                sum: sum.sum(),
                gamma: gamma,
                beta: beta,
                epsilon: epsilon
            )
        }
    }

    /// In-place layer norm of `rows` rows (the embedding layer's).
    static func layerNorm(
        _ x: UnsafeMutablePointer<Float>,
        rows: Int,
        width: Int,
        gamma: UnsafePointer<Float>,
        beta: UnsafePointer<Float>,
        epsilon: Float
    ) {
        precondition(width % Self.width == 0, "layer norm width \(width) is not a multiple of 16")
        for row in 0..<rows {
            let base = x + row * width
            var sum = Vector.zero
            for column in stride(from: 0, to: width, by: Self.width) { sum += load(base + column) }
            normalizeRow(
                base,
                into: base,
                width: width,
                sum: sum.sum(),
                gamma: gamma,
                beta: beta,
                epsilon: epsilon
            )
        }
    }

    @inline(__always)
    private static func normalizeRow(
        _ source: UnsafeMutablePointer<Float>,
        into out: UnsafeMutablePointer<Float>,
        width: Int,
        sum: Float,
        gamma: UnsafePointer<Float>,
        beta: UnsafePointer<Float>,
        epsilon: Float
    ) {
        let mean = Vector(repeating: sum / Float(width))
        var squares = Vector.zero
        for column in stride(from: 0, to: width, by: Self.width) {
            let d = load(source + column) - mean
            squares += d * d
        }
        let variance = squares.sum() / Float(width)
        let scale = Vector(repeating: 1 / (variance + epsilon).squareRoot())
        for column in stride(from: 0, to: width, by: Self.width) {
            let normalized = (load(source + column) - mean) * scale
            store(normalized * load(gamma + column) + load(beta + column), out + column)
        }
    }

    /// Softmax of each of `rows` rows of `width` floats, in place (attention probabilities).
    static func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        for row in 0..<rows { softmax(x + row * width, count: width) }
    }

    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        let inverse = 1 / exponentiate(x, count: count)
        for column in 0..<count { x[column] *= inverse }
    }

    /// `x = exp(x - max(x))` in place, returning the sum of the results: a softmax without its
    /// final division, which attention applies to the much shorter context row instead.
    /// Subtracting the maximum first keeps every exponent ≤ 0, so none overflows and the sum
    /// is at least 1.
    @inline(__always)
    static func exponentiate(_ x: UnsafeMutablePointer<Float>, count: Int) -> Float {
        let maximum = self.maximum(x, count: count)
        for column in 0..<count { x[column] = exp(x[column] - maximum) }
        return sum(x, count: count)
    }

    /// Largest of `count` floats (`-infinity` for none). Eight running maxima in locals give
    /// the SLP vectoriser independent lanes (a single select chain does not vectorise without
    /// fast-math, and SIMD's generic `max()` lowers to a lane-by-lane loop).
    @inline(__always)
    static func maximum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var m0 = -Float.infinity, m1 = m0, m2 = m0, m3 = m0, m4 = m0, m5 = m0, m6 = m0, m7 = m0
        var column = 0
        while column + 8 <= count {
            m0 = x[column] > m0 ? x[column] : m0
            m1 = x[column + 1] > m1 ? x[column + 1] : m1
            m2 = x[column + 2] > m2 ? x[column + 2] : m2
            m3 = x[column + 3] > m3 ? x[column + 3] : m3
            m4 = x[column + 4] > m4 ? x[column + 4] : m4
            m5 = x[column + 5] > m5 ? x[column + 5] : m5
            m6 = x[column + 6] > m6 ? x[column + 6] : m6
            m7 = x[column + 7] > m7 ? x[column + 7] : m7
            column += 8
        }
        while column < count {
            m0 = x[column] > m0 ? x[column] : m0
            column += 1
        }
        m0 = m1 > m0 ? m1 : m0
        m2 = m3 > m2 ? m3 : m2
        m4 = m5 > m4 ? m5 : m4
        m6 = m7 > m6 ? m7 : m6
        m0 = m2 > m0 ? m2 : m0
        m4 = m6 > m4 ? m6 : m4
        return m4 > m0 ? m4 : m0
    }

    /// `x *= factor` over `count` floats.
    @inline(__always)
    static func scale(_ x: UnsafeMutablePointer<Float>, count: Int, by factor: Float) {
        for column in 0..<count { x[column] *= factor }
    }

    /// Sum of `count` floats, accumulated in 16 lanes (a plain loop would not vectorise: float
    /// addition is not associative and Swift has no fast-math flag).
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = Vector.zero
        var column = 0
        while column + width <= count {
            lanes += load(x + column)
            column += width
        }
        var total = lanes.sum()
        while column < count {
            total += x[column]
            column += 1
        }
        return total
    }

    /// Adds `bias` (`width` floats) to each of `rows` rows whose starts are `stride` apart.
    static func addBias(
        _ x: UnsafeMutablePointer<Float>,
        rows: Int,
        width: Int,
        stride: Int,
        bias: UnsafePointer<Float>
    ) {
        for row in 0..<rows {
            let base = x + row * stride
            for column in 0..<width { base[column] += bias[column] }
        }
    }
}
