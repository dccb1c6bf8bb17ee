/// The graph's second copy of every vector, in bfloat16, which searches walk the graph with.
///
/// Why: a search spends most of its time waiting for vectors to arrive from memory (each 384-d
/// float vector is 24 cache lines, and a query touches a thousand or more of them). bfloat16
/// keeps float's 8-bit exponent and the top 8 bits of its significand, so the copy is half the
/// size and decoding is a shift or a mask, with a relative error of at most 2^-9 per component.
/// That error reorders only near-ties while walking; the results are re-ranked with the exact
/// float vectors before they are returned, so reported scores are exact.
///
/// Layout: two components per 32-bit word, component `2j` in the low half and `2j + 1` in the
/// high half (a zero pads an odd dimension). Decoding word `w` gives `Float(bits: w << 16)`
/// and `Float(bits: w & 0xFFFF_0000)`, so the kernels pair it with a query split the same way
/// (`SplitQuery`) and never shuffle lanes.
enum BFloat16Vectors {
    /// Words per vector of `dimension` components.
    @inline(__always) static func words(forDimension dimension: Int) -> Int { (dimension + 1) / 2 }

    /// Encodes `count` floats into `(count + 1) / 2` words, rounding to nearest even.
    static func encode(
        _ source: UnsafePointer<Float>, count: Int, into words: UnsafeMutablePointer<UInt32>
    ) {
        for j in 0..<((count + 1) / 2) {
            let low = round(source[2 * j])
            let high = 2 * j + 1 < count ? round(source[2 * j + 1]) : 0
            words[j] = UInt32(low) | UInt32(high) << 16
        }
    }

    /// The top 16 bits of `value`, rounded to nearest even. Finite inputs near the top of the
    /// float range may round to infinity; `HNSWGraph` only uses these copies to order candidates.
    @inline(__always) static func round(_ value: Float) -> UInt16 {
        let bits = value.bitPattern
        let rounded = bits &+ 0x7FFF &+ ((bits >> 16) & 1)
        return UInt16(truncatingIfNeeded: rounded >> 16)
    }
}

/// A query laid out for the bfloat16 kernels: its even components, then its odd ones, each
/// `words` long (zero-padded).
struct SplitQuery {
    let even: UnsafePointer<Float>
    let odd: UnsafePointer<Float>
    let words: Int
}

/// Rank kernels between a `SplitQuery` and a bfloat16 vector, mirroring `DistanceKernels`.
enum BFloat16Kernels {
    @inline(__always)
    static func dot(_ q: SplitQuery, _ v: UnsafePointer<UInt32>) -> Float {
        var even = SIMD16<Float>(), odd = SIMD16<Float>()
        var j = 0
        while j + 16 <= q.words {
            let (low, high) = decode16(v, j)
            even.addProduct(DistanceKernels.load16(q.even, j), low)
            odd.addProduct(DistanceKernels.load16(q.odd, j), high)
            j += 16
        }
        var sum = (even + odd).sum()
        while j < q.words {
            let (low, high) = decode1(v[j])
            sum += q.even[j] * low + q.odd[j] * high
            j += 1
        }
        return sum
    }

    @inline(__always)
    static func squaredEuclidean(_ q: SplitQuery, _ v: UnsafePointer<UInt32>) -> Float {
        var even = SIMD16<Float>(), odd = SIMD16<Float>()
        var j = 0
        while j + 16 <= q.words {
            let (low, high) = decode16(v, j)
            let de = DistanceKernels.load16(q.even, j) - low
            let dodd = DistanceKernels.load16(q.odd, j) - high
            even.addProduct(de, de)
            odd.addProduct(dodd, dodd)
            j += 16
        }
        var sum = (even + odd).sum()
        while j < q.words {
            let (low, high) = decode1(v[j])
            sum += (q.even[j] - low) * (q.even[j] - low) + (q.odd[j] - high) * (q.odd[j] - high)
            j += 1
        }
        return sum
    }

    @inline(__always)
    static func manhattan(_ q: SplitQuery, _ v: UnsafePointer<UInt32>) -> Float {
        var sum16 = SIMD16<Float>()
        var j = 0
        while j + 16 <= q.words {
            let (low, high) = decode16(v, j)
            sum16 += DistanceKernels.abs16(DistanceKernels.load16(q.even, j) - low)
            sum16 += DistanceKernels.abs16(DistanceKernels.load16(q.odd, j) - high)
            j += 16
        }
        var sum = sum16.sum()
        while j < q.words {
            let (low, high) = decode1(v[j])
            sum += abs(q.even[j] - low) + abs(q.odd[j] - high)
            j += 1
        }
        return sum
    }

    @inline(__always)
    private static func decode16(
        _ v: UnsafePointer<UInt32>, _ j: Int
    ) -> (SIMD16<Float>, SIMD16<Float>) {
        let w = UnsafeRawPointer(v + j).loadUnaligned(as: SIMD16<UInt32>.self)
        let low = unsafeBitCast(w &<< 16, to: SIMD16<Float>.self)
        let high = unsafeBitCast(w & SIMD16(repeating: 0xFFFF_0000), to: SIMD16<Float>.self)
        return (low, high)
    }

    @inline(__always) private static func decode1(_ w: UInt32) -> (Float, Float) {
        (Float(bitPattern: w << 16), Float(bitPattern: w & 0xFFFF_0000))
    }
}
