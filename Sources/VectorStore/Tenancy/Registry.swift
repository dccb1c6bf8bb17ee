import Foundation

/// The node's tenant registry (`<data>/registry`): tenants, their limits, and API key records.
/// Layout in `KeyLayout`. Every write is synced: the registry decides what exists.
final class Registry: @unchecked Sendable {
    let database: RocksDBDatabase
    private let counterLock = NSLock()

    init(database: RocksDBDatabase) {
        self.database = database
    }

    /// Flushes the memtable first, so the next start opens the registry without replaying a
    /// write-ahead log that grows with every tenant and key ever written.
    func close() {
        guard database.isOpen else { return }
        try? database.flush()
        database.close()
    }

    /// A consistent copy of the registry database in `directory` (node backups).
    func checkpoint(into directory: String) throws { try database.checkpoint(into: directory) }

    // MARK: - Tenants

    func tenant(_ name: String) throws -> TenantRecord? {
        guard let bytes = try database.get(KeyLayout.tenant(name)) else { return nil }
        return try TenantRecord(storageJSON: try parse(bytes, what: "tenant \(name)"))
    }

    func putTenant(_ record: TenantRecord) throws {
        try database.put(
            KeyLayout.tenant(record.name),
            record.storageJSON.serialized(),
            sync: true
        )
    }

    /// Every tenant, in name order (one prefix scan).
    func tenants() throws -> [TenantRecord] {
        let prefix = [KeyLayout.tenantTag]
        let iterator = database.iterator(from: prefix, to: KeyLayout.end(ofPrefix: prefix))
        var records: [TenantRecord] = []
        iterator.seekToFirst()
        while iterator.isValid {
            records.append(try TenantRecord(storageJSON: try parse(iterator.value, what: "tenant")))
            iterator.next()
        }
        try iterator.checkError()
        return records
    }

    /// Removes the tenant and every key bound to it in one atomic, synced batch.
    func deleteTenant(_ name: String) throws {
        let batch = RocksDBWriteBatch()
        batch.delete(KeyLayout.tenant(name))
        batch.delete(KeyLayout.tenantCounters(name))
        for key in try keys(tenant: name) {
            batch.delete(KeyLayout.apiKey(hash: key.hash))
            batch.delete(KeyLayout.tenantKey(name, id: key.id))
        }
        try database.write(batch, sync: true)
    }

    // MARK: - Keys

    func putKey(_ key: KeyRecord) throws {
        let batch = RocksDBWriteBatch()
        // A key id reused for a new secret replaces the old hash entry.
        if let oldHash = try database.get(KeyLayout.tenantKey(key.tenant, id: key.id)) {
            batch.delete(KeyLayout.apiKey(hash: String(decoding: oldHash, as: UTF8.self)))
        }
        batch.put(KeyLayout.apiKey(hash: key.hash), key.storageJSON.serialized())
        batch.put(KeyLayout.tenantKey(key.tenant, id: key.id), Array(key.hash.utf8))
        try database.write(batch, sync: true)
    }

    func key(hash: String) throws -> KeyRecord? {
        guard let bytes = try database.get(KeyLayout.apiKey(hash: hash)) else { return nil }
        return try KeyRecord(storageJSON: try parse(bytes, what: "key"))
    }

    func keys(tenant: String) throws -> [KeyRecord] {
        let prefix = KeyLayout.tenantKeyPrefix(tenant)
        let iterator = database.iterator(from: prefix, to: KeyLayout.end(ofPrefix: prefix))
        var hashes: [String] = []
        iterator.seekToFirst()
        while iterator.isValid {
            hashes.append(String(decoding: iterator.value, as: UTF8.self))
            iterator.next()
        }
        try iterator.checkError()
        return try hashes.compactMap { try key(hash: $0) }
    }

    func deleteKey(id: String, tenant: String) throws -> Bool {
        guard let hash = try database.get(KeyLayout.tenantKey(tenant, id: id)) else { return false }
        let batch = RocksDBWriteBatch()
        batch.delete(KeyLayout.apiKey(hash: String(decoding: hash, as: UTF8.self)))
        batch.delete(KeyLayout.tenantKey(tenant, id: id))
        try database.write(batch, sync: true)
        return true
    }

    // MARK: - Usage counters

    /// Adds `deltas` to the tenant's counters in one read-modify-write under `counterLock`.
    /// Not synced, unlike the rest of the registry: a crash may lose the last few increments,
    /// which is cheaper than an fsync per counted request.
    func addCounters(_ deltas: [String: Int], tenant: String) throws {
        counterLock.lock()
        defer { counterLock.unlock() }
        var counters = try self.counters(tenant: tenant)
        for (name, delta) in deltas { counters[name, default: 0] += delta }
        let json = JSONValue.object(counters.mapValues { .int(Int64($0)) })
        try database.put(KeyLayout.tenantCounters(tenant), json.serialized(), sync: false)
    }

    func counters(tenant: String) throws -> [String: Int] {
        guard let bytes = try database.get(KeyLayout.tenantCounters(tenant)) else { return [:] }
        let json = try parse(bytes, what: "counters of \(tenant)")
        return (json.objectValue ?? [:]).compactMapValues { $0.intValue.map(Int.init) }
    }

    private func parse(_ bytes: [UInt8], what: String) throws -> JSONValue {
        do { return try JSONValue.parse(bytes) } catch {
            throw StoreError.corrupted("registry record for \(what): \(error)")
        }
    }
}
