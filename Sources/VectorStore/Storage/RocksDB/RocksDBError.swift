import CRocksDB
import Foundation

/// Runs one RocksDB C call that reports failure through a `char** errptr` out-parameter.
///
/// The message RocksDB allocates is copied and released with `rocksdb_free`, then thrown as
/// `StoreError.storage(kind:message:)`; `kind` is the status prefix RocksDB writes before the
/// first colon (`IO error`, `Corruption`, `Invalid argument`, …).
///
/// - Throws: `StoreError.storage` when the call set the error pointer.
@discardableResult
func withRocksDBError<Result>(
    _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) throws -> Result
) throws -> Result {
    var error: UnsafeMutablePointer<CChar>? = nil
    let result = try body(&error)
    if let error {
        // Safety: RocksDB hands back a NUL-terminated, malloc'ed string that we own.
        let message = String(cString: error)
        rocksdb_free(error)
        throw StoreError.storage(kind: rocksDBErrorKind(message), message: message)
    }
    return result
}

/// The status kind at the front of a RocksDB message ("IO error: …" → "IO error").
func rocksDBErrorKind(_ message: String) -> String {
    guard let colon = message.firstIndex(of: ":") else { return "Unknown" }
    let kind = message[..<colon].trimmingCharacters(in: .whitespaces)
    return kind.isEmpty ? "Unknown" : String(kind)
}
