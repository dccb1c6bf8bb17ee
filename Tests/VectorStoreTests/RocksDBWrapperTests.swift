import Foundation
import TestSupport
import XCTest

@testable import VectorStore

final class RocksDBWrapperTests: XCTestCase {
    private var directory = ""
    private var shared: RocksDBSharedResources!
    private var options: RocksDBOptions!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.path + "/vecd-rocks-\(UUID().uuidString)"
        shared = RocksDBSharedResources(blockCacheBytes: 1 << 20, backgroundThreads: 1)
        options = try RocksDBOptions(shared: shared, writeBufferBytes: 1 << 20, maxOpenFiles: 8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testErrorKindIsReadFromTheMessagePrefix() {
        XCTAssertEqual(rocksDBErrorKind("IO error: While lock file: /x/LOCK"), "IO error")
        XCTAssertEqual(rocksDBErrorKind("Corruption: bad block"), "Corruption")
        XCTAssertEqual(rocksDBErrorKind("no colon"), "Unknown")
    }

    func testOpeningALockedDatabaseThrowsAStorageErrorWithKindAndMessage() throws {
        let first = try RocksDBDatabase(path: directory, options: options)
        XCTAssertThrowsError(try RocksDBDatabase(path: directory, options: options)) { error in
            guard case StoreError.storage(let kind, let message) = error else {
                return XCTFail("expected a storage error, got \(error)")
            }
            XCTAssertEqual(kind, "IO error")
            XCTAssertTrue(message.contains("LOCK"), message)
        }
        first.close()
    }

    func testPutGetAndMissingKey() throws {
        let database = try RocksDBDatabase(path: directory, options: options)
        try database.put([1, 2], [9, 9, 9], sync: true)
        try database.put([3], [], sync: false)
        XCTAssertEqual(try database.get([1, 2]), [9, 9, 9])
        XCTAssertEqual(try database.get([3]), [])
        XCTAssertNil(try database.get([1]))
    }

    func testIteratorStaysWithinItsBounds() throws {
        let database = try RocksDBDatabase(path: directory, options: options)
        for key: [UInt8] in [[0x61], [0x62, 0], [0x62, 0xFF], [0x63]] {
            try database.put(key, key, sync: false)
        }
        let iterator = database.iterator(from: [0x62], to: [0x63])
        var seen: [[UInt8]] = []
        iterator.seekToFirst()
        while iterator.isValid {
            seen.append(iterator.key)
            XCTAssertEqual(iterator.value, iterator.key)
            iterator.next()
        }
        XCTAssertEqual(seen, [[0x62, 0], [0x62, 0xFF]])
        iterator.seekToLast()
        XCTAssertEqual(iterator.key, [0x62, 0xFF])
        try iterator.checkError()
    }

    func testBatchWithRangeDeleteAppliesTogether() throws {
        let database = try RocksDBDatabase(path: directory, options: options)
        for index: UInt8 in 0..<10 { try database.put([7, index], [index], sync: false) }
        let batch = RocksDBWriteBatch()
        batch.deleteRange(from: [7, 2], to: [7, 8])
        batch.put([8], [1])
        batch.delete([7, 0])
        XCTAssertEqual(batch.count, 3)
        try database.write(batch, sync: true)
        let remaining = (0..<10).filter { (try? database.get([7, UInt8($0)])) != nil }
        XCTAssertEqual(remaining, [1, 8, 9])
        XCTAssertEqual(try database.get([8]), [1])
    }

    func testDataSurvivesCloseAndReopen() throws {
        var database: RocksDBDatabase? = try RocksDBDatabase(path: directory, options: options)
        try database?.put([42], [1, 2, 3], sync: true)
        try database?.flush()
        database?.close()
        database = nil
        let reopened = try RocksDBDatabase(path: directory, options: options)
        XCTAssertEqual(try reopened.get([42]), [1, 2, 3])
    }
}
