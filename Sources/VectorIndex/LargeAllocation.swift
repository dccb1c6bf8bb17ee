import Foundation

/// Allocation for the graph's big arrays (vectors, level-0 lists), backed by transparent huge
/// pages where the kernel offers them.
///
/// Searches jump between random vectors, so with 4 KiB pages nearly every vector read also
/// misses the TLB; a 2 MiB page covers about 1,300 384-d vectors instead of 2.6. Linux hands
/// out huge pages only to 2 MiB-aligned ranges marked with `madvise(MADV_HUGEPAGE)` when THP
/// is in `madvise` mode (the Debian default), so large arrays get both. Elsewhere this is
/// plain aligned memory.
enum LargeAllocation {
    /// Arrays from this size up are aligned to and advised for huge pages.
    static let hugePageBytes = 2 << 20

    /// Uninitialised memory for `count` values; free it with `deallocate(_:)`.
    static func allocate<T>(_: T.Type, count: Int) -> UnsafeMutablePointer<T> {
        let bytes = max(count * MemoryLayout<T>.stride, 1)
        let alignment = bytes >= hugePageBytes ? hugePageBytes : 64
        var raw: UnsafeMutableRawPointer?
        let status = posix_memalign(&raw, alignment, bytes)
        precondition(status == 0 && raw != nil, "posix_memalign of \(bytes) bytes: \(status)")
        #if os(Linux)
        if alignment == hugePageBytes {
            // Advisory only: failure leaves ordinary pages, which are merely slower.
            _ = madvise(raw, (bytes + hugePageBytes - 1) & ~(hugePageBytes - 1), MADV_HUGEPAGE)
        }
        #endif
        return raw!.bindMemory(to: T.self, capacity: count)
    }

    static func deallocate<T>(_ pointer: UnsafeMutablePointer<T>) {
        free(pointer)
    }
}
