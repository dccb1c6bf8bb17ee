@testable import VectorIndex

/// Seeded so every test run sees the same vectors.
typealias SeededGenerator = SplitMix64

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

/// Mean share of each query's exact top-k (by `exactSearch` with `filter`) that the matching
/// row of `approximate` holds.
func recall(
    of approximate: [[ScoredSlot]], in graph: HNSWGraph, queries: [[Float]], k: Int,
    filter: ((Slot) -> Bool)? = nil
) throws -> Double {
    var found = 0
    var total = 0
    for (hits, query) in zip(approximate, queries) {
        let truth = Set(try graph.exactSearch(query: query, k: k, filter: filter).map(\.slot))
        found += hits.filter { truth.contains($0.slot) }.count
        total += truth.count
    }
    return total == 0 ? 1 : Double(found) / Double(total)
}

/// Recall@k of `graph.search` at `ef` over `queries`.
func searchRecall(
    _ graph: HNSWGraph, queries: [[Float]], k: Int = 10, ef: Int = 64
) throws -> Double {
    let approximate = try queries.map { try graph.search(query: $0, k: k, ef: ef) }
    return try recall(of: approximate, in: graph, queries: queries, k: k)
}
