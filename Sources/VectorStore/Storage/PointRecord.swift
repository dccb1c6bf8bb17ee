/// A point as stored under its `KeyLayout.point` key: the slot it occupies, the version of
/// the write that produced it, the names of its vectors, and its payload. The vectors
/// themselves live under `KeyLayout.vector` (by slot), next to the graph's node records.
///
/// Binary layout (little-endian): format u8 (2), version u64, slot u32, name count u16, then
/// per name: length u16 and UTF-8 bytes; the rest is the payload as JSON.
struct PointRecord: Equatable {
    static let format: UInt8 = 2

    var version: UInt64
    var slot: UInt32
    var vectorNames: [String]
    var payload: [String: JSONValue]

    init(version: UInt64, slot: UInt32, vectorNames: [String], payload: [String: JSONValue]) {
        self.version = version
        self.slot = slot
        self.vectorNames = vectorNames.sorted()
        self.payload = payload
    }

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.append(PointRecord.format)
        writer.append(version)
        writer.append(slot)
        writer.append(UInt16(vectorNames.count))
        for name in vectorNames {
            let bytes = Array(name.utf8)
            writer.append(UInt16(bytes.count))
            writer.append(contentsOf: bytes)
        }
        writer.append(contentsOf: JSONValue.object(payload).serialized())
        return writer.bytes
    }

    /// Decodes a stored record; `decodePayload: false` skips the JSON parse for callers that
    /// need only the slot and names.
    ///
    /// - Throws: `StoreError.corrupted` naming what did not decode.
    /// - Parameter payloadKeys: when given, only these top-level payload members are decoded
    ///   (a filter's `payloadRoots`); overrides `decodePayload`.
    init(
        decoding bytes: [UInt8],
        decodePayload: Bool = true,
        payloadKeys: Set<String>? = nil
    ) throws {
        var reader = ByteReader(bytes)
        guard reader.readUInt8() == PointRecord.format,
            let version = reader.readUInt64(), let slot = reader.readUInt32(),
            let count = reader.readUInt16()
        else { throw StoreError.corrupted("point record header (\(bytes.count) bytes)") }
        var names: [String] = []
        for _ in 0..<count {
            guard let length = reader.readUInt16(), let name = reader.read(count: Int(length))
            else {
                throw StoreError.corrupted("point record vector names")
            }
            names.append(String(decoding: name, as: UTF8.self))
        }
        self.version = version
        self.slot = slot
        self.vectorNames = names
        if let payloadKeys {
            self.payload = try PointRecord.decodePayload(reader.remaining, keeping: payloadKeys)
        } else {
            self.payload = decodePayload ? try PointRecord.decodePayload(reader.remaining) : [:]
        }
    }

    private static func decodePayload(
        _ bytes: ArraySlice<UInt8>,
        keeping keys: Set<String>
    ) throws -> [String: JSONValue] {
        guard !keys.isEmpty else { return [:] }
        do {
            return try JSONValue.parseObject(bytes, keeping: keys)
        } catch {
            throw StoreError.corrupted("point payload is not a JSON object")
        }
    }

    private static func decodePayload(_ bytes: ArraySlice<UInt8>) throws -> [String: JSONValue] {
        guard let value = try? JSONValue.parse(bytes), let object = value.objectValue else {
            throw StoreError.corrupted("point payload is not a JSON object")
        }
        return object
    }

    /// Float32 little-endian, as stored under `KeyLayout.vector`.
    static func encode(vector: [Float]) -> [UInt8] {
        var writer = ByteWriter()
        writer.append(floats: vector)
        return writer.bytes
    }

    static func decode(vector bytes: [UInt8]) throws -> [Float] {
        var reader = ByteReader(bytes)
        guard bytes.count % 4 == 0, let vector = reader.readFloats(count: bytes.count / 4) else {
            throw StoreError.corrupted("stored vector of \(bytes.count) bytes")
        }
        return vector
    }
}

/// A collection's persisted counters (`KeyLayout.counters`), rewritten in every write batch.
struct CollectionCounters: Equatable {
    /// One past the highest slot ever given to a point: the slot a new point gets when no
    /// lower one is free (`CollectionState.freeSlots`, rebuilt on load from the keys below
    /// it). Slot-indexed memory (graphs, the slot map, index bitsets) is sized by it, so it
    /// follows the peak of live plus not yet compacted points, not the ids ever written.
    var nextSlot: UInt32 = 0
    /// The version the next write operation stamps on the points it writes.
    var nextVersion: UInt64 = 1
    var pointCount: UInt64 = 0
    /// Logical bytes the collection's points take: keys, point records and vectors (what
    /// `StoredCollection.storedSize` counts), for the tenant's `max_bytes` quota. Graph
    /// records are index overhead and not counted.
    var storedBytes: UInt64 = 0

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.append(nextSlot)
        writer.append(nextVersion)
        writer.append(pointCount)
        writer.append(storedBytes)
        return writer.bytes
    }

    /// Adds a signed change to `storedBytes`, never going below zero.
    mutating func addStoredBytes(_ delta: Int) {
        storedBytes = delta >= 0
            ? storedBytes + UInt64(delta) : storedBytes - min(storedBytes, UInt64(-delta))
    }

    init() {}

    init(decoding bytes: [UInt8]) throws {
        var reader = ByteReader(bytes)
        guard let slot = reader.readUInt32(), let version = reader.readUInt64(),
            let count = reader.readUInt64()
        else { throw StoreError.corrupted("collection counters (\(bytes.count) bytes)") }
        nextSlot = slot
        nextVersion = version
        pointCount = count
        // TODO(storage): counters written before byte accounting lack this field and start
        // at 0; recount by a scan on load if a node with such data is ever upgraded.
        storedBytes = reader.readUInt64() ?? 0
    }
}
