@testable import VectorIndex

/// A seeded SplitMix64 generator so every test run sees the same vectors.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `count` vectors of `dimension` uniform components in [-1, 1].
func randomVectors(count: Int, dimension: Int, seed: UInt64) -> [[Float]] {
    var generator = SeededGenerator(seed: seed)
    return (0..<count).map { _ in
        (0..<dimension).map { _ in Float.random(in: -1...1, using: &generator) }
    }
}

/// A graph holding `vectors` at slots 0..<count, built with a fixed level seed.
func makeGraph(
    _ vectors: [[Float]], distance: Distance = .euclid, m: Int = 16, efConstruction: Int = 64
) throws -> HNSWGraph {
    let parameters = HNSWParameters(m: m, efConstruction: efConstruction, levelSeed: 7)
    let graph = try HNSWGraph(
        dimension: vectors[0].count, distance: distance, parameters: parameters)
    graph.reserveCapacity(vectors.count)
    for (slot, vector) in vectors.enumerated() {
        try graph.insert(slot: Slot(slot), vector: vector)
    }
    return graph
}

/// Mean share of the exact top-k slots that the approximate results contain.
func recall(approximate: [[ScoredSlot]], exact: [[ScoredSlot]]) -> Double {
    var found = 0
    var total = 0
    for (a, e) in zip(approximate, exact) {
        let truth = Set(e.map(\.slot))
        found += a.filter { truth.contains($0.slot) }.count
        total += truth.count
    }
    return total == 0 ? 1 : Double(found) / Double(total)
}
