/// Rules for names that become keys or directory names.
enum Names {
    /// Longest tenant name: it is part of a directory name and of registry keys.
    static let maxTenantLength = 64
    /// Longest collection name (Qdrant's limit).
    static let maxCollectionLength = 255

    /// 1–64 characters of `[A-Za-z0-9_-]`: safe as a path component (no `.`, `/`), and never
    /// containing the `/` that separates a tenant from a key id in registry keys.
    ///
    /// - Throws: `invalidArgument` naming the rejected name.
    static func validateTenant(_ name: String) throws {
        let isAllowed = { (byte: UInt8) -> Bool in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
        let bytes = Array(name.utf8)
        guard (1...maxTenantLength).contains(bytes.count), bytes.allSatisfy(isAllowed) else {
            throw StoreError.invalidArgument(
                field: "tenant",
                message: "invalid tenant name \"\(name)\": use 1-\(maxTenantLength) characters "
                    + "of A-Z, a-z, 0-9, _ and -"
            )
        }
    }

    /// 1–255 bytes, no `/` and no NUL (Qdrant refuses the same).
    ///
    /// - Throws: `invalidArgument` naming the rejected name.
    static func validateCollection(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard (1...maxCollectionLength).contains(bytes.count) else {
            throw StoreError.invalidArgument(
                field: "collection_name",
                message: "collection name \"\(name)\" must be 1-\(maxCollectionLength) bytes, "
                    + "got \(bytes.count)"
            )
        }
        guard !bytes.contains(UInt8(ascii: "/")), !bytes.contains(0) else {
            throw StoreError.invalidArgument(
                field: "collection_name",
                message: "collection name \"\(name)\" must not contain '/' or NUL characters"
            )
        }
    }
}
