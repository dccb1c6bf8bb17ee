/// Where every record lives in RocksDB. Two kinds of database exist.
///
/// **Registry** (`<data>/registry`), one per node:
///
/// | key | value |
/// |---|---|
/// | `t` + tenant name | tenant record (JSON: incarnation, created_at, limits) |
/// | `k` + key hash (hex) | key record (JSON) |
/// | `i` + tenant name + `/` + key id | key hash, so a tenant's keys list with one prefix scan |
///
/// Tenant names never contain `/`, so `i` prefixes of two tenants never overlap.
///
/// **Tenant database** (`<data>/tenants/<name>-<incarnation>`), one per tenant: physically
/// separate files and WAL, so no key of one tenant can be read through another's handle.
///
/// | key | value |
/// |---|---|
/// | `c` + collection name | collection record (JSON: id, config, payload index schemas) |
/// | `n` | next collection id (u32 LE) |
/// | `d` + id(u32 BE) + `m` | counters: next slot u32, next version u64, point count u64 (LE) |
/// | `d` + id + `p` + `PointID.storageKey` | point record (`PointRecord`: slot, version, payload) |
/// | `d` + id + `s` + slot(u32 BE) | `PointID.storageKey` of the point in that slot |
/// | `d` + id + `v` + space + slot | vector of that name in that slot (f32 LE, normalised) |
/// | `d` + id + `g` + space + slot | HNSW node record of that slot in that space's graph |
/// | `d` + id + `h` + space | HNSW graph metadata of that space |
///
/// `space` is the vector name as u16 BE length + UTF-8 bytes, so no name's keys are a prefix
/// of another's. Vectors and node records of one space sort by slot, so a graph is restored
/// by walking both ranges side by side; a deleted point's vector and node stay until graph
/// compaction frees the slot (the graph still routes through it until then).
///
/// Everything a collection stores sits under `d` + id, so dropping it is one range delete of
/// `[d+id, d+id+1)`, and a new collection of the same name gets a new id: nothing old can
/// reappear. Point keys use `PointID.storageKey` (fixed width, big-endian), so a scan in key
/// order is a scroll in id order.
enum KeyLayout {
    // MARK: - Registry

    static let tenantTag: UInt8 = UInt8(ascii: "t")
    static let keyTag: UInt8 = UInt8(ascii: "k")
    static let tenantKeyTag: UInt8 = UInt8(ascii: "i")
    /// A tenant's usage counters (`Store.addUsageCounters`), one JSON object per tenant.
    static let tenantCountersTag: UInt8 = UInt8(ascii: "u")

    static func tenant(_ name: String) -> [UInt8] { [tenantTag] + Array(name.utf8) }
    static func apiKey(hash: String) -> [UInt8] { [keyTag] + Array(hash.utf8) }
    static func tenantCounters(_ name: String) -> [UInt8] {
        [tenantCountersTag] + Array(name.utf8)
    }

    static func tenantKeyPrefix(_ tenant: String) -> [UInt8] {
        [tenantKeyTag] + Array(tenant.utf8) + [UInt8(ascii: "/")]
    }

    static func tenantKey(_ tenant: String, id: String) -> [UInt8] {
        tenantKeyPrefix(tenant) + Array(id.utf8)
    }

    // MARK: - Tenant database

    static let collectionTag: UInt8 = UInt8(ascii: "c")
    static let nextCollectionID: [UInt8] = [UInt8(ascii: "n")]
    static let dataTag: UInt8 = UInt8(ascii: "d")

    static func collection(_ name: String) -> [UInt8] { [collectionTag] + Array(name.utf8) }

    /// Every key of one collection starts with this.
    static func collectionData(_ id: UInt32) -> [UInt8] { [dataTag] + bigEndian(id) }

    /// The first key after every key of collection `id`.
    static func collectionDataEnd(_ id: UInt32) -> [UInt8] {
        precondition(id < UInt32.max, "collection id space exhausted")
        return [dataTag] + bigEndian(id + 1)
    }

    static func counters(_ id: UInt32) -> [UInt8] { collectionData(id) + [UInt8(ascii: "m")] }

    static func pointPrefix(_ id: UInt32) -> [UInt8] { collectionData(id) + [UInt8(ascii: "p")] }

    static func point(_ id: UInt32, _ point: PointID) -> [UInt8] {
        pointPrefix(id) + point.storageKey
    }

    static func slotPrefix(_ id: UInt32) -> [UInt8] { collectionData(id) + [UInt8(ascii: "s")] }

    static func slot(_ id: UInt32, _ slot: UInt32) -> [UInt8] { slotPrefix(id) + bigEndian(slot) }

    static func space(_ name: String) -> [UInt8] {
        let bytes = Array(name.utf8)
        precondition(bytes.count <= Int(UInt16.max), "vector name too long for a key")
        return [UInt8(bytes.count >> 8), UInt8(truncatingIfNeeded: bytes.count)] + bytes
    }

    static func vectorPrefix(_ id: UInt32, _ name: String) -> [UInt8] {
        collectionData(id) + [UInt8(ascii: "v")] + space(name)
    }

    static func vector(_ id: UInt32, _ name: String, _ slot: UInt32) -> [UInt8] {
        vectorPrefix(id, name) + bigEndian(slot)
    }

    static func nodePrefix(_ id: UInt32, _ name: String) -> [UInt8] {
        collectionData(id) + [UInt8(ascii: "g")] + space(name)
    }

    static func node(_ id: UInt32, _ name: String, _ slot: UInt32) -> [UInt8] {
        nodePrefix(id, name) + bigEndian(slot)
    }

    static func graphMetadata(_ id: UInt32, _ name: String) -> [UInt8] {
        collectionData(id) + [UInt8(ascii: "h")] + space(name)
    }

    /// The first key after every key starting with `prefix` (prefix with its last byte
    /// incremented; our prefixes never end in 0xFF).
    static func end(ofPrefix prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        precondition(end.last.map { $0 < 0xFF } ?? false, "prefix cannot be bounded")
        end[end.count - 1] += 1
        return end
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16),
            UInt8(truncatingIfNeeded: value >> 8), UInt8(truncatingIfNeeded: value),
        ]
    }

    static func readBigEndianUInt32(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        guard bytes.count == 4 else { return nil }
        return bytes.reduce(0) { $0 << 8 | UInt32($1) }
    }
}
