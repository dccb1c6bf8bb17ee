import Foundation

/// `collection.kv`: every key of one collection, with the collection id taken out, so the
/// keys can be written back under whatever id the target tenant allocates.
///
/// Layout: the 8-byte magic `VECDKV1\n`, then per key `u32 LE length, key suffix (the bytes
/// after "d" + id), u32 LE length, value`, in key order, up to the end of the file. Values
/// never hold the collection id (see `KeyLayout`), so they are copied unchanged.
enum CollectionExport {
    static let fileName = "collection.kv"
    static let magic = Array("VECDKV1\n".utf8)
    /// Keys written per batch on import: big enough to amortise a write, small enough that
    /// a batch of vectors stays a few MB.
    static let batchEntries = 2048

    /// The manifest form of a catalog record: config and payload index schemas, no id.
    static func catalogJSON(_ collection: StoredCollection) -> JSONValue {
        .object([
            "config": collection.config.storageJSON,
            "payload_schema": .object(collection.payloadSchemas.mapValues { $0.storageJSON }),
        ])
    }

    /// Decodes a manifest catalog entry. - Throws: `invalidArgument(field: "snapshot")`.
    static func decodeCatalog(
        _ json: JSONValue
    ) throws -> (config: CollectionConfig, schemas: [String: PayloadFieldSchema]) {
        do {
            guard let configJSON = json["config"] else { throw StoreError.corrupted("config") }
            let schemas = try (json["payload_schema"]?.objectValue ?? [:]).mapValues {
                try PayloadFieldSchema(storageJSON: $0)
            }
            return (try CollectionConfig(storageJSON: configJSON), schemas)
        } catch {
            throw TarReader.refused("the manifest's collection record does not decode: \(error)")
        }
    }

    /// Writes every key of collection `id` in `database` to a new file at `path`.
    ///
    /// - Returns: the number of keys written.
    static func export(id: UInt32, from database: RocksDBDatabase, to path: String) throws -> Int {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let output = FileHandle(forWritingAtPath: path)
        else { throw StoreError.storage(kind: "IO error", message: "cannot create \(path)") }
        defer { try? output.close() }
        let prefix = KeyLayout.collectionData(id)
        let iterator = database.iterator(
            from: prefix,
            to: KeyLayout.collectionDataEnd(id),
            fillCache: false
        )
        var buffer = magic
        var count = 0
        iterator.seekToFirst()
        while iterator.isValid {
            let suffix = iterator.key.dropFirst(prefix.count)
            let value = iterator.value
            append(UInt32(suffix.count), to: &buffer)
            buffer.append(contentsOf: suffix)
            append(UInt32(value.count), to: &buffer)
            buffer.append(contentsOf: value)
            count += 1
            if buffer.count >= SnapshotFiles.chunkBytes {
                try output.write(contentsOf: Data(buffer))
                buffer.removeAll(keepingCapacity: true)
            }
            iterator.next()
        }
        try iterator.checkError()
        try output.write(contentsOf: Data(buffer))
        try output.synchronize()
        return count
    }

    private static func append(_ value: UInt32, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { buffer.append(contentsOf: $0) }
    }

    /// Calls `body` with each key suffix and value of the file at `path`, in order.
    ///
    /// - Throws: `invalidArgument(field: "snapshot")` for a file that does not parse.
    static func forEachEntry(
        in path: String,
        _ body: (_ keySuffix: [UInt8], _ value: [UInt8]) throws -> Void
    ) throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        try bytes.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            guard raw.count >= magic.count, Array(raw.prefix(magic.count)) == magic else {
                throw TarReader.refused("\(fileName) does not start with its magic")
            }
            var position = magic.count
            func field() throws -> [UInt8] {
                guard raw.count - position >= 4 else {
                    throw TarReader.refused("\(fileName) ends inside a length")
                }
                let stored = raw.loadUnaligned(fromByteOffset: position, as: UInt32.self)
                let length = Int(UInt32(littleEndian: stored))
                position += 4
                guard raw.count - position >= length else {
                    throw TarReader.refused("\(fileName) ends inside a key or value")
                }
                defer { position += length }
                return Array(raw[position..<(position + length)])
            }
            while position < raw.count {
                let key = try field()
                let value = try field()
                guard !key.isEmpty else { throw TarReader.refused("\(fileName) has an empty key") }
                try body(key, value)
            }
        }
    }
}
