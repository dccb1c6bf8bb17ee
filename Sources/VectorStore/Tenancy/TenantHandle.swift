import Foundation

/// One tenant's database and its loaded collections, shared by every session of the tenant.
///
/// The database is opened on the first operation, not when the handle is made. `gate` is
/// held for reading by every operation and for writing by `close()`, so a close (eviction
/// or tenant deletion) waits for operations in flight, and operations after it fail with
/// `tenantNotFound`. `leases` (guarded by the store's pool lock) counts live sessions: the
/// pool never evicts a leased handle.
final class TenantHandle: @unchecked Sendable {
    let record: TenantRecord
    let directory: String
    private let makeOptions: () throws -> RocksDBOptions
    private let gate = ReadWriteLock()
    private var database: RocksDBDatabase?
    private var isClosed = false

    /// Serialises collection creation and deletion (collection id allocation).
    let catalogLock = NSLock()
    /// Serialises the writes of a tenant that has a point or byte quota, so two writes to
    /// different collections cannot both pass a check that only one of them fits.
    let quotaLock = NSLock()
    private let collectionsLock = NSLock()
    private var collections: [String: StoredCollection] = [:]

    /// Live sessions; guarded by the store's pool lock.
    var leases = 0
    /// Pool clock at last use; guarded by the store's pool lock.
    var lastUsed: UInt64 = 0
    /// Monotonic time (ns) of the last release; guarded by the store's pool lock.
    var lastReleasedAt: UInt64 = DispatchTime.now().uptimeNanoseconds
    /// Signalled once when `close` finishes, so a reopen of the same directory can wait for
    /// it. (A semaphore, unlike a group, may be freed without ever being signalled.)
    private let closedEvent = DispatchSemaphore(value: 0)

    init(
        record: TenantRecord,
        directory: String,
        makeOptions: @escaping () throws -> RocksDBOptions
    ) {
        self.record = record
        self.directory = directory
        self.makeOptions = makeOptions
    }

    /// Blocks until `close` has released the database (and its directory lock).
    func waitUntilClosed() {
        closedEvent.wait()
        // Pass the signal on to the next waiter.
        closedEvent.signal()
    }

    var isOpen: Bool { gate.withReadLock { database != nil } }

    /// Runs `body` with the open database, opening it first if needed.
    ///
    /// - Throws: `tenantNotFound` once the handle was closed for deletion or eviction.
    func withDatabase<T>(_ body: (RocksDBDatabase) throws -> T) throws -> T {
        while true {
            let result: T? = try gate.withReadLock {
                guard !isClosed else { throw StoreError.tenantNotFound(record.name) }
                guard let database else { return nil }
                return try body(database)
            }
            if let result { return result }
            try gate.withWriteLock {
                guard !isClosed else { throw StoreError.tenantNotFound(record.name) }
                if database == nil {
                    try FileManager.default.createDirectory(
                        atPath: directory,
                        withIntermediateDirectories: true
                    )
                    database = try RocksDBDatabase(path: directory, options: try makeOptions())
                }
            }
        }
    }

    /// Runs `body` with the database only if it is open now; `nil` otherwise (never opens).
    func withOpenDatabase<T>(_ body: (RocksDBDatabase) throws -> T) rethrows -> T? {
        try gate.withReadLock {
            guard !isClosed, let database else { return nil }
            return try body(database)
        }
    }

    /// The collection `name`, loading its catalog record on first use; `nil` if missing.
    func collection(_ name: String, in database: RocksDBDatabase) throws -> StoredCollection? {
        if let cached = collectionsLock.withLocked({ collections[name] }) { return cached }
        guard let loaded = try StoredCollection.load(name: name, database: database) else {
            return nil
        }
        return collectionsLock.withLocked {
            if let raced = collections[name] { return raced }
            collections[name] = loaded
            return loaded
        }
    }

    func forgetCollection(_ name: String) {
        collectionsLock.withLocked { _ = collections.removeValue(forKey: name) }
    }

    /// Closes the database, waiting for operations in flight; with `flush`, memtables are
    /// written out first so the next open replays no WAL. Idempotent.
    func close(flush: Bool) {
        gate.withWriteLock {
            guard !isClosed else { return }
            isClosed = true
            defer { closedEvent.signal() }
            collectionsLock.withLocked { collections.removeAll() }
            if let database {
                // A failed flush loses nothing: the WAL still holds every write.
                if flush { try? database.flush() } else { database.cancelBackgroundWork() }
                database.close()
            }
            database = nil
        }
    }
}
