/// A point as stored under its `KeyLayout.point` key: the slot it occupies, the version of
/// the write that produced it, its vectors and its payload.
///
/// Binary layout (little-endian): format u8 (1), version u64, slot u32, vector count u16, then
/// per vector: name length u16, UTF-8 name, dimension u32, Float32 × dimension; the rest is
/// the payload as JSON. Vectors are already normalised for Cosine spaces.
struct PointRecord: Equatable {
    static let format: UInt8 = 1

    var version: UInt64
    var slot: UInt32
    var vectors: [String: [Float]]
    var payload: [String: JSONValue]

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.append(PointRecord.format)
        writer.append(version)
        writer.append(slot)
        writer.append(UInt16(vectors.count))
        for (name, vector) in vectors.sorted(by: { $0.key < $1.key }) {
            let nameBytes = Array(name.utf8)
            writer.append(UInt16(nameBytes.count))
            writer.append(contentsOf: nameBytes)
            writer.append(UInt32(vector.count))
            writer.append(floats: vector)
        }
        writer.append(contentsOf: JSONValue.object(payload).serialized())
        return writer.bytes
    }

    /// Decodes a stored record; `decodePayload: false` skips the JSON parse for callers that
    /// only need vectors (search scans).
    ///
    /// - Throws: `StoreError.corrupted` naming what did not decode.
    init(decoding bytes: [UInt8], decodePayload: Bool = true) throws {
        var reader = ByteReader(bytes)
        guard reader.readUInt8() == PointRecord.format,
            let version = reader.readUInt64(), let slot = reader.readUInt32(),
            let count = reader.readUInt16()
        else { throw StoreError.corrupted("point record header (\(bytes.count) bytes)") }
        var vectors: [String: [Float]] = [:]
        for _ in 0..<count {
            guard let nameLength = reader.readUInt16(),
                let name = reader.read(count: Int(nameLength)),
                let dimension = reader.readUInt32(),
                let vector = reader.readFloats(count: Int(dimension))
            else { throw StoreError.corrupted("point record vector section") }
            vectors[String(decoding: name, as: UTF8.self)] = vector
        }
        self.version = version
        self.slot = slot
        self.vectors = vectors
        self.payload = decodePayload ? try PointRecord.decodePayload(reader.remaining) : [:]
    }

    init(version: UInt64, slot: UInt32, vectors: [String: [Float]], payload: [String: JSONValue]) {
        self.version = version
        self.slot = slot
        self.vectors = vectors
        self.payload = payload
    }

    private static func decodePayload(_ bytes: ArraySlice<UInt8>) throws -> [String: JSONValue] {
        guard let value = try? JSONValue.parse(bytes), let object = value.objectValue else {
            throw StoreError.corrupted("point payload is not a JSON object")
        }
        return object
    }
}

/// A collection's persisted counters (`KeyLayout.counters`), rewritten in every write batch.
struct CollectionCounters: Equatable {
    /// The slot the next stored point gets; slots are never reused.
    var nextSlot: UInt32 = 0
    /// The version the next write operation stamps on the points it writes.
    var nextVersion: UInt64 = 1
    var pointCount: UInt64 = 0

    func encoded() -> [UInt8] {
        var writer = ByteWriter()
        writer.append(nextSlot)
        writer.append(nextVersion)
        writer.append(pointCount)
        return writer.bytes
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
    }
}
