/// How two vectors are compared (Qdrant's `Distance`).
///
/// Inside the index every metric is turned into one "smaller is better" number, the *rank*
/// (`rank(_:_:count:)`), so the graph code never asks which way a metric sorts. Scores leave the
/// index in Qdrant's units through `score(fromRank:)`:
///
/// | case        | rank                    | reported score            | best first |
/// |-------------|-------------------------|---------------------------|------------|
/// | `cosine`    | `-dot(a, b)` (unit)     | `dot(a, b)` in [-1, 1]    | descending |
/// | `dot`       | `-dot(a, b)`            | `dot(a, b)`               | descending |
/// | `euclid`    | `sum((a - b)^2)`        | `sqrt(rank)`              | ascending  |
/// | `manhattan` | `sum(abs(a - b))`       | `rank`                    | ascending  |
///
/// Cosine is a dot product on vectors normalised when they are written
/// (`normalizeIfNeeded(_:)`); a zero vector stays zero, so it scores 0 against everything
/// instead of NaN (case B29, Qdrant #1195).
public enum Distance: String, Sendable, CaseIterable {
    case cosine = "Cosine"
    case dot = "Dot"
    case euclid = "Euclid"
    case manhattan = "Manhattan"

    /// True when a larger reported score means a closer match (Cosine, Dot).
    public var higherScoreIsBetter: Bool {
        switch self {
        case .cosine, .dot: return true
        case .euclid, .manhattan: return false
        }
    }

    /// The "smaller is better" rank of `b` seen from `a`, as the index orders candidates.
    ///
    /// Both pointers must address `count` floats. Cosine expects both vectors already
    /// normalised (see `normalizeIfNeeded(_:)`).
    /// - Complexity: O(`count`).
    @inlinable @inline(__always)
    public func rank(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        switch self {
        case .cosine, .dot: return -DistanceKernels.dot(a, b, count: count)
        case .euclid: return DistanceKernels.squaredEuclidean(a, b, count: count)
        case .manhattan: return DistanceKernels.manhattan(a, b, count: count)
        }
    }

    /// The rank of `b` seen from `a` for two arrays of equal length (unequal lengths trap).
    public func rank(_ a: [Float], _ b: [Float]) -> Float {
        precondition(a.count == b.count, "rank of vectors of sizes \(a.count) and \(b.count)")
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                guard let x = pa.baseAddress, let y = pb.baseAddress else { return 0 }
                return rank(x, y, count: a.count)
            }
        }
    }

    /// Converts an internal rank to the score Qdrant reports; never NaN or infinite.
    ///
    /// Cosine scores are clamped to [-1, 1]: rounding in the normalisation and the dot product
    /// can put a vector's similarity with itself at 1.0000001, which clients read as a bug.
    /// (It can as well land at 0.99999994; compare self-similarity with a tolerance.)
    /// Overflowing sums (huge components) are clamped to the largest finite `Float` with the
    /// rank's sign, and a NaN (which finite, validated input cannot produce) reports 0.
    @inlinable
    public func score(fromRank rank: Float) -> Float {
        let raw: Float
        switch self {
        case .cosine: raw = min(max(-rank, -1), 1)
        case .dot: raw = -rank
        case .euclid: raw = rank > 0 ? rank.squareRoot() : 0
        case .manhattan: raw = rank
        }
        if raw.isFinite { return raw }
        if raw.isNaN { return 0 }
        return raw > 0 ? .greatestFiniteMagnitude : -.greatestFiniteMagnitude
    }

    /// The rank a reported score corresponds to, for turning a `score_threshold` into a bound
    /// on ranks: a point passes when `rank <= rank(fromScore: threshold)`.
    public func rank(fromScore score: Float) -> Float {
        switch self {
        case .cosine, .dot: return -score
        case .euclid: return score > 0 ? score * score : 0
        case .manhattan: return score
        }
    }

    /// The reported score between two vectors of equal length (the scalar entry point for
    /// callers outside the graph; normalises copies of both under Cosine).
    public func score(_ a: [Float], _ b: [Float]) -> Float {
        score(fromRank: rank(normalizedIfNeeded(a), normalizedIfNeeded(b)))
    }

    /// Scales `vector` to unit length under Cosine; other metrics and zero vectors are left as
    /// they are (a zero vector then scores 0 against anything, case B29).
    /// - Complexity: O(n).
    public func normalizeIfNeeded(_ vector: inout [Float]) {
        guard self == .cosine else { return }
        let count = vector.count
        vector.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let squaredNorm = DistanceKernels.dot(base, base, count: count)
            // A non-finite norm means components overflowed when squared; the caller's
            // validation rejects non-finite input, so scale down first to keep precision.
            guard squaredNorm > 0 else { return }
            if squaredNorm.isFinite {
                let inverse = 1 / squaredNorm.squareRoot()
                for i in 0..<count { base[i] *= inverse }
            } else {
                Self.normalizeLarge(base, count: count)
            }
        }
    }

    /// A copy of `vector`, unit length under Cosine (see `normalizeIfNeeded(_:)`).
    public func normalizedIfNeeded(_ vector: [Float]) -> [Float] {
        var copy = vector
        normalizeIfNeeded(&copy)
        return copy
    }

    /// Normalises a vector whose squared norm overflows `Float`, by dividing by the largest
    /// magnitude first.
    private static func normalizeLarge(_ base: UnsafeMutablePointer<Float>, count: Int) {
        var largest: Float = 0
        for i in 0..<count { largest = max(largest, abs(base[i])) }
        guard largest.isFinite, largest > 0 else { return }
        for i in 0..<count { base[i] /= largest }
        let norm = DistanceKernels.dot(base, base, count: count).squareRoot()
        for i in 0..<count { base[i] /= norm }
    }
}
