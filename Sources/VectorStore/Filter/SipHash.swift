/// SipHash-2-4 (Aumasson and Bernstein, 2012) with a zero key, for `slice` conditions.
///
/// Qdrant defines a point's slice as this hash of the id's canonical bytes modulo `total`, so
/// the hash must agree with it bit for bit: numbers hash as 8 little-endian bytes, UUIDs as
/// their 16 RFC 4122 (big-endian) bytes.
enum SipHash24 {
    static func hash(_ data: [UInt8], key0: UInt64 = 0, key1: UInt64 = 0) -> UInt64 {
        var state = State(
            v0: key0 ^ 0x736f_6d65_7073_6575,
            v1: key1 ^ 0x646f_7261_6e64_6f6d,
            v2: key0 ^ 0x6c79_6765_6e65_7261,
            v3: key1 ^ 0x7465_6462_7974_6573
        )
        let tailStart = data.count - data.count % 8
        var offset = 0
        while offset < tailStart {
            state.compress(littleEndianWord(data, offset, count: 8))
            offset += 8
        }
        // The last block holds the leftover bytes and the length's low byte at the top.
        let last =
            littleEndianWord(data, tailStart, count: data.count - tailStart)
            | UInt64(truncatingIfNeeded: data.count) << 56
        state.compress(last)
        state.v2 ^= 0xff
        for _ in 0..<4 { state.round() }
        return state.v0 ^ state.v1 ^ state.v2 ^ state.v3
    }

    /// The bytes Qdrant hashes for an id.
    static func canonicalBytes(of id: PointID) -> [UInt8] {
        switch id {
        case .number(let value):
            return (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
        case .uuid(let high, let low):
            return PointID.bigEndianBytes(high) + PointID.bigEndianBytes(low)
        }
    }

    /// Which of `total` slices `id` falls in.
    static func slice(of id: PointID, total: UInt32) -> UInt32 {
        UInt32(hash(canonicalBytes(of: id)) % UInt64(total))
    }

    private static func littleEndianWord(_ data: [UInt8], _ offset: Int, count: Int) -> UInt64 {
        var word: UInt64 = 0
        for index in 0..<count { word |= UInt64(data[offset + index]) << (8 * UInt64(index)) }
        return word
    }

    private struct State {
        var v0, v1, v2, v3: UInt64

        mutating func compress(_ block: UInt64) {
            v3 ^= block
            round()
            round()
            v0 ^= block
        }

        mutating func round() {
            v0 &+= v1
            v1 = v1.rotatedLeft(13) ^ v0
            v0 = v0.rotatedLeft(32)
            v2 &+= v3
            v3 = v3.rotatedLeft(16) ^ v2
            v0 &+= v3
            v3 = v3.rotatedLeft(21) ^ v0
            v2 &+= v1
            v1 = v1.rotatedLeft(17) ^ v2
            v2 = v2.rotatedLeft(32)
        }
    }
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotatedLeft(_ bits: UInt64) -> UInt64 {
        self << bits | self >> (64 - bits)
    }
}
