import Foundation

/// What one archived file weighs and hashes to, as the manifest records it.
struct ArchivedFile: Equatable {
    var size: Int
    /// SHA-256 of the contents, 64 lower-case hex digits.
    var sha256: String
}

/// Writes a POSIX ustar archive (regular files only), hashing every file as it is written.
///
/// ustar because every `tar` reads it, so an operator can inspect a snapshot with
/// `tar tvf`; its limits (8 GiB per file, 255-byte paths split at a `/`) are far above
/// what a tenant database's files and our short paths need.
final class TarWriter {
    static let blockSize = 512
    /// Largest size the 11 octal digits of a ustar header can state.
    static let maxFileBytes = (1 << 33) - 1

    private let handle: FileHandle
    let path: String
    /// Hashes every byte written, so the archive's own checksum costs no second read.
    private let archiveHasher = SHA256Hasher()

    /// Creates (truncating) the archive at `path`.
    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
            let handle = FileHandle(forWritingAtPath: path)
        else { throw StoreError.storage(kind: "IO error", message: "cannot create \(path)") }
        self.path = path
        self.handle = handle
    }

    deinit { try? handle.close() }

    /// Appends the file at `source` as `name`.
    func addFile(named name: String, from source: String) throws -> ArchivedFile {
        let attributes = try FileManager.default.attributesOfItem(atPath: source)
        let size = (attributes[.size] as? NSNumber)?.intValue ?? 0
        try emit(try TarWriter.header(name: name, size: size))
        let hasher = SHA256Hasher()
        var written = 0
        try SnapshotFiles.forEachChunk(ofFile: source) { chunk in
            // A live file that grew must not overrun the size the header promised.
            let part = UnsafeRawBufferPointer(rebasing: chunk.prefix(size - written))
            hasher.update(part)
            try emit(Data(part))
            written += part.count
        }
        guard written == size else {
            throw StoreError.storage(
                kind: "IO error",
                message: "\(source) shrank while archiving: \(written) of \(size) bytes"
            )
        }
        try writePadding(after: size)
        return ArchivedFile(size: size, sha256: hasher.finalizeHex())
    }

    /// Appends `bytes` as the file `name`.
    func addFile(named name: String, bytes: [UInt8]) throws -> ArchivedFile {
        try emit(try TarWriter.header(name: name, size: bytes.count))
        try emit(Data(bytes))
        try writePadding(after: bytes.count)
        let hasher = SHA256Hasher()
        hasher.update(bytes)
        return ArchivedFile(size: bytes.count, sha256: hasher.finalizeHex())
    }

    /// Writes the two zero blocks that end an archive, syncs and closes the file.
    ///
    /// - Returns: the SHA-256 of the whole archive.
    func finish() throws -> String {
        try emit(Data(count: 2 * TarWriter.blockSize))
        try handle.synchronize()
        try handle.close()
        return archiveHasher.finalizeHex()
    }

    private func emit(_ data: Data) throws {
        data.withUnsafeBytes { archiveHasher.update($0) }
        try handle.write(contentsOf: data)
    }

    private func writePadding(after size: Int) throws {
        let remainder = size % TarWriter.blockSize
        if remainder != 0 {
            try emit(Data(count: TarWriter.blockSize - remainder))
        }
    }

    /// One ustar header block for a regular file of `size` bytes.
    static func header(name: String, size: Int) throws -> Data {
        guard size <= maxFileBytes else {
            throw StoreError.invalidArgument(
                field: "snapshot",
                message: "file \(name) is \(size) bytes, over ustar's \(maxFileBytes)"
            )
        }
        let (prefix, base) = try split(name)
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ text: String, at offset: Int) {
            for (index, byte) in text.utf8.enumerated() { block[offset + index] = byte }
        }
        put(base, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        put(octal(size, digits: 11), at: 124)
        put(octal(Int(Date().timeIntervalSince1970), digits: 11), at: 136)
        put("        ", at: 148)
        block[156] = UInt8(ascii: "0")
        put("ustar", at: 257)
        put("00", at: 263)
        put(prefix, at: 345)
        let checksum = block.reduce(0) { $0 + Int($1) }
        put(octal(checksum, digits: 6), at: 148)
        block[154] = 0
        block[155] = UInt8(ascii: " ")
        return Data(block)
    }

    /// Splits a path into ustar's prefix (≤155 bytes) and name (≤100 bytes) at a `/`.
    private static func split(_ path: String) throws -> (prefix: String, name: String) {
        let bytes = Array(path.utf8)
        if bytes.count <= 100 { return ("", path) }
        for (index, byte) in bytes.enumerated().reversed() where byte == UInt8(ascii: "/") {
            if index <= 155, bytes.count - index - 1 <= 100 {
                return (
                    String(decoding: bytes[..<index], as: UTF8.self),
                    String(decoding: bytes[(index + 1)...], as: UTF8.self)
                )
            }
        }
        throw StoreError.invalidArgument(field: "snapshot", message: "path too long: \(path)")
    }

    private static func octal(_ value: Int, digits: Int) -> String {
        let text = String(value, radix: 8)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

/// Reads what `TarWriter` wrote, strictly: every header's checksum is checked, only regular
/// files with relative, `..`-free paths are accepted, and an archive that ends early is
/// refused. Nothing outside the target directory is ever written.
enum TarReader {
    /// Extracts every file of `archive` under `directory`, hashing as it goes.
    ///
    /// - Returns: each file's path inside the archive with its size and SHA-256.
    /// - Throws: `invalidArgument(field: "snapshot")` naming what is wrong with the archive.
    static func extract(archive: String, into directory: String) throws -> [String: ArchivedFile] {
        guard let handle = FileHandle(forReadingAtPath: archive) else {
            throw StoreError.invalidArgument(field: "snapshot", message: "cannot open \(archive)")
        }
        defer { try? handle.close() }
        var files: [String: ArchivedFile] = [:]
        while true {
            let block = try readExactly(handle, TarWriter.blockSize, what: "a header")
            if block.allSatisfy({ $0 == 0 }) {
                _ = try readExactly(handle, TarWriter.blockSize, what: "the end marker")
                return files
            }
            let (path, size) = try parseHeader(block)
            guard files[path] == nil else { throw refused("file \(path) appears twice") }
            files[path] = try extractFile(handle, size: size, to: directory + "/" + path)
        }
    }

    private static func extractFile(
        _ handle: FileHandle,
        size: Int,
        to target: String
    ) throws -> ArchivedFile {
        let parent = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: target, contents: nil),
            let output = FileHandle(forWritingAtPath: target)
        else { throw StoreError.storage(kind: "IO error", message: "cannot create \(target)") }
        defer { try? output.close() }
        let hasher = SHA256Hasher()
        var remaining = size
        while remaining > 0 {
            let chunk = try readExactly(
                handle,
                min(remaining, SnapshotFiles.chunkBytes),
                what: "file contents"
            )
            chunk.withUnsafeBytes { hasher.update($0) }
            try output.write(contentsOf: chunk)
            remaining -= chunk.count
        }
        let padding = (TarWriter.blockSize - size % TarWriter.blockSize) % TarWriter.blockSize
        _ = try readExactly(handle, padding, what: "padding")
        try output.synchronize()
        return ArchivedFile(size: size, sha256: hasher.finalizeHex())
    }

    /// The path and size a header block states, after checking it.
    static func parseHeader(_ block: Data) throws -> (path: String, size: Int) {
        let bytes = [UInt8](block)
        var stored = bytes
        for index in 148..<156 { stored[index] = UInt8(ascii: " ") }
        let expected = stored.reduce(0) { $0 + Int($1) }
        guard let checksum = octal(bytes[148..<156]), checksum == expected else {
            throw refused("a header's checksum does not match (damaged archive)")
        }
        guard bytes[156] == UInt8(ascii: "0") || bytes[156] == 0 else {
            throw refused("entry type \(bytes[156]) is not a regular file")
        }
        guard let size = octal(bytes[124..<136]) else { throw refused("a header's size is bad") }
        let name = text(bytes[0..<100])
        let prefix = text(bytes[345..<500])
        let path = prefix.isEmpty ? name : prefix + "/" + name
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.hasPrefix("/"), parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
        else { throw refused("unsafe path \"\(path)\"") }
        return (path, size)
    }

    private static func text(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    private static func octal(_ field: ArraySlice<UInt8>) -> Int? {
        let digits = field.prefix { $0 != 0 && $0 != UInt8(ascii: " ") }
        guard !digits.isEmpty else { return nil }
        return Int(String(decoding: digits, as: UTF8.self), radix: 8)
    }

    private static func readExactly(
        _ handle: FileHandle,
        _ count: Int,
        what: String
    ) throws -> Data {
        guard count > 0 else { return Data() }
        let data = try handle.read(upToCount: count) ?? Data()
        guard data.count == count else {
            throw refused("the archive ends in the middle of \(what) (truncated)")
        }
        return data
    }

    static func refused(_ message: String) -> StoreError {
        .invalidArgument(field: "snapshot", message: "not a valid vecd snapshot: " + message)
    }
}
