/// Name-based UUIDs (RFC 4122 §4.3, version 5, SHA-1), so that the same source chunk always
/// gets the same point id and a re-run overwrites instead of duplicating.
public struct UUIDv5: Sendable, Equatable, CustomStringConvertible {
    /// The 16 bytes in network order.
    public let bytes: [UInt8]

    /// RFC 4122 Appendix C namespace for domain names (`6ba7b810-9dad-11d1-80b4-00c04fd430c8`).
    public static let dnsNamespace = UUIDv5(
        validating: "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
    )!

    /// Our namespace for ingested chunks. Fixed forever: changing it would give every chunk of
    /// every collection a new id, so the next ingest would duplicate all of them.
    public static let chunkNamespace = UUIDv5(
        validating: "3f0e9c1a-6b7d-4c52-9a11-5d2e8b7c4f60"
    )!

    /// The version-5 UUID of `name` (its UTF-8 bytes) in `namespace`.
    public init(namespace: UUIDv5, name: String) {
        var hasher = SHA1()
        hasher.update(namespace.bytes)
        hasher.update(Array(name.utf8))
        var digest = Array(hasher.finalize().prefix(16))
        digest[6] = (digest[6] & 0x0F) | 0x50  // version 5
        digest[8] = (digest[8] & 0x3F) | 0x80  // RFC 4122 variant
        bytes = digest
    }

    /// Parses the canonical 8-4-4-4-12 hex form; `nil` for anything else.
    public init?(validating text: String) {
        let hex = text.utf8.filter { $0 != UInt8(ascii: "-") }
        let dashes = text.utf8.enumerated().filter { $0.element == UInt8(ascii: "-") }
        guard hex.count == 32, dashes.map(\.offset) == [8, 13, 18, 23] else { return nil }
        var parsed: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            guard let high = Self.nibble(hex[index]), let low = Self.nibble(hex[index + 1]) else {
                return nil
            }
            parsed.append(high << 4 | low)
            index += 2
        }
        bytes = parsed
    }

    /// The id of chunk `chunk` of `source`: the name is `source + "#" + chunk`.
    public static func chunkID(source: String, chunk: Int) -> UUIDv5 {
        UUIDv5(namespace: chunkNamespace, name: "\(source)#\(chunk)")
    }

    /// Lower-case canonical form, as Qdrant prints UUID point ids.
    public var description: String {
        let hex = SHA1.hex(bytes)
        let characters = Array(hex)
        var out = ""
        for (offset, character) in characters.enumerated() {
            if [8, 12, 16, 20].contains(offset) { out.append("-") }
            out.append(character)
        }
        return out
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
