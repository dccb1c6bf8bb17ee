// HNSW: Yu. A. Malkov, D. A. Yashunin, "Efficient and robust approximate nearest neighbor search
// using Hierarchical Navigable Small World graphs", IEEE TPAMI 42(4), 2020 (arXiv:1603.09320).
//
// Where this implementation departs from the paper, and why:
// - Deletion marks a node deleted instead of unlinking it (as hnswlib, Qdrant and Redis do):
//   deleted nodes keep the graph connected and are still traversed, but never returned. The
//   paper's Alg. 2 stop rule counts every node, so a search through a half-deleted region
//   could end with fewer than `k` live results (hnswlib PR#344, case B10); here the stop rule
//   only counts accepted (live, filter-passing) nodes, and the search runs until it holds `ef`
//   of them or the reachable graph is exhausted. Filters use the same rule during traversal.
// - The entry point is never a deleted node while a live one exists: deleting it promotes the
//   live node of highest level, and the graph's top level drops to that node's level.
// - Neighbour selection is Alg. 4 without its `extendCandidates` and
//   `keepPrunedConnections` options (both off, as in hnswlib and Qdrant), and the next level
//   is entered from the single closest node rather than the whole candidate set W.
// - Re-inserting a slot (an update) keeps the node's level, replaces its vector and recomputes
//   its outgoing lists. Nodes within two hops of its old place whose lists still name it
//   (and that the new placement did not choose) re-select their lists from their entries and
//   its old neighbours, much as hnswlib's updatePoint does for its neighbours; nodes farther
//   away that point at it keep their link (valid, if longer), as finding them needs a scan.
// - When every neighbour a new node picked prunes it from its own list (outliers, updates
//   that move a node far), the nearest one takes it anyway in place of its farthest entry, so
//   at least one link leads to every node.
// - Walks rank candidates on a bfloat16 copy of the vectors (half the memory traffic, which is
//   what a search waits on) and re-rank the final candidates on the float vectors, so scores
//   and the order of returned results are exact; see `BFloat16Vectors`.
// - `compact()` reclaims deleted nodes in one pass: every live node that points at a deleted
//   one keeps its live neighbours and refills the room from the live nodes behind the deleted
//   ones (heuristic picks first, then the nearest), after which the deleted slots hold nothing
//   and can be reused. The paper has no deletion at all.
//
// How a caller persists and restores a graph (the collection layer does this in RocksDB):
// 1. The caller owns the `PointID <-> Slot` map and chooses slots: dense, from 0, reusing the
//    slots `compact()` frees. The graph grows to the largest slot it has seen.
// 2. After `insert(slot:vector:)`, write in one batch: the point's vector as `vector(at:)`
//    returns it (normalised under Cosine), `nodeRecord(at:)!.serialized()` for every slot in
//    the returned set, and `metadata.serialized()`. After `delete(slot:)` that returned true,
//    write the slot's node record and the metadata. After `compact()`, write the records of
//    `changedSlots`, delete the records of `freedSlots`, and write the metadata.
//    Hold one collection-level writer lock from the mutation until its batch is written:
//    records are read after the graph publishes them, so two writers racing between mutation
//    and write could land an older copy of a shared neighbour's record last.
// 3. To reopen, create an empty graph with the same dimension, distance and parameters, then
//    call `restore(metadata:nodes:)` with every stored node record and its vector. Nothing is
//    recomputed, and the restored graph answers every search exactly as the original did.
//
// Concurrency: see `HNSWGraph`'s doc comment.

import Foundation

/// The dense internal id of a node (Qdrant's point offset, hnswlib's internal id). The caller
/// maps external point ids to slots; `Slot.max` is reserved.
public typealias Slot = UInt32

/// A search hit: the slot and its score in the units Qdrant reports for the graph's distance.
public struct ScoredSlot: Sendable, Equatable {
    /// The node's slot; the caller maps it back to its point id.
    public var slot: Slot
    /// The score in Qdrant's units: higher is better for Cosine and Dot, lower for Euclid and
    /// Manhattan (see `Distance`). Always finite.
    public var score: Float

    /// A hit with the given slot and score.
    public init(slot: Slot, score: Float) {
        self.slot = slot
        self.score = score
    }
}

/// A Hierarchical Navigable Small World graph over `Float` vectors of one dimension.
///
/// Thread safety (`@unchecked Sendable`): every method may be called from any thread.
/// - Searches and reads take a pthread read lock, so they run in parallel with one another.
/// - Mutations (`insert`, `delete`, `compact`, `restore`) are serialised by `mutationLock`.
///   An insert does its expensive part, finding neighbours and pruning their lists, while
///   holding only that lock, so searches keep running meanwhile; it takes the write lock
///   twice for short copies: to store the vector, and to publish the new lists.
///   Searches therefore see either the old or the new neighbour lists, never a mix within
///   one list. The only writer of node memory is the thread holding `mutationLock`, which is
///   why that thread may read without the read lock.
public final class HNSWGraph: @unchecked Sendable {
    /// Components per vector.
    public let dimension: Int
    /// How vectors are compared and scores reported.
    public let distance: Distance
    /// Build settings, fixed for the graph's life.
    public let parameters: HNSWParameters

    var store: NodeStore
    /// Where every search starts: a live node of level `topLevel` (deleted only when no live
    /// node is left), or nil when the graph holds no node.
    var entryPoint: Slot?
    var topLevel = 0
    var liveCount = 0
    /// One past the highest slot that has ever held a node since creation or restore.
    var slotHighWater = 0
    var levelGenerator: LevelGenerator

    let rwLock = ReadWriteLock()
    let mutationLock = NSLock()
    let scratchPool = ScratchPool()

    /// Creates an empty graph.
    /// - Throws: `IndexError.invalidParameter` for a dimension below 1 or parameters out of
    ///   range.
    public init(dimension: Int, distance: Distance, parameters: HNSWParameters = .init()) throws {
        guard dimension >= 1 else {
            throw IndexError.invalidParameter(name: "dimension", value: dimension, allowed: ">= 1")
        }
        try parameters.validate()
        self.dimension = dimension
        self.distance = distance
        self.parameters = parameters
        self.store = NodeStore(
            dimension: dimension, m: parameters.m, m0: parameters.m0, metric: distance)
        self.levelGenerator = LevelGenerator(
            seed: parameters.levelSeed, multiplier: parameters.levelMultiplier)
    }

    deinit { store.deallocate() }

    // MARK: - Reading

    /// Live (inserted and not deleted) nodes.
    public var count: Int { rwLock.withReadLock { liveCount } }

    /// One past the highest slot in use: the size an external slot-indexed array needs.
    public var slotCount: Int { rwLock.withReadLock { slotHighWater } }

    /// True when `slot` holds a live node.
    public func contains(_ slot: Slot) -> Bool {
        rwLock.withReadLock { store.isLive(slot) }
    }

    /// True when `slot` holds a node marked deleted (not yet reclaimed by `compact()`).
    public func isDeleted(_ slot: Slot) -> Bool {
        rwLock.withReadLock { store.contains(slot) && store.isDeleted(slot) }
    }

    /// True when `slot` holds a node, live or marked deleted: false only for a slot that was
    /// never used or that `compact()` freed, which the caller may give to a new point.
    public func holdsNode(_ slot: Slot) -> Bool {
        rwLock.withReadLock { store.contains(slot) }
    }

    /// The vector stored for `slot` (unit length under Cosine), or nil for an empty slot.
    /// Deleted nodes still report theirs until `compact()` frees the slot.
    public func vector(at slot: Slot) -> [Float]? {
        rwLock.withReadLock {
            guard store.contains(slot) else { return nil }
            return Array(UnsafeBufferPointer(start: store.vector(slot), count: dimension))
        }
    }

    /// Grows storage for `slots` slots ahead of a bulk load, so inserts do not reallocate.
    public func reserveCapacity(_ slots: Int) {
        mutationLock.lock()
        defer { mutationLock.unlock() }
        rwLock.withWriteLock { store.reserve(slots) }
    }

    // MARK: - Input checks

    /// Copies `vector` for storage or search: checks its size and finiteness and normalises it
    /// under Cosine.
    func prepared(_ vector: [Float]) throws -> [Float] {
        guard vector.count == dimension else {
            throw IndexError.dimensionMismatch(expected: dimension, actual: vector.count)
        }
        if let index = vector.firstIndex(where: { !$0.isFinite }) {
            throw IndexError.nonFiniteComponent(index: index, value: vector[index])
        }
        return distance.normalizedIfNeeded(vector)
    }
}
