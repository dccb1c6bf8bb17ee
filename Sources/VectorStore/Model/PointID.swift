/// The external identity of a point, as in Qdrant: an unsigned 64-bit integer or a UUID.
///
/// Every spelling Qdrant accepts for a UUID (simple 32 hex digits, hyphenated, braced,
/// `urn:uuid:` prefixed, any case) parses to the same value, so a point stored under one
/// spelling is found under any other. It is always written back hyphenated and lowercase.
public enum PointID: Sendable, Hashable, Comparable, CustomStringConvertible {
    case number(UInt64)
    case uuid(UInt64, UInt64)

    /// Parses an id from a JSON value: a non-negative integer or a UUID string.
    ///
    /// - Throws: `PointIDError` naming the rejected value.
    public init(json: JSONValue) throws(PointIDError) {
        switch json {
        case .int(let value) where value >= 0:
            self = .number(UInt64(value))
        case .unsigned(let value):
            self = .number(value)
        case .string(let text):
            guard let parsed = PointID(uuidString: text) else { throw PointIDError(value: json) }
            self = parsed
        default:
            throw PointIDError(value: json)
        }
    }

    /// Parses a path segment: decimal digits are a number, anything else must be a UUID.
    public init?(pathSegment: String) {
        if let number = UInt64(pathSegment) {
            self = .number(number)
        } else if let parsed = PointID(uuidString: pathSegment) {
            self = parsed
        } else {
            return nil
        }
    }

    /// Parses any UUID spelling; `nil` when the text is not exactly 32 hex digits once the
    /// accepted decorations are removed.
    public init?(uuidString: String) {
        var text = Substring(uuidString)
        if text.lowercased().hasPrefix("urn:uuid:") { text = text.dropFirst(9) }
        if text.hasPrefix("{") && text.hasSuffix("}") { text = text.dropFirst().dropLast() }
        let hexDigits = Array(text.utf8)
        let hyphenated = hexDigits.count == 36
        guard hexDigits.count == 32 || hyphenated else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var count = 0
        for (position, byte) in hexDigits.enumerated() {
            if hyphenated && [8, 13, 18, 23].contains(position) {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let nibble = PointID.hexValue(byte) else { return nil }
            if count < 16 { high = high << 4 | nibble } else { low = low << 4 | nibble }
            count += 1
        }
        guard count == 32 else { return nil }
        self = .uuid(high, low)
    }

    private static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt64(byte - UInt8(ascii: "A") + 10)
        default: return nil
        }
    }

    /// The id as Qdrant writes it in responses: a number, or a lowercase hyphenated UUID.
    public var json: JSONValue {
        switch self {
        case .number(let value):
            return value <= UInt64(Int64.max) ? .int(Int64(value)) : .unsigned(value)
        case .uuid:
            return .string(description)
        }
    }

    public var description: String {
        switch self {
        case .number(let value):
            return String(value)
        case .uuid(let high, let low):
            let hex = PointID.hex(high) + PointID.hex(low)
            let characters = Array(hex)
            return String(characters[0..<8]) + "-" + String(characters[8..<12]) + "-"
                + String(characters[12..<16]) + "-" + String(characters[16..<20]) + "-"
                + String(characters[20..<32])
        }
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// A fixed-width big-endian key: numbers sort before UUIDs, each in numeric order, so a
    /// RocksDB scan in key order is a scroll in id order.
    public var storageKey: [UInt8] {
        switch self {
        case .number(let value):
            return [0] + PointID.bigEndianBytes(value)
        case .uuid(let high, let low):
            return [1] + PointID.bigEndianBytes(high) + PointID.bigEndianBytes(low)
        }
    }

    /// Decodes `storageKey`; `nil` for bytes that no id encodes to.
    public init?(storageKey bytes: some Collection<UInt8>) {
        let key = Array(bytes)
        if key.count == 9, key[0] == 0 {
            self = .number(PointID.readBigEndian(key[1..<9]))
        } else if key.count == 17, key[0] == 1 {
            self = .uuid(PointID.readBigEndian(key[1..<9]), PointID.readBigEndian(key[9..<17]))
        } else {
            return nil
        }
    }

    static func bigEndianBytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * UInt64($0))) }
    }

    static func readBigEndian(_ bytes: ArraySlice<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    public static func < (lhs: PointID, rhs: PointID) -> Bool {
        lhs.storageKey.lexicographicallyPrecedes(rhs.storageKey)
    }
}

/// A value that is neither an unsigned 64-bit integer nor a UUID in any accepted spelling.
public struct PointIDError: Error, CustomStringConvertible, Sendable {
    public var value: JSONValue

    public var description: String {
        "invalid point id \(value.jsonString): must be an unsigned 64-bit integer or a UUID"
    }
}
