import CRocksDB

/// An owned `rocksdb_iterator_t` bounded to `[lowerBound, upperBound)`, so a prefix scan can
/// never step into a neighbouring prefix (another collection's keys).
///
/// Holds its database strongly: the database cannot be closed under a live iterator by ARC,
/// and the owner's lock keeps explicit `close()` away while one is in use.
final class RocksDBIterator {
    private let raw: OpaquePointer
    private let readOptions: OpaquePointer
    private let database: RocksDBDatabase
    /// RocksDB keeps pointers to the bound slices; they must outlive the iterator.
    private let lower: UnsafeMutableBufferPointer<CChar>
    private let upper: UnsafeMutableBufferPointer<CChar>

    init(
        database: RocksDBDatabase,
        db: OpaquePointer,
        lowerBound: [UInt8],
        upperBound: [UInt8],
        fillCache: Bool
    ) {
        self.database = database
        lower = RocksDBIterator.copy(lowerBound)
        upper = RocksDBIterator.copy(upperBound)
        readOptions = rocksdb_readoptions_create()
        // Safety: `lower`/`upper` are freed only in deinit, after the iterator is destroyed.
        rocksdb_readoptions_set_iterate_lower_bound(readOptions, lower.baseAddress, lower.count)
        rocksdb_readoptions_set_iterate_upper_bound(readOptions, upper.baseAddress, upper.count)
        rocksdb_readoptions_set_fill_cache(readOptions, fillCache ? 1 : 0)
        raw = rocksdb_create_iterator(db, readOptions)
    }

    deinit {
        rocksdb_iter_destroy(raw)
        rocksdb_readoptions_destroy(readOptions)
        lower.deallocate()
        upper.deallocate()
    }

    private static func copy(_ bytes: [UInt8]) -> UnsafeMutableBufferPointer<CChar> {
        let buffer = UnsafeMutableBufferPointer<CChar>.allocate(capacity: max(bytes.count, 1))
        for (index, byte) in bytes.enumerated() { buffer[index] = CChar(bitPattern: byte) }
        return UnsafeMutableBufferPointer(rebasing: buffer[0..<bytes.count])
    }

    /// Positions at the first key ≥ `key` (`rocksdb_iter_seek`).
    func seek(_ key: [UInt8]) {
        key.withUnsafeBufferPointer { bytes in
            // Safety: RocksDB reads the key during the call only.
            rocksdb_iter_seek(
                raw,
                bytes.baseAddress.map(charPointer) ?? UnsafePointer(lower.baseAddress),
                bytes.count
            )
        }
    }

    func seekToFirst() { rocksdb_iter_seek_to_first(raw) }
    func seekToLast() { rocksdb_iter_seek_to_last(raw) }
    var isValid: Bool { rocksdb_iter_valid(raw) != 0 }
    func next() { rocksdb_iter_next(raw) }
    func previous() { rocksdb_iter_prev(raw) }

    /// The current key; only while `isValid`.
    var key: [UInt8] {
        var length = 0
        let bytes = rocksdb_iter_key(raw, &length)!
        // Safety: valid until the iterator moves; copied out here.
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }

    /// The current value; only while `isValid`.
    var value: [UInt8] {
        var length = 0
        let bytes = rocksdb_iter_value(raw, &length)!
        // Safety: valid until the iterator moves; copied out here.
        return Array(UnsafeRawBufferPointer(start: bytes, count: length))
    }

    /// Throws the error that ended iteration early, if any (`rocksdb_iter_get_error`).
    func checkError() throws {
        try withRocksDBError { error in rocksdb_iter_get_error(raw, error) }
    }
}
