import CCrypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Incremental SHA-256 over OpenSSL's `EVP_Digest*` calls; one instance per stream.
final class SHA256Hasher {
    private let context: OpaquePointer

    init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Feeds `bytes` (`EVP_DigestUpdate`).
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The digest as 64 lower-case hex digits (`EVP_DigestFinal_ex`); call once.
    func finalizeHex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { byte in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
    }

    /// SHA-256 of a whole file, read in 1 MiB chunks.
    static func hexDigest(ofFile path: String) throws -> String {
        let hasher = SHA256Hasher()
        try SnapshotFiles.forEachChunk(ofFile: path) { hasher.update($0) }
        return hasher.finalizeHex()
    }
}

/// File-system steps snapshots need: staging under `<data>/snapshots/.staging`, durable
/// publication (write, fsync, rename, fsync the directory) and name checks.
///
/// Every snapshot and restore is built in the staging directory and renamed into place only
/// when complete, so a crash at any moment leaves either the old state or the new one; what
/// a crash leaves in staging is removed when the store next opens.
enum SnapshotFiles {
    /// Read and copy granularity.
    static let chunkBytes = 1 << 20
    /// The extension of a published snapshot; anything else in a snapshot directory is ignored.
    static let fileExtension = ".snapshot"

    static func root(_ dataDirectory: String) -> String { dataDirectory + "/snapshots" }

    static func staging(_ dataDirectory: String) -> String { root(dataDirectory) + "/.staging" }

    /// A fresh, empty directory in staging (same file system as the data, so renames work).
    static func makeStagingDirectory(in dataDirectory: String, purpose: String) throws -> String {
        let path = staging(dataDirectory) + "/\(purpose)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Removes everything a crash left in staging. Called when the store opens, before any
    /// snapshot can run.
    static func removeStaging(in dataDirectory: String) {
        try? FileManager.default.removeItem(atPath: staging(dataDirectory))
    }

    /// Calls `body` with successive chunks of the file at `path`.
    static func forEachChunk(
        ofFile path: String,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.storage(kind: "IO error", message: "cannot open \(path)")
        }
        defer { try? handle.close() }
        while let data = try handle.read(upToCount: chunkBytes), !data.isEmpty {
            try data.withUnsafeBytes { try body($0) }
        }
    }

    /// Flushes a file or directory to disk (`fsync`), so a rename that follows is durable.
    static func sync(_ path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw StoreError.storage(kind: "IO error", message: "open \(path): errno \(errno)")
        }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw StoreError.storage(kind: "IO error", message: "fsync \(path): errno \(errno)")
        }
    }

    /// Moves a complete, synced file or directory to `target` and syncs the parent, so after
    /// a crash `target` is either absent or whole.
    static func publish(_ source: String, as target: String) throws {
        try sync(source)
        let parent = (target as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        guard rename(source, target) == 0 else {
            throw StoreError.storage(
                kind: "IO error",
                message: "rename \(source) to \(target): errno \(errno)"
            )
        }
        try sync(parent)
    }

    /// A snapshot file name as the API accepts it: `[A-Za-z0-9._-]`, ending in `.snapshot`,
    /// not starting with `.` (no path traversal, no hidden staging files).
    static func isValidName(_ name: String) -> Bool {
        let allowed = name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
                UInt8(ascii: "."):
                return true
            default:
                return false
            }
        }
        return allowed && !name.hasPrefix(".") && name.hasSuffix(fileExtension)
            && name.utf8.count <= 200
    }

    /// `<label>-<UTC time>-<4 hex>.snapshot`, Qdrant-like and unique within a second.
    static func makeName(label: String, at date: Date) -> String {
        let safe = String(
            label.unicodeScalars.map { scalar -> Character in
                let isSafe = scalar.isASCII
                    && (CharacterSet.alphanumerics.contains(scalar) || "_-".unicodeScalars
                        .contains(scalar))
                return isSafe ? Character(scalar) : "_"
            }.prefix(64)
        )
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd-HH-mm-ss"
        let random = String(UInt16.random(in: .min ... .max), radix: 16)
        return "\(safe)-\(formatter.string(from: date))-\(random)\(fileExtension)"
    }

    /// Every regular file directly in `directory` (checkpoints are flat), sorted.
    static func regularFiles(in directory: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory)
        return names.filter { name in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(
                atPath: directory + "/" + name,
                isDirectory: &isDirectory
            )
            return exists && !isDirectory.boolValue
        }.sorted()
    }
}
