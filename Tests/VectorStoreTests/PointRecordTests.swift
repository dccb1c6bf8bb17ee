import XCTest

@testable import VectorStore

final class PointRecordTests: XCTestCase {
    func testRecordRoundTripsVectorsPayloadSlotAndVersion() throws {
        let record = PointRecord(
            version: 77,
            slot: 123_456,
            vectorNames: ["image", ""],
            payload: ["city": "Berlin", "n": 5, "nested": ["a": [1, 2, nil]]]
        )
        let decoded = try PointRecord(decoding: record.encoded())
        XCTAssertEqual(decoded, record)
        XCTAssertEqual(decoded.vectorNames, ["", "image"])
        let namesOnly = try PointRecord(decoding: record.encoded(), decodePayload: false)
        XCTAssertEqual(namesOnly.vectorNames, record.vectorNames)
        XCTAssertEqual(namesOnly.payload, [:])
        let vector: [Float] = [1, -2.5, 0, .leastNonzeroMagnitude, -.greatestFiniteMagnitude]
        XCTAssertEqual(try PointRecord.decode(vector: PointRecord.encode(vector: vector)), vector)
    }

    func testTruncatedRecordIsReportedAsCorrupted() {
        let bytes = PointRecord(version: 1, slot: 1, vectorNames: ["vector-a"], payload: [:])
            .encoded()
        XCTAssertThrowsError(try PointRecord(decoding: Array(bytes.prefix(18)))) { error in
            guard case StoreError.corrupted(let message) = error else {
                return XCTFail("expected corrupted, got \(error)")
            }
            XCTAssertTrue(message.contains("vector names"), message)
        }
        XCTAssertThrowsError(try PointRecord.decode(vector: [1, 2, 3]))
    }

    func testCountersRoundTrip() throws {
        var counters = CollectionCounters()
        counters.nextSlot = 9
        counters.nextVersion = 1 << 40
        counters.pointCount = 3
        XCTAssertEqual(try CollectionCounters(decoding: counters.encoded()), counters)
        XCTAssertThrowsError(try CollectionCounters(decoding: [1, 2]))
    }

    func testCollectionDataRangesOfNeighbouringIdsDoNotOverlap() {
        let first = KeyLayout.collectionData(1)
        let end = KeyLayout.collectionDataEnd(1)
        XCTAssertEqual(end, KeyLayout.collectionData(2))
        let largestKeyOfFirst = KeyLayout.point(1, .uuid(.max, .max))
        XCTAssertTrue(first.lexicographicallyPrecedes(largestKeyOfFirst))
        XCTAssertTrue(largestKeyOfFirst.lexicographicallyPrecedes(end))
    }

    func testVectorSpaceKeysOfPrefixRelatedNamesDoNotOverlap() {
        let short = KeyLayout.vectorPrefix(1, "a")
        let long = KeyLayout.vectorPrefix(1, "ab")
        XCTAssertFalse(long.starts(with: short))
        XCTAssertFalse(KeyLayout.vector(1, "a", .max).starts(with: long))
    }

    func testPointKeysSortInIDOrder() {
        let ids: [PointID] = [.number(2), .number(256), .number(1 << 40), .uuid(0, 1), .uuid(1, 0)]
        let keys = ids.map { KeyLayout.point(3, $0) }
        XCTAssertEqual(keys, keys.sorted { $0.lexicographicallyPrecedes($1) })
    }
}
