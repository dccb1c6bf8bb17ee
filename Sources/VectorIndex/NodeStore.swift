/// The graph's nodes in flat, manually managed memory: vectors, levels, deleted flags and
/// neighbour lists.
///
/// Layout (hnswlib's, for the same reason: level 0 holds every node and is where searches
/// spend their time, so its lists sit in one array that a slot indexes directly):
/// - `vectors`: `capacity * dimension` floats, slot `s` at `s * dimension`.
/// - `packed`: the same vectors in bfloat16, `words` per slot (see `BFloat16Vectors`); searches
///   walk the graph on these and re-rank their results on `vectors`.
/// - `levels`: the node's top level, or -1 when the slot holds no node.
/// - `base`: level-0 lists, `m0 + 1` words per slot: `[count, neighbour...]`.
/// - `upper`: per slot, nil for level-0 nodes, else `level * (m + 1)` words laid out like
///   `base`, level 1 first.
///
/// A `NodeStore` value is a bundle of pointers: copying it is free and searches take a local
/// copy so their loops touch no class property. Only `HNSWGraph` allocates, grows and frees it,
/// always with its write lock held, so a copy taken under the read lock stays valid.
struct NodeStore {
    let dimension: Int
    let m: Int
    let m0: Int
    let metric: Distance
    /// Words per packed vector.
    let words: Int
    private(set) var capacity = 0
    private(set) var vectors: UnsafeMutablePointer<Float>
    private(set) var packed: UnsafeMutablePointer<UInt32>
    private(set) var levels: UnsafeMutablePointer<Int8>
    private(set) var deletedFlags: UnsafeMutablePointer<Bool>
    private(set) var base: UnsafeMutablePointer<UInt32>
    private(set) var upper: UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?>

    init(dimension: Int, m: Int, m0: Int, metric: Distance) {
        self.dimension = dimension
        self.m = m
        self.m0 = m0
        self.metric = metric
        self.words = BFloat16Vectors.words(forDimension: dimension)
        vectors = LargeAllocation.allocate(Float.self, count: 0)
        packed = LargeAllocation.allocate(UInt32.self, count: 0)
        levels = LargeAllocation.allocate(Int8.self, count: 0)
        deletedFlags = LargeAllocation.allocate(Bool.self, count: 0)
        base = LargeAllocation.allocate(UInt32.self, count: 0)
        upper = LargeAllocation.allocate(UnsafeMutablePointer<UInt32>?.self, count: 0)
    }

    // MARK: - Access

    @inline(__always) func vector(_ slot: Slot) -> UnsafeMutablePointer<Float> {
        vectors + Int(slot) * dimension
    }

    /// The list of `slot` on `level`: word 0 is the count, the neighbours follow.
    @inline(__always) func neighbors(_ slot: Slot, level: Int) -> UnsafeMutablePointer<UInt32> {
        if level == 0 { return base + Int(slot) * (m0 + 1) }
        return upper[Int(slot)].unsafelyUnwrapped + (level - 1) * (m + 1)
    }

    @inline(__always) func packedVector(_ slot: Slot) -> UnsafeMutablePointer<UInt32> {
        packed + Int(slot) &* words
    }

    /// The rank ("smaller is closer") of `slot`'s vector from `query`.
    @inline(__always) func rank(_ query: UnsafePointer<Float>, _ slot: Slot) -> Float {
        metric.rank(query, vector(slot), count: dimension)
    }

    /// The rank of `slot` from `query` on the bfloat16 copy: what graph walks order by.
    @inline(__always) func approximateRank(_ query: SplitQuery, _ slot: Slot) -> Float {
        let v = UnsafePointer(packedVector(slot))
        switch metric {
        case .cosine, .dot: return -BFloat16Kernels.dot(query, v)
        case .euclid: return BFloat16Kernels.squaredEuclidean(query, v)
        case .manhattan: return BFloat16Kernels.manhattan(query, v)
        }
    }

    /// The most neighbours a node keeps on `level` (paper Mmax0 on level 0, else Mmax = M).
    @inline(__always) func capacity(ofLevel level: Int) -> Int { level == 0 ? m0 : m }

    @inline(__always) func contains(_ slot: Slot) -> Bool {
        Int(slot) < capacity && levels[Int(slot)] >= 0
    }

    @inline(__always) func level(of slot: Slot) -> Int { Int(levels[Int(slot)]) }

    @inline(__always) func isDeleted(_ slot: Slot) -> Bool { deletedFlags[Int(slot)] }

    /// True when `slot` holds a node that is not marked deleted.
    @inline(__always) func isLive(_ slot: Slot) -> Bool { contains(slot) && !isDeleted(slot) }

    func neighborList(_ slot: Slot, level: Int) -> [Slot] {
        let list = neighbors(slot, level: level)
        return Array(UnsafeBufferPointer(start: list + 1, count: Int(list[0])))
    }

    /// True when the list of `slot` on `level` names `neighbor`.
    @inline(__always) func listContains(_ slot: Slot, level: Int, _ neighbor: Slot) -> Bool {
        let list = neighbors(slot, level: level)
        var index = 1
        while index <= Int(list[0]) {
            if list[index] == neighbor { return true }
            index += 1
        }
        return false
    }

    // MARK: - Mutation (write lock held)

    /// Replaces the list of `slot` on `level`; `list` must fit the level's capacity.
    func setNeighbors(_ slot: Slot, level: Int, to list: [Slot]) {
        precondition(list.count <= capacity(ofLevel: level), "list of \(list.count) overflows")
        let words = neighbors(slot, level: level)
        words[0] = UInt32(list.count)
        for (i, neighbor) in list.enumerated() { words[i + 1] = neighbor }
    }

    func setVector(_ slot: Slot, from source: UnsafePointer<Float>) {
        vector(slot).update(from: source, count: dimension)
        BFloat16Vectors.encode(source, count: dimension, into: packedVector(slot))
    }

    func setDeleted(_ slot: Slot, _ isDeleted: Bool) { deletedFlags[Int(slot)] = isDeleted }

    /// Makes `slot` a node of `level` with empty lists (replacing any node it held).
    func createNode(_ slot: Slot, level: Int) {
        removeNode(slot)
        levels[Int(slot)] = Int8(level)
        deletedFlags[Int(slot)] = false
        base[Int(slot) * (m0 + 1)] = 0
        if level > 0 {
            let words = UnsafeMutablePointer<UInt32>.allocate(capacity: level * (m + 1))
            words.initialize(repeating: 0, count: level * (m + 1))
            upper[Int(slot)] = words
        }
    }

    /// Turns `slot` back into an empty slot, freeing its upper lists.
    func removeNode(_ slot: Slot) {
        upper[Int(slot)]?.deallocate()
        upper[Int(slot)] = nil
        levels[Int(slot)] = -1
        deletedFlags[Int(slot)] = false
        base[Int(slot) * (m0 + 1)] = 0
    }

    /// Grows every array to hold at least `slots` slots (doubling, so appends are amortised).
    mutating func reserve(_ slots: Int) {
        guard slots > capacity else { return }
        let newCapacity = max(slots, capacity * 2, 64)
        vectors = Self.grow(vectors, from: capacity * dimension, to: newCapacity * dimension, 0)
        packed = Self.grow(packed, from: capacity * words, to: newCapacity * words, 0)
        levels = Self.grow(levels, from: capacity, to: newCapacity, -1)
        deletedFlags = Self.grow(deletedFlags, from: capacity, to: newCapacity, false)
        base = Self.grow(base, from: capacity * (m0 + 1), to: newCapacity * (m0 + 1), 0)
        upper = Self.grow(upper, from: capacity, to: newCapacity, nil)
        capacity = newCapacity
    }

    /// Frees all memory; the store must not be used afterwards.
    func deallocate() {
        for slot in 0..<capacity { upper[slot]?.deallocate() }
        LargeAllocation.deallocate(vectors)
        LargeAllocation.deallocate(packed)
        LargeAllocation.deallocate(levels)
        LargeAllocation.deallocate(deletedFlags)
        LargeAllocation.deallocate(base)
        LargeAllocation.deallocate(upper)
    }

    private static func grow<T>(
        _ old: UnsafeMutablePointer<T>, from oldCount: Int, to newCount: Int, _ fill: T
    ) -> UnsafeMutablePointer<T> {
        let new = LargeAllocation.allocate(T.self, count: newCount)
        new.moveInitialize(from: old, count: oldCount)
        (new + oldCount).initialize(repeating: fill, count: newCount - oldCount)
        LargeAllocation.deallocate(old)
        return new
    }
}
