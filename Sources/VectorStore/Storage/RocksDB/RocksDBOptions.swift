import CRocksDB

/// Resources every tenant database shares: one LRU block cache and one `Env` (so one pair of
/// background thread pools), however many databases are open.
final class RocksDBSharedResources: @unchecked Sendable {
    let cache: OpaquePointer
    let env: OpaquePointer

    /// - Parameters:
    ///   - blockCacheBytes: capacity of the shared cache (`rocksdb_cache_create_lru`).
    ///   - backgroundThreads: flush/compaction threads in the shared `Env`.
    init(blockCacheBytes: Int, backgroundThreads: Int) {
        cache = rocksdb_cache_create_lru(blockCacheBytes)
        env = rocksdb_create_default_env()
        // Flushes and compactions of all tenants share these pools; two cores here.
        rocksdb_env_set_background_threads(env, Int32(backgroundThreads))
        rocksdb_env_set_high_priority_background_threads(env, 1)
    }

    deinit {
        // Databases using these are closed first (the store owns both and closes them).
        rocksdb_cache_destroy(cache)
        rocksdb_env_destroy(env)
    }
}

/// An owned `rocksdb_options_t` set up for one small database among thousands.
final class RocksDBOptions {
    private(set) var raw: OpaquePointer
    private let tableOptions: OpaquePointer
    /// Retained so the cache and Env outlive every database opened with these options.
    private let shared: RocksDBSharedResources

    /// Small memtables, LZ4, the shared cache and Env, no WAL preallocation, bounded files.
    ///
    /// - Throws: `StoreError.storage` if RocksDB rejects the option string.
    init(shared: RocksDBSharedResources, writeBufferBytes: Int, maxOpenFiles: Int) throws {
        self.shared = shared
        let base = rocksdb_options_create()!
        tableOptions = rocksdb_block_based_options_create()
        rocksdb_block_based_options_set_block_cache(tableOptions, shared.cache)
        // Index and filter blocks go into the shared cache instead of staying pinned per open
        // table, so an open but quiet tenant holds almost nothing of its own.
        rocksdb_block_based_options_set_cache_index_and_filter_blocks(tableOptions, 1)
        // Searches read point records one key at a time (results, filter checks): a Bloom
        // filter lets a lookup skip the table files that lack the key, and a hash index finds
        // the key inside a block without a binary search. The table options own the policy.
        rocksdb_block_based_options_set_filter_policy(
            tableOptions,
            rocksdb_filterpolicy_create_bloom_full(10)
        )
        rocksdb_block_based_options_set_data_block_index_type(
            tableOptions,
            Int32(rocksdb_block_based_table_data_block_index_type_binary_search_and_hash)
        )
        rocksdb_block_based_options_set_data_block_hash_ratio(tableOptions, 0.75)
        rocksdb_options_set_block_based_table_factory(base, tableOptions)
        rocksdb_options_set_create_if_missing(base, 1)
        rocksdb_options_set_env(base, shared.env)
        rocksdb_options_set_compression(base, Int32(rocksdb_lz4_compression))
        rocksdb_options_set_write_buffer_size(base, writeBufferBytes)
        rocksdb_options_set_max_write_buffer_number(base, 2)
        // The default arena block is write_buffer/8 (512 KB at 4 MB), allocated as soon as a
        // memtable takes its first write; 64 KB blocks keep a lightly written tenant small.
        rocksdb_options_set_arena_block_size(base, 64 << 10)
        // Per-database table-reader cache: 64 shards by default, a few suffice for tiny DBs.
        rocksdb_options_set_table_cache_numshardbits(base, 2)
        // WAL and MANIFEST writers each buffer up to this much per open database (1 MB by
        // default); writes here are small batches, so 32 KB loses nothing.
        rocksdb_options_set_writable_file_max_buffer_size(base, 32 << 10)
        rocksdb_options_set_manifest_preallocation_size(base, 64 << 10)
        rocksdb_options_set_stats_dump_period_sec(base, 0)
        rocksdb_options_set_stats_persist_period_sec(base, 0)
        // Every open database keeps table files open; bound it so thousands fit in the fd limit.
        rocksdb_options_set_max_open_files(base, Int32(maxOpenFiles))
        rocksdb_options_set_keep_log_file_num(base, 2)
        rocksdb_options_set_max_manifest_file_size(base, 4 << 20)
        // WARN level keeps the per-database LOG file tiny.
        rocksdb_options_set_info_log_level(base, 2)
        // `allow_fallocate` has no C setter; preallocating ~1.1 × write_buffer per WAL filled
        // disks with many open databases (see shared/notes/rocksdb-many-tenants.md).
        let tuned = rocksdb_options_create()!
        defer { rocksdb_options_destroy(base) }
        do {
            try withRocksDBError { error in
                rocksdb_get_options_from_string(
                    base,
                    "allow_fallocate=false;recycle_log_file_num=0",
                    tuned,
                    error
                )
            }
        } catch {
            rocksdb_options_destroy(tuned)
            rocksdb_block_based_options_destroy(tableOptions)
            throw error
        }
        raw = tuned
    }

    deinit {
        rocksdb_options_destroy(raw)
        rocksdb_block_based_options_destroy(tableOptions)
    }
}

/// Owned write options: `sync` decides whether the WAL is fsynced before `write` returns.
final class RocksDBWriteOptions {
    let raw: OpaquePointer

    init(sync: Bool) {
        raw = rocksdb_writeoptions_create()
        rocksdb_writeoptions_set_sync(raw, sync ? 1 : 0)
    }

    deinit { rocksdb_writeoptions_destroy(raw) }

    /// Shared instances: write options are immutable once made and safe across threads.
    static let synced = RocksDBWriteOptions(sync: true)
    static let buffered = RocksDBWriteOptions(sync: false)
}
