import Foundation

// PLACEHOLDER owned by the ingest work: that engineer replaces this whole file with the real
// `ingest` and `query` commands (Sources/vecd/Ingest*/). Until then both refuse to run.

/// `vecd ingest`: not available in this build yet.
func runIngest(arguments: [String]) -> Int32 {
    FileHandle.standardError.write(Data("vecd ingest: not available yet\n".utf8))
    return 2
}

/// `vecd query`: not available in this build yet.
func runQuery(arguments: [String]) -> Int32 {
    FileHandle.standardError.write(Data("vecd query: not available yet\n".utf8))
    return 2
}
