import CRocksDB

/// One open RocksDB database (`rocksdb_t`), closed in `deinit` or by `close()`.
///
/// Only the default column family is used, so there are no column-family handles to destroy
/// before closing (Debian's RocksDB asserts if one outlives the database).
/// Thread-safe as RocksDB itself is; `close()` must not race with other calls (the owner
/// guarantees that with its own lock).
final class RocksDBDatabase: @unchecked Sendable {
    private var handle: OpaquePointer?
    let path: String
    /// Kept alive as long as the database: RocksDB reads through the options' table factory.
    private let options: RocksDBOptions

    /// Opens (creating if missing) the database at `path` (`rocksdb_open`).
    ///
    /// - Throws: `StoreError.storage` naming RocksDB's reason (a held lock, an IO error, …).
    init(path: String, options: RocksDBOptions) throws {
        self.path = path
        self.options = options
        handle = try withRocksDBError { error in rocksdb_open(options.raw, path, error) }
    }

    deinit { close() }

    /// False once `close()` ran.
    var isOpen: Bool { handle != nil }

    /// Closes the database (`rocksdb_close`); later calls trap. Idempotent.
    func close() {
        if let handle { rocksdb_close(handle) }
        handle = nil
    }

    /// Stops flushes and compactions of this database and waits until running ones have
    /// noticed (`rocksdb_cancel_all_background_work`): a database about to be deleted should
    /// not finish a long compaction first.
    func cancelBackgroundWork() {
        if let handle { rocksdb_cancel_all_background_work(handle, 1) }
    }

    private var db: OpaquePointer {
        guard let handle else { preconditionFailure("RocksDB database used after close: \(path)") }
        return handle
    }

    /// The value at `key`, or `nil` (`rocksdb_get_pinned`, which avoids one copy in RocksDB).
    func get(_ key: [UInt8]) throws -> [UInt8]? {
        let pinned: OpaquePointer? = try key.withUnsafeBufferPointer { keyBytes in
            try withRocksDBError { error in
                // Safety: the key buffer outlives the call; RocksDB copies what it keeps.
                rocksdb_get_pinned(
                    db,
                    RocksDBReadOptions.standard.raw,
                    keyBytes.baseAddress.map(charPointer),
                    keyBytes.count,
                    error
                )
            }
        }
        guard let pinned else { return nil }
        defer { rocksdb_pinnableslice_destroy(pinned) }
        var length = 0
        guard let value = rocksdb_pinnableslice_value(pinned, &length) else { return nil }
        // Safety: the slice stays valid until `rocksdb_pinnableslice_destroy` above.
        return Array(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// Applies `batch` atomically (`rocksdb_write`); with `sync` the WAL is fsynced first.
    func write(_ batch: RocksDBWriteBatch, sync: Bool) throws {
        let options = sync ? RocksDBWriteOptions.synced : RocksDBWriteOptions.buffered
        try withRocksDBError { error in rocksdb_write(db, options.raw, batch.raw, error) }
    }

    /// Writes one key (a batch of one).
    func put(_ key: [UInt8], _ value: [UInt8], sync: Bool) throws {
        let batch = RocksDBWriteBatch()
        batch.put(key, value)
        try write(batch, sync: sync)
    }

    /// An iterator over keys in `[lowerBound, upperBound)`.
    ///
    /// - Parameter fillCache: false for one-off full scans (loading a vector table) so they
    ///   do not push other tenants' hot blocks out of the shared cache.
    func iterator(
        from lowerBound: [UInt8],
        to upperBound: [UInt8],
        fillCache: Bool = true
    ) -> RocksDBIterator {
        RocksDBIterator(
            database: self,
            db: db,
            lowerBound: lowerBound,
            upperBound: upperBound,
            fillCache: fillCache
        )
    }

    /// Flushes memtables to table files and waits (`rocksdb_flush`), so a reopen replays
    /// no WAL.
    func flush() throws {
        let flushOptions = rocksdb_flushoptions_create()
        defer { rocksdb_flushoptions_destroy(flushOptions) }
        rocksdb_flushoptions_set_wait(flushOptions, 1)
        try withRocksDBError { error in rocksdb_flush(db, flushOptions, error) }
    }

    /// Writes a consistent copy of the database into `directory`, which must not exist
    /// (`rocksdb_checkpoint_object_create`, `rocksdb_checkpoint_create`). Table files are hard
    /// links when the directory is on the same file system, so this costs a memtable flush
    /// (`log_size_for_flush` 0 always flushes, so the copy needs no WAL) and a few syscalls.
    ///
    /// - Throws: `StoreError.storage` naming RocksDB's reason (the directory exists, IO error).
    func checkpoint(into directory: String) throws {
        let checkpoint = try withRocksDBError { error in
            rocksdb_checkpoint_object_create(db, error)
        }
        defer { rocksdb_checkpoint_object_destroy(checkpoint) }
        try withRocksDBError { error in rocksdb_checkpoint_create(checkpoint, directory, 0, error) }
    }

    /// A RocksDB property such as `rocksdb.estimate-num-keys`, if known.
    func property(_ name: String) -> String? {
        guard let value = rocksdb_property_value(db, name) else { return nil }
        // Safety: RocksDB returns a malloc'ed C string that we own.
        defer { rocksdb_free(value) }
        return String(cString: value)
    }
}

/// Reinterprets a byte pointer as the `const char*` RocksDB's C API takes.
@inline(__always)
func charPointer(_ bytes: UnsafePointer<UInt8>) -> UnsafePointer<CChar> {
    // Safety: UInt8 and CChar have the same size and alignment; RocksDB treats keys as bytes.
    UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self)
}

/// Shared default read options (immutable, safe across threads).
final class RocksDBReadOptions {
    let raw: OpaquePointer

    private init() { raw = rocksdb_readoptions_create() }
    deinit { rocksdb_readoptions_destroy(raw) }

    static let standard = RocksDBReadOptions()
}
