import Foundation

/// Counts of graph searches and the nodes they visited, for the `vecd_hnsw_*` metrics.
///
/// The caller owns one per scope it reports on (the store keeps one per tenant) and passes it
/// to `HNSWGraph.search`; it outlives any one graph, so the counts only ever grow.
public final class SearchStatistics: @unchecked Sendable {
    private let lock = NSLock()
    private var searchCount: UInt64 = 0
    private var visitedCount: UInt64 = 0

    public init() {}

    /// Adds one search that marked `visitedNodes` nodes visited (on every level it walked
    /// with the visited set, which is level 0).
    public func record(visitedNodes: Int) {
        lock.lock()
        searchCount &+= 1
        visitedCount &+= UInt64(max(0, visitedNodes))
        lock.unlock()
    }

    /// Searches so far and nodes they visited.
    public var snapshot: (searches: UInt64, visitedNodes: UInt64) {
        lock.lock()
        defer { lock.unlock() }
        return (searchCount, visitedCount)
    }
}
