import CRocksDB

/// An owned `rocksdb_writebatch_t`: puts, deletes and range deletes applied atomically by
/// `RocksDBDatabase.write`.
final class RocksDBWriteBatch {
    let raw: OpaquePointer

    init() { raw = rocksdb_writebatch_create() }
    deinit { rocksdb_writebatch_destroy(raw) }

    /// Number of operations queued (`rocksdb_writebatch_count`).
    var count: Int { Int(rocksdb_writebatch_count(raw)) }

    /// Queues `key = value` (`rocksdb_writebatch_put`).
    func put(_ key: [UInt8], _ value: [UInt8]) {
        key.withUnsafeBufferPointer { keyBytes in
            value.withUnsafeBufferPointer { valueBytes in
                // Safety: the batch copies both buffers before returning.
                rocksdb_writebatch_put(
                    raw,
                    keyBytes.baseAddress.map(charPointer) ?? emptyBytes,
                    keyBytes.count,
                    valueBytes.baseAddress.map(charPointer) ?? emptyBytes,
                    valueBytes.count
                )
            }
        }
    }

    /// Queues the removal of `key` (`rocksdb_writebatch_delete`).
    func delete(_ key: [UInt8]) {
        key.withUnsafeBufferPointer { keyBytes in
            // Safety: the batch copies the key before returning.
            rocksdb_writebatch_delete(
                raw,
                keyBytes.baseAddress.map(charPointer) ?? emptyBytes,
                keyBytes.count
            )
        }
    }

    /// Queues the removal of every key in `[start, end)` (`rocksdb_writebatch_delete_range`):
    /// one tombstone, whatever the number of keys.
    func deleteRange(from start: [UInt8], to end: [UInt8]) {
        start.withUnsafeBufferPointer { startBytes in
            end.withUnsafeBufferPointer { endBytes in
                // Safety: the batch copies both keys before returning.
                rocksdb_writebatch_delete_range(
                    raw,
                    startBytes.baseAddress.map(charPointer) ?? emptyBytes,
                    startBytes.count,
                    endBytes.baseAddress.map(charPointer) ?? emptyBytes,
                    endBytes.count
                )
            }
        }
    }
}

/// A valid pointer for zero-length slices (RocksDB may not accept NULL with length 0).
private let emptyBytes: UnsafePointer<CChar> = {
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return UnsafePointer(pointer)
}()
