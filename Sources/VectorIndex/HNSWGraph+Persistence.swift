/// Node and metadata records, their byte encoding, and rebuilding a graph from them.
///
/// Encodings are little-endian and start with a format version byte, so a later format can
/// still read these. Node record (v1): `[1, flags, level]`, then per level 0...level a `UInt16`
/// count followed by that many `UInt32` slots; flag bit 0 means deleted. Metadata (v1): `[1,
/// distance code, UInt32 dimension, UInt16 m, UInt16 m0, UInt32 entry point (Slot.max for
/// none), UInt8 top level, UInt64 live count]`.

/// What the graph stores for one node, apart from its vector.
public struct HNSWNodeRecord: Sendable, Equatable {
    /// The node's top level; it has a neighbour list on every level 0...level.
    public var level: Int
    /// `neighbors[l]` is the list on level `l`.
    public var neighbors: [[Slot]]
    /// Marked deleted: traversed by searches, never returned.
    public var isDeleted: Bool

    /// A record as `HNSWGraph.nodeRecord(at:)` makes it; `neighbors` needs `level + 1` lists.
    public init(level: Int, neighbors: [[Slot]], isDeleted: Bool) {
        self.level = level
        self.neighbors = neighbors
        self.isDeleted = isDeleted
    }

    static let formatVersion: UInt8 = 1

    /// The record's byte encoding (see the file comment).
    public func serialized() -> [UInt8] {
        var bytes: [UInt8] = [Self.formatVersion, isDeleted ? 1 : 0, UInt8(level)]
        bytes.reserveCapacity(3 + neighbors.reduce(0) { $0 + 2 + 4 * $1.count })
        for list in neighbors {
            appendLittleEndian(UInt16(list.count), to: &bytes)
            for slot in list { appendLittleEndian(slot, to: &bytes) }
        }
        return bytes
    }

    /// Decodes `serialized()` output.
    /// - Throws: `IndexError.corruptRecord` naming what is wrong.
    public init(bytes: [UInt8]) throws {
        var reader = ByteReader(bytes: bytes, what: "node record")
        let version = try reader.read(UInt8.self)
        guard version == Self.formatVersion else {
            throw IndexError.corruptRecord("node record version \(version) is not supported")
        }
        let flags = try reader.read(UInt8.self)
        let level = Int(try reader.read(UInt8.self))
        guard level <= HNSWParameters.maxLevel else {
            throw IndexError.corruptRecord("node level \(level) exceeds \(HNSWParameters.maxLevel)")
        }
        var neighbors: [[Slot]] = []
        for _ in 0...level {
            let count = Int(try reader.read(UInt16.self))
            neighbors.append(try (0..<count).map { _ in try reader.read(Slot.self) })
        }
        try reader.expectEnd()
        self.init(level: level, neighbors: neighbors, isDeleted: flags & 1 != 0)
    }
}

/// Graph-wide state that is not part of any node: write it with every batch of node records.
public struct HNSWGraphMetadata: Sendable, Equatable {
    /// The graph's distance, checked on restore.
    public var distance: Distance
    /// The graph's vector size, checked on restore.
    public var dimension: Int
    /// Paper M of the graph, checked on restore (lists longer than it would not fit).
    public var m: Int
    /// Paper Mmax0 of the graph, checked on restore.
    public var m0: Int
    /// Where searches start; nil for a graph with no nodes.
    public var entryPoint: Slot?
    /// The entry point's level.
    public var topLevel: Int
    /// Nodes not marked deleted.
    public var liveCount: Int

    static let formatVersion: UInt8 = 1

    /// The metadata's byte encoding (see the file comment).
    public func serialized() -> [UInt8] {
        let code = UInt8(Distance.allCases.firstIndex(of: distance)!)
        var bytes: [UInt8] = [Self.formatVersion, code]
        appendLittleEndian(UInt32(dimension), to: &bytes)
        appendLittleEndian(UInt16(m), to: &bytes)
        appendLittleEndian(UInt16(m0), to: &bytes)
        appendLittleEndian(entryPoint ?? .max, to: &bytes)
        bytes.append(UInt8(topLevel))
        appendLittleEndian(UInt64(liveCount), to: &bytes)
        return bytes
    }

    /// Decodes `serialized()` output.
    /// - Throws: `IndexError.corruptRecord` naming what is wrong.
    public init(bytes: [UInt8]) throws {
        var reader = ByteReader(bytes: bytes, what: "graph metadata")
        let version = try reader.read(UInt8.self)
        guard version == Self.formatVersion else {
            throw IndexError.corruptRecord("graph metadata version \(version) is not supported")
        }
        let code = Int(try reader.read(UInt8.self))
        guard code < Distance.allCases.count else {
            throw IndexError.corruptRecord("distance code \(code) is unknown")
        }
        distance = Distance.allCases[code]
        dimension = Int(try reader.read(UInt32.self))
        m = Int(try reader.read(UInt16.self))
        m0 = Int(try reader.read(UInt16.self))
        let entry = try reader.read(Slot.self)
        entryPoint = entry == .max ? nil : entry
        topLevel = Int(try reader.read(UInt8.self))
        liveCount = Int(try reader.read(UInt64.self))
        try reader.expectEnd()
    }

    init(graph: HNSWGraph) {
        distance = graph.distance
        dimension = graph.dimension
        m = graph.parameters.m
        m0 = graph.parameters.m0
        entryPoint = graph.entryPoint
        topLevel = graph.topLevel
        liveCount = graph.liveCount
    }
}

extension HNSWGraph {
    /// A stored node to restore: its slot, its record and its vector as `vector(at:)` gave it.
    public typealias StoredNode = (slot: Slot, record: HNSWNodeRecord, vector: [Float])

    /// The graph-wide record to persist with every batch of node records.
    public var metadata: HNSWGraphMetadata {
        rwLock.withReadLock { HNSWGraphMetadata(graph: self) }
    }

    /// The record of the node at `slot`, or nil when the slot holds no node.
    public func nodeRecord(at slot: Slot) -> HNSWNodeRecord? {
        rwLock.withReadLock {
            guard store.contains(slot) else { return nil }
            let level = store.level(of: slot)
            return HNSWNodeRecord(
                level: level,
                neighbors: (0...level).map { store.neighborList(slot, level: $0) },
                isDeleted: store.isDeleted(slot))
        }
    }

    /// Rebuilds the graph from persisted records without computing any distance.
    ///
    /// Call on a graph created with the same dimension, distance and parameters and not yet
    /// used (misuse traps). Nodes may come in any order. Vectors are taken as given, so pass
    /// what `vector(at:)` returned: re-normalising would change scores in the last bit.
    /// - Throws: `IndexError.corruptRecord` when the records do not form a valid graph (a
    ///   list names a missing slot, a list is too long, the entry point or count disagrees
    ///   with the nodes); `IndexError.dimensionMismatch` for a vector of the wrong size. The
    ///   graph stays empty when it throws.
    /// - Complexity: O(total neighbours + n · dimension).
    public func restore(metadata: HNSWGraphMetadata, nodes: some Sequence<StoredNode>) throws {
        mutationLock.lock()
        defer { mutationLock.unlock() }
        precondition(slotHighWater == 0, "restore(metadata:nodes:) called on a used graph")
        try checkCompatible(metadata)

        var loaded = NodeStore(
            dimension: dimension, m: parameters.m, m0: parameters.m0, metric: distance)
        var highWater = 0
        var live = 0
        do {
            for node in nodes {
                try load(node, into: &loaded)
                highWater = max(highWater, Int(node.slot) + 1)
                if !node.record.isDeleted { live += 1 }
            }
            try validateRestored(loaded, highWater: highWater, live: live, metadata: metadata)
        } catch {
            loaded.deallocate()
            throw error
        }
        rwLock.withWriteLock {
            store.deallocate()
            store = loaded
            slotHighWater = highWater
            liveCount = live
            entryPoint = metadata.entryPoint
            topLevel = metadata.topLevel
        }
    }

    private func checkCompatible(_ metadata: HNSWGraphMetadata) throws {
        let expected = "\(distance.rawValue) dim \(dimension) m \(parameters.m)/\(parameters.m0)"
        let found = "\(metadata.distance.rawValue) dim \(metadata.dimension) "
            + "m \(metadata.m)/\(metadata.m0)"
        guard expected == found else {
            throw IndexError.corruptRecord("metadata is for \(found), graph is \(expected)")
        }
    }

    private func load(_ node: StoredNode, into loaded: inout NodeStore) throws {
        let (slot, record, vector) = node
        guard slot != .max else { throw IndexError.slotOutOfRange(slot) }
        guard vector.count == dimension else {
            throw IndexError.dimensionMismatch(expected: dimension, actual: vector.count)
        }
        guard record.neighbors.count == record.level + 1 else {
            throw IndexError.corruptRecord(
                "slot \(slot): level \(record.level) with \(record.neighbors.count) lists")
        }
        loaded.reserve(Int(slot) + 1)
        guard !loaded.contains(slot) else {
            throw IndexError.corruptRecord("slot \(slot) appears twice")
        }
        loaded.createNode(slot, level: record.level)
        loaded.setDeleted(slot, record.isDeleted)
        vector.withUnsafeBufferPointer { loaded.setVector(slot, from: $0.baseAddress!) }
        for (level, list) in record.neighbors.enumerated() {
            guard list.count <= loaded.capacity(ofLevel: level) else {
                throw IndexError.corruptRecord(
                    "slot \(slot) has \(list.count) neighbours on level \(level)")
            }
            loaded.setNeighbors(slot, level: level, to: list)
        }
    }

    private func validateRestored(
        _ loaded: NodeStore, highWater: Int, live: Int, metadata: HNSWGraphMetadata
    ) throws {
        if let problem = firstStructuralProblem(in: loaded, highWater: highWater) {
            throw IndexError.corruptRecord(problem)
        }
        guard live == metadata.liveCount else {
            throw IndexError.corruptRecord(
                "metadata counts \(metadata.liveCount) live nodes, records hold \(live)")
        }
        if let entry = metadata.entryPoint {
            guard loaded.contains(entry), loaded.level(of: entry) == metadata.topLevel else {
                throw IndexError.corruptRecord(
                    "entry point \(entry) at level \(metadata.topLevel) is not in the records")
            }
        } else if highWater > 0 {
            throw IndexError.corruptRecord("metadata has no entry point but nodes exist")
        }
    }
}

// MARK: - Byte helpers

private func appendLittleEndian<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
    withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
}

/// Reads little-endian integers from a byte array, throwing instead of reading past the end.
private struct ByteReader {
    let bytes: [UInt8]
    let what: String
    var offset = 0

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws -> T {
        let size = MemoryLayout<T>.size
        guard offset + size <= bytes.count else {
            throw IndexError.corruptRecord("\(what) ends at byte \(bytes.count), needs more")
        }
        var value = T.zero
        for i in 0..<size { value |= T(bytes[offset + i]) << (8 * i) }
        offset += size
        return value
    }

    func expectEnd() throws {
        guard offset == bytes.count else {
            throw IndexError.corruptRecord(
                "\(what) has \(bytes.count - offset) bytes after its end")
        }
    }
}
