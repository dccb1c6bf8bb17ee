import VectorIndex

/// Score kernels for exact search and Cosine normalisation on write.
///
/// TODO(storage): replace with `Distance.normalizeIfNeeded` and the index branch's kernels
/// once `index` is merged, so stored vectors and graph scores come from one implementation.
enum Scoring {
    /// Cosine vectors are stored unit length, as Qdrant does; a zero vector (or one whose
    /// norm is not a positive finite number) is stored as given and scores 0 against anything.
    static func normalizedIfNeeded(_ vector: [Float], distance: Distance) -> [Float] {
        guard distance == .cosine else { return vector }
        var sum: Float = 0
        for value in vector { sum += value * value }
        let norm = sum.squareRoot()
        guard norm > 0, norm.isFinite else { return vector }
        return vector.map { $0 / norm }
    }

    /// The score Qdrant reports: similarity for Cosine/Dot, distance for Euclid/Manhattan.
    /// `query` is already normalised for Cosine.
    @inline(__always)
    static func score(
        _ distance: Distance, _ query: UnsafeBufferPointer<Float>, _ vector: UnsafeBufferPointer<Float>
    ) -> Float {
        var total: Float = 0
        switch distance {
        case .cosine, .dot:
            for index in 0..<query.count { total += query[index] * vector[index] }
            return total
        case .euclid:
            for index in 0..<query.count {
                let delta = query[index] - vector[index]
                total += delta * delta
            }
            return total.squareRoot()
        case .manhattan:
            for index in 0..<query.count { total += abs(query[index] - vector[index]) }
            return total
        }
    }

    /// Whether `lhs` ranks before `rhs` (higher similarity, or lower distance).
    @inline(__always)
    static func isBetter(_ lhs: Float, than rhs: Float, _ distance: Distance) -> Bool {
        switch distance {
        case .cosine, .dot: return lhs > rhs
        case .euclid, .manhattan: return lhs < rhs
        }
    }

    /// Whether `score` passes `score_threshold` (at least it for similarities, at most it
    /// for distances, as Qdrant applies it).
    static func passes(_ score: Float, threshold: Float?, _ distance: Distance) -> Bool {
        guard let threshold else { return true }
        switch distance {
        case .cosine, .dot: return score >= threshold
        case .euclid, .manhattan: return score <= threshold
        }
    }

    /// Scores that are NaN or infinite (overflowing Dot products) are clamped so JSON never
    /// carries them.
    static func finite(_ score: Float) -> Float {
        if score.isNaN { return 0 }
        if score == .infinity { return .greatestFiniteMagnitude }
        if score == -.infinity { return -.greatestFiniteMagnitude }
        return score
    }
}

/// Keeps the best `capacity` (score, id) pairs seen; ties broken by smaller id.
struct TopK {
    let capacity: Int
    let distance: Distance
    private(set) var items: [(score: Float, point: PointID)] = []

    init(capacity: Int, distance: Distance) {
        self.capacity = capacity
        self.distance = distance
        items.reserveCapacity(min(capacity, 4096) + 1)
    }

    private func ranks(_ lhs: (score: Float, point: PointID), before rhs: (score: Float, point: PointID))
        -> Bool
    {
        if lhs.score != rhs.score { return Scoring.isBetter(lhs.score, than: rhs.score, distance) }
        return lhs.point < rhs.point
    }

    mutating func offer(score: Float, point: PointID) {
        guard capacity > 0 else { return }
        let item = (score: score, point: point)
        if items.count == capacity, let worst = items.last, !ranks(item, before: worst) { return }
        // Binary insertion keeps `items` sorted best-first; capacity is small (limit + offset).
        var low = 0
        var high = items.count
        while low < high {
            let middle = (low + high) / 2
            if ranks(items[middle], before: item) { low = middle + 1 } else { high = middle }
        }
        items.insert(item, at: low)
        if items.count > capacity { items.removeLast() }
    }
}
