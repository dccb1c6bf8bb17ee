import Foundation
import XCTest

/// Paths into the repository's `fixtures/` folder and scratch folders for tests.
enum TestFixtures {
    /// The package root, found from this file's location (`Tests/VecClientTests/…`).
    static let root: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().path
    }()

    static func corpus(_ relative: String) -> String { root + "/fixtures/corpus/" + relative }

    static func read(_ relative: String) throws -> String {
        try String(contentsOfFile: corpus(relative), encoding: .utf8)
    }
}

/// A folder under the system temporary folder, deleted when the value goes away.
final class TemporaryFolder {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "vecclient-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `contents` to `name` (folders created as needed) and returns the full path.
    @discardableResult
    func write(_ name: String, _ contents: String) throws -> String {
        try write(name, bytes: Array(contents.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let full = path + "/" + name
        let folder = (full as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
        return full
    }
}
