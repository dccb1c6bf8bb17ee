/// SIMD kernels behind `Distance`: dot product, squared Euclidean and Manhattan distance.
///
/// Each kernel walks the vectors in 32-float steps with two independent `SIMD16<Float>`
/// accumulators (so additions of consecutive steps do not wait on each other), then one
/// 16-float step, one 8-float step and a scalar tail. Loads are unaligned because vectors sit
/// back to back in the graph's storage at any dimension. The sum order differs from a plain
/// loop, so results match a scalar reference to rounding, not bit for bit.
public enum DistanceKernels {
    /// `sum(a[i] * b[i])` over `count` floats.
    /// - Complexity: O(`count`).
    @inlinable @inline(__always)
    public static func dot(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int
    ) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0.addProduct(load16(a, i), load16(b, i))
            acc1.addProduct(load16(a, i + 16), load16(b, i + 16))
            i += 32
        }
        if i + 16 <= count {
            acc0.addProduct(load16(a, i), load16(b, i))
            i += 16
        }
        var acc8 = SIMD8<Float>()
        if i + 8 <= count {
            acc8 = load8(a, i) * load8(b, i)
            i += 8
        }
        var sum = (acc0 + acc1).sum() + acc8.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `sum((a[i] - b[i])^2)` over `count` floats (Euclidean distance before the square root).
    /// - Complexity: O(`count`).
    @inlinable @inline(__always)
    public static func squaredEuclidean(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int
    ) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            let d0 = load16(a, i) - load16(b, i)
            let d1 = load16(a, i + 16) - load16(b, i + 16)
            acc0.addProduct(d0, d0)
            acc1.addProduct(d1, d1)
            i += 32
        }
        if i + 16 <= count {
            let d = load16(a, i) - load16(b, i)
            acc0.addProduct(d, d)
            i += 16
        }
        var acc8 = SIMD8<Float>()
        if i + 8 <= count {
            let d = load8(a, i) - load8(b, i)
            acc8 = d * d
            i += 8
        }
        var sum = (acc0 + acc1).sum() + acc8.sum()
        while i < count {
            let d = a[i] - b[i]
            sum += d * d
            i += 1
        }
        return sum
    }

    /// `sum(abs(a[i] - b[i]))` over `count` floats.
    /// - Complexity: O(`count`).
    @inlinable @inline(__always)
    public static func manhattan(
        _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int
    ) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            acc0 += abs16(load16(a, i) - load16(b, i))
            acc1 += abs16(load16(a, i + 16) - load16(b, i + 16))
            i += 32
        }
        if i + 16 <= count {
            acc0 += abs16(load16(a, i) - load16(b, i))
            i += 16
        }
        var sum = (acc0 + acc1).sum()
        while i < count {
            sum += abs(a[i] - b[i])
            i += 1
        }
        return sum
    }

    @inlinable @inline(__always)
    static func load16(_ p: UnsafePointer<Float>, _ offset: Int) -> SIMD16<Float> {
        UnsafeRawPointer(p + offset).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inlinable @inline(__always)
    static func load8(_ p: UnsafePointer<Float>, _ offset: Int) -> SIMD8<Float> {
        UnsafeRawPointer(p + offset).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// Lane-wise absolute value by clearing the sign bits (one AND, no compare and blend).
    @inlinable @inline(__always)
    static func abs16(_ v: SIMD16<Float>) -> SIMD16<Float> {
        let bits = unsafeBitCast(v, to: SIMD16<UInt32>.self) & SIMD16(repeating: 0x7fff_ffff)
        return unsafeBitCast(bits, to: SIMD16<Float>.self)
    }
}
