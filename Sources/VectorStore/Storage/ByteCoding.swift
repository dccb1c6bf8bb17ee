/// Little-endian append/read helpers for the binary records.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func append(_ value: UInt8) { bytes.append(value) }

    mutating func append(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    mutating func append(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    mutating func append(_ value: UInt64) {
        for shift in stride(from: 0, to: 64, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    mutating func append(floats: [Float]) {
        bytes.reserveCapacity(bytes.count + floats.count * 4)
        for value in floats { append(value.bitPattern) }
    }

    mutating func append(contentsOf other: [UInt8]) { bytes.append(contentsOf: other) }
}

/// Reads what `ByteWriter` wrote; every read returns `nil` past the end instead of trapping,
/// so a damaged record surfaces as `StoreError.corrupted`.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: ArraySlice<UInt8> { bytes[position...] }

    mutating func readUInt8() -> UInt8? {
        guard position < bytes.count else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readUInt16() -> UInt16? {
        guard let raw = read(count: 2) else { return nil }
        return UInt16(raw[raw.startIndex]) | UInt16(raw[raw.startIndex + 1]) << 8
    }

    mutating func readUInt32() -> UInt32? {
        guard let raw = read(count: 4) else { return nil }
        return raw.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func readUInt64() -> UInt64? {
        guard let raw = read(count: 8) else { return nil }
        return raw.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func readFloats(count: Int) -> [Float]? {
        guard count >= 0, let raw = read(count: count * 4) else { return nil }
        var floats = [Float](repeating: 0, count: count)
        var index = raw.startIndex
        for element in 0..<count {
            let bits =
                UInt32(raw[index]) | UInt32(raw[index + 1]) << 8
                | UInt32(raw[index + 2]) << 16 | UInt32(raw[index + 3]) << 24
            floats[element] = Float(bitPattern: bits)
            index += 4
        }
        return floats
    }

    mutating func read(count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, bytes.count - position >= count else { return nil }
        defer { position += count }
        return bytes[position..<position + count]
    }
}
