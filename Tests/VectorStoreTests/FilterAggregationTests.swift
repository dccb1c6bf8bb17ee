import XCTest

@testable import VectorStore

final class FilterAggregationTests: XCTestCase {
    func testFacetCountsEachValueOncePerPointMostFirstTiesByValue() throws {
        let payloads = [
            #"{"c": ["red", "red", "blue"]}"#, #"{"c": "blue"}"#, #"{"c": "green"}"#,
            #"{"c": ["green", 3, true, 1.5, null]}"#, #"{"c": 3}"#, "{}",
        ].map { try! JSONValue.parse($0).objectValue! }
        var counter = try FacetCounter(key: "c")
        payloads.forEach { counter.add($0) }
        let hits = counter.hits(limit: 10)
        XCTAssertEqual(
            hits.map(\.value),
            [.integer(3), .string("blue"), .string("green"), .bool(true), .string("red")]
        )
        XCTAssertEqual(hits.map(\.count), [2, 2, 2, 1, 1])
        XCTAssertEqual(counter.hits(limit: 2).map(\.value.json), [3, "blue"])
    }

    func testFacetNormalisesUUIDSpellingsWhenAsked() throws {
        let payloads = [
            #"{"u": "550E8400E29B41D4A716446655440000"}"#,
            #"{"u": "550e8400-e29b-41d4-a716-446655440000"}"#,
        ].map { try! JSONValue.parse($0).objectValue! }
        var plain = try FacetCounter(key: "u")
        var normalised = try FacetCounter(key: "u", normalizesUUIDs: true)
        for payload in payloads {
            plain.add(payload)
            normalised.add(payload)
        }
        XCTAssertEqual(plain.hits(limit: 10).count, 2)
        XCTAssertEqual(normalised.hits(limit: 10).map(\.count), [2])
        XCTAssertEqual(
            normalised.hits(limit: 10).first?.value,
            .string("550e8400-e29b-41d4-a716-446655440000")
        )
    }

    func testOrderValuesReadNumbersAndDatetimesNotBools() throws {
        let payload = try JSONValue.parse(
            #"{"v": [3, 2.5, true, "2024-01-01T00:00:00+01:00", "x", null]}"#
        ).objectValue!
        let values = OrderValue.values(at: try PayloadPath("v"), in: payload)
        XCTAssertEqual(values, [.integer(3), .double(2.5), .integer(1_704_063_600_000_000)])
        XCTAssertEqual(
            values.sorted(),
            [.double(2.5), .integer(3), .integer(1_704_063_600_000_000)]
        )
        XCTAssertEqual(
            try OrderValue(startFrom: "2024-01-01T00:00:00Z"),
            .integer(1_704_067_200_000_000)
        )
        XCTAssertEqual(try OrderValue(startFrom: 4.5), .double(4.5))
        XCTAssertThrowsError(try OrderValue(startFrom: "soon"))
        XCTAssertTrue(OrderValue.integer(2) < .double(2.5))
        XCTAssertTrue(OrderValue.double(1.5) < .integer(2))
    }
}
