import Foundation
import VectorIndex

/// The node: a tenant registry plus one physically separate RocksDB database per tenant,
/// opened on first use and closed when idle.
///
/// Layout under `directory`: `registry/` (the registry database), `tenants/<name>-<incarnation>/`
/// (one database per tenant), `trash/` (deleted tenants' directories, removed in the
/// background). All tenant databases share one block cache and one `Env`. At most
/// `Options.maxOpenTenants` databases stay open; past that the least recently used one
/// without a live session is flushed and closed.
public final class Store: @unchecked Sendable {
    /// Tuning for the whole node.
    public struct Options: Sendable {
        /// Open tenant databases kept at most; the least recently used is closed past this.
        public var maxOpenTenants: Int = 256
        /// One block cache shared by every tenant database.
        public var blockCacheBytes: Int = 256 << 20
        /// Per tenant database memtable size; small so idle tenants cost little.
        public var writeBufferBytes: Int = 4 << 20
        /// Table files each open tenant database may keep open; with `maxOpenTenants` this
        /// bounds the process's file descriptors (about 5 more per database for WAL, LOG, …).
        public var maxOpenFilesPerTenant: Int = 16
        /// Flush and compaction threads shared by all databases.
        public var backgroundThreads: Int = 2
        /// A tenant unused for this long is closed even below `maxOpenTenants`, so a quiet
        /// tenant costs no memory; `nil` closes tenants only when the pool is full.
        public var idleCloseSeconds: Double? = 300
        public init() {}
    }

    public let directory: String
    public let options: Options
    let logger: Logger
    private let shared: RocksDBSharedResources
    let tenantOptions: RocksDBOptions
    let registry: Registry

    /// Guards `openTenants`, `clock`, and each handle's `leases`/`lastUsed`.
    private let poolLock = NSLock()
    private var openTenants: [String: TenantHandle] = [:]
    /// Evicted handles whose close runs on `closeQueue`; a lease of the same tenant waits.
    private var closingTenants: [String: TenantHandle] = [:]
    private var clock: UInt64 = 0
    /// Closes evicted tenants off the request path (a close syncs files: milliseconds).
    private let closeQueue = DispatchQueue(label: "vecd.store.close", qos: .utility)
    /// Evictions allowed in flight; past this a request closes its victim itself, so
    /// file descriptors stay bounded when closes fall behind.
    static let maxPendingCloses = 32
    /// Seconds after start before leftover directories are swept.
    static let sweepDelaySeconds = 2.0
    /// Serialises tenant creation, deletion and limit updates.
    let adminLock = NSLock()
    /// HNSW search counts per tenant, kept across database closes (see `Store+Usage`).
    let searchStatisticsTable = SearchStatisticsTable()
    private let background = DispatchGroup()
    private let backgroundQueue = DispatchQueue(label: "vecd.store.background", qos: .utility)
    private var idleTimer: DispatchSourceTimer?
    /// Whether the delayed start-up sweep began (`true`) or was called off by `close` (`nil`
    /// after either); guarded by `poolLock`.
    private var sweepStarted: Bool? = false

    /// Opens (or creates) the node's data directory. Opens no tenant database.
    ///
    /// - Throws: `StoreError.storage` if the registry cannot be opened (for example another
    ///   process holds it).
    public init(
        directory: String,
        options: Options = Options(),
        logger: Logger = Logger(label: "store")
    ) throws {
        self.directory = directory
        self.options = options
        self.logger = logger
        for folder in ["tenants", "trash"] {
            try FileManager.default.createDirectory(
                atPath: directory + "/" + folder,
                withIntermediateDirectories: true
            )
        }
        shared = RocksDBSharedResources(
            blockCacheBytes: options.blockCacheBytes,
            backgroundThreads: options.backgroundThreads
        )
        tenantOptions = try RocksDBOptions(
            shared: shared,
            writeBufferBytes: options.writeBufferBytes,
            maxOpenFiles: options.maxOpenFilesPerTenant
        )
        registry = Registry(
            database: try RocksDBDatabase(path: directory + "/registry", options: tenantOptions)
        )
        logger.info("store opened", metadata: ["rocksdb.path": directory])
        SnapshotFiles.removeStaging(in: directory)
        sweepInBackground()
        startIdleTimer()
    }

    /// Checks for idle tenants four times per `idleCloseSeconds` (at most every 30 s).
    private func startIdleTimer() {
        guard let idle = options.idleCloseSeconds, idle > 0 else { return }
        let timer = DispatchSource.makeTimerSource(queue: backgroundQueue)
        let period = min(idle / 4, 30)
        timer.schedule(deadline: .now() + period, repeating: period)
        timer.setEventHandler { [weak self] in self?.closeIdleTenants(olderThan: idle) }
        timer.resume()
        idleTimer = timer
    }

    /// Closes every tenant without a session that was last released more than `seconds` ago.
    func closeIdleTenants(olderThan seconds: Double) {
        let cutoff = DispatchTime.now().uptimeNanoseconds &- UInt64(seconds * 1e9)
        let victims: [TenantHandle] = poolLock.withLocked {
            let idle = openTenants.values.filter { $0.leases == 0 && $0.lastReleasedAt < cutoff }
            for handle in idle {
                openTenants.removeValue(forKey: handle.record.name)
                closingTenants[handle.record.name] = handle
            }
            return idle
        }
        closeEvicted(victims)
    }

    /// Flushes and closes every open tenant database, then the registry. Waits for
    /// background deletions. Sessions must not be used afterwards.
    public func close() {
        idleTimer?.cancel()
        // A sweep that has not started yet is called off rather than waited for.
        let callOffSweep = poolLock.withLocked {
            defer { if sweepStarted == false { sweepStarted = nil } }
            return sweepStarted == false
        }
        if callOffSweep { background.leave() }
        let handles = poolLock.withLocked {
            defer { openTenants.removeAll() }
            return Array(openTenants.values)
        }
        for handle in handles { handle.close(flush: true) }
        closeQueue.sync {}
        background.wait()
        registry.close()
    }

    /// Blocks until directories of deleted tenants are removed (tests and benchmarks).
    public func waitForBackgroundWork() { background.wait() }

    /// Names of the open tenant databases, for scrapes that must not open any.
    func openTenantNamesSnapshot() -> [String] {
        poolLock.withLocked { Array(openTenants.keys) }
    }

    /// The open tenant handles, for memory figures that must not open any database.
    func openHandlesSnapshot() -> [TenantHandle] {
        poolLock.withLocked { Array(openTenants.values) }
    }

    // MARK: - Tenants (admin plane)

    /// Registers a tenant with a fresh incarnation; its database is created on first use.
    ///
    /// - Throws: `invalidArgument` for a bad name, `tenantExists` if it is registered.
    public func createTenant(
        _ name: String,
        limits: TenantLimits = TenantLimits()
    ) throws -> TenantRecord {
        try Names.validateTenant(name)
        return try adminLock.withLocked {
            guard try registry.tenant(name) == nil else { throw StoreError.tenantExists(name) }
            let record = TenantRecord(
                name: name,
                incarnation: Store.makeIncarnation(),
                createdAt: Date().timeIntervalSince1970,
                limits: limits
            )
            try registry.putTenant(record)
            logger.info("tenant created", metadata: ["tenant.id": name])
            return record
        }
    }

    /// Removes the tenant, its keys and its files; constant time in the tenant's size.
    ///
    /// The registry entry goes first (one synced batch, with the tenant's keys), so from then
    /// on nothing can reach the data; the open handle is closed, and the directory is renamed
    /// into `trash/` and removed in the background. A crash before the rename leaves an
    /// orphan directory that the next start sweeps away.
    ///
    /// - Throws: `tenantNotFound` when no such tenant is registered.
    public func deleteTenant(_ name: String) throws {
        guard (try? Names.validateTenant(name)) != nil else {
            throw StoreError.tenantNotFound(name)
        }
        try adminLock.withLocked {
            guard let record = try registry.tenant(name) else {
                throw StoreError.tenantNotFound(name)
            }
            try registry.deleteTenant(name)
            let (handle, closing) = poolLock.withLocked {
                (openTenants.removeValue(forKey: name), closingTenants[name])
            }
            handle?.close(flush: false)
            closing?.waitUntilClosed()
            searchStatisticsTable.remove(name)
            try? deleteUsage(tenant: name, hours: nil)
            moveToTrash(tenantDirectory(record))
            removeCollectionSnapshots(of: name)
            logger.info("tenant deleted", metadata: ["tenant.id": name])
        }
    }

    public func tenant(_ name: String) throws -> TenantRecord {
        guard (try? Names.validateTenant(name)) != nil, let record = try registry.tenant(name)
        else {
            throw StoreError.tenantNotFound(name)
        }
        return record
    }

    public func tenants() throws -> [TenantRecord] { try registry.tenants() }

    public func updateTenantLimits(_ name: String, limits: TenantLimits) throws -> TenantRecord {
        try adminLock.withLocked {
            var record = try tenant(name)
            record.limits = limits
            try registry.putTenant(record)
            return record
        }
    }

    // MARK: - Keys (hashed by the caller)

    /// Stores a key record. - Throws: `tenantNotFound` if its tenant is not registered.
    public func putKey(_ key: KeyRecord) throws {
        _ = try tenant(key.tenant)
        try registry.putKey(key)
    }

    public func key(hash: String) throws -> KeyRecord? { try registry.key(hash: hash) }

    public func keys(tenant: String) throws -> [KeyRecord] {
        guard (try? Names.validateTenant(tenant)) != nil else { return [] }
        return try registry.keys(tenant: tenant)
    }

    public func deleteKey(id: String, tenant: String) throws -> Bool {
        guard (try? Names.validateTenant(tenant)) != nil else { return false }
        return try registry.deleteKey(id: id, tenant: tenant)
    }

    // MARK: - Data plane

    /// The only door to a tenant's data. Throws `tenantNotFound` for an unknown tenant.
    ///
    /// The session holds a lease on the tenant's handle until it is released (deinit), so
    /// the database is not closed for idleness while the session lives.
    public func session(for scope: AccessScope) throws -> TenantSession {
        let record = try tenant(scope.tenant)
        return TenantSession(scope: scope, store: self, handle: lease(record))
    }

    // MARK: - Handle pool

    private func lease(_ record: TenantRecord) -> TenantHandle {
        while true {
            let (handle, closing, victims) = poolLock.withLocked { leaseLocked(record) }
            closeEvicted(victims)
            if let handle { return handle }
            // The tenant is still closing after an eviction; its directory lock must be free
            // before it is opened again.
            closing?.waitUntilClosed()
        }
    }

    private func leaseLocked(
        _ record: TenantRecord
    )
        -> (TenantHandle?, closing: TenantHandle?, victims: [TenantHandle])
    {
        if let closing = closingTenants[record.name] { return (nil, closing, []) }
        clock += 1
        let handle: TenantHandle
        if let existing = openTenants[record.name],
            existing.record.incarnation == record.incarnation
        {
            handle = existing
        } else {
            handle = TenantHandle(
                record: record,
                directory: tenantDirectory(record),
                makeOptions: { [tenantOptions] in tenantOptions }
            )
            openTenants[record.name] = handle
        }
        handle.leases += 1
        handle.lastUsed = clock
        return (handle, nil, evictIdleLocked())
    }

    func release(_ handle: TenantHandle) {
        let victims = poolLock.withLocked {
            handle.leases -= 1
            handle.lastReleasedAt = DispatchTime.now().uptimeNanoseconds
            return evictIdleLocked()
        }
        closeEvicted(victims)
    }

    /// Takes least-recently-used handles without leases out of the pool until at most
    /// `maxOpenTenants` remain, and marks them closing. Runs under `poolLock`.
    private func evictIdleLocked() -> [TenantHandle] {
        guard openTenants.count > options.maxOpenTenants else { return [] }
        let idle = openTenants.values.filter { $0.leases == 0 }.sorted { $0.lastUsed < $1.lastUsed }
        let victims = Array(idle.prefix(openTenants.count - options.maxOpenTenants))
        for handle in victims {
            openTenants.removeValue(forKey: handle.record.name)
            closingTenants[handle.record.name] = handle
        }
        return victims
    }

    /// Flushes and closes evicted handles in the background, or right here when too many
    /// closes are already pending. Called without `poolLock`.
    private func closeEvicted(_ victims: [TenantHandle]) {
        for handle in victims {
            let finish = { [self] in
                handle.close(flush: true)
                poolLock.withLocked {
                    if closingTenants[handle.record.name] === handle {
                        closingTenants.removeValue(forKey: handle.record.name)
                    }
                }
            }
            let pending = poolLock.withLocked { closingTenants.count }
            if pending > Store.maxPendingCloses {
                finish()
            } else {
                closeQueue.async(execute: finish)
            }
        }
    }

    /// Tenant databases open right now, closing ones included (tests and benchmarks).
    public var openTenantCount: Int {
        closeQueue.sync {}
        return poolLock.withLocked { openTenants.values.filter { $0.isOpen }.count }
    }

    // MARK: - Directories

    func tenantDirectory(_ record: TenantRecord) -> String {
        directory + "/tenants/" + record.name + "-" + record.incarnation
    }

    /// 16 random hex digits: a new one per creation keeps a recreated tenant's files apart.
    static func makeIncarnation() -> String {
        let value = UInt64.random(in: .min ... .max)
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Renames `path` into `trash/` (constant time) and removes it in the background.
    private func moveToTrash(_ path: String) {
        let target = directory + "/trash/" + UUID().uuidString
        do {
            try FileManager.default.moveItem(atPath: path, toPath: target)
        } catch {
            // A tenant never used has no directory; anything else is swept at next start.
            return
        }
        background.enter()
        backgroundQueue.async { [background] in
            try? FileManager.default.removeItem(atPath: target)
            background.leave()
        }
    }

    /// Empties `trash/` and moves tenant directories no registry entry points to (a crash
    /// between a delete's registry write and its rename) into it. Runs in the background so
    /// start-up time does not grow with the number of tenants.
    private func sweepInBackground() {
        background.enter()
        // Delayed so that it does not compete with the first requests after a start.
        backgroundQueue.asyncAfter(deadline: .now() + Store.sweepDelaySeconds) { [self] in
            let isCalledOff = poolLock.withLocked {
                defer { if sweepStarted == false { sweepStarted = true } }
                return sweepStarted == nil
            }
            if isCalledOff { return }
            defer { background.leave() }
            let files = FileManager.default
            let tenantsPath = directory + "/tenants"
            for entry in (try? files.contentsOfDirectory(atPath: tenantsPath)) ?? [] {
                let name = String(entry.dropLast(17))
                let live = (try? registry.tenant(name)).flatMap { $0 }
                if live.map({ tenantDirectory($0) }) != tenantsPath + "/" + entry {
                    try? files.moveItem(
                        atPath: tenantsPath + "/" + entry,
                        toPath: directory + "/trash/" + UUID().uuidString
                    )
                }
            }
            for entry in (try? files.contentsOfDirectory(atPath: directory + "/trash")) ?? [] {
                try? files.removeItem(atPath: directory + "/trash/" + entry)
            }
        }
    }
}
