import XCTest

@testable import VectorStore

/// A point for filter tests: a numeric id and a payload written as JSON.
struct FilterTestPoint {
    var id: UInt64
    var payload: [String: JSONValue]
    var vectors: Set<String> = [""]

    init(_ id: UInt64, _ payloadJSON: String, vectors: Set<String> = [""]) {
        self.id = id
        // Test inputs are literals; a typo should fail loudly.
        self.payload = try! JSONValue.parse(payloadJSON).objectValue!
        self.vectors = vectors
    }
}

func parseFilter(
    _ json: String,
    file: StaticString = #filePath,
    line: UInt = #line
) throws -> Filter {
    try Filter(json: JSONValue.parse(json))
}

/// Ids of the points the filter matches, in input order, without any index.
func matchingIDs(_ points: [FilterTestPoint], _ filterJSON: String) throws -> [UInt64] {
    let filter = try parseFilter(filterJSON)
    return points.filter {
        filter.matches(id: .number($0.id), payload: $0.payload, vectorNames: $0.vectors)
    }.map(\.id)
}

/// Ids the filter matches when the planner's candidates are checked with `matches`, as the
/// storage layer does; slot = position in `points`.
func matchingIDsWithIndexes(
    _ points: [FilterTestPoint],
    _ filter: Filter,
    _ indexes: PayloadIndexSet
) -> [UInt64] {
    let slotByID = Dictionary(
        uniqueKeysWithValues: points.enumerated().map {
            (PointID.number($1.id), UInt32($0))
        }
    )
    let candidates = indexes.candidateSlots(for: filter) { slotByID[$0] }
    return points.enumerated().filter { slot, point in
        if let candidates, !candidates.contains(UInt32(slot)) { return false }
        return indexes.matches(
            filter,
            id: .number(point.id),
            payload: point.payload,
            vectorNames: point.vectors
        )
    }.map(\.element.id)
}

/// An index set over `points` with the given `field: schema` indexes.
func makeIndexes(_ points: [FilterTestPoint], _ schemas: [String: String]) throws -> PayloadIndexSet
{
    var indexes = PayloadIndexSet()
    for (field, schema) in schemas {
        try indexes.createIndex(
            field: field,
            schema: PayloadFieldSchema(json: JSONValue.parse(schema))
        )
    }
    for (slot, point) in points.enumerated() {
        indexes.add(slot: UInt32(slot), payload: point.payload)
    }
    return indexes
}

/// Asserts that parsing fails with `invalidFilter` and the message contains every fragment.
func assertInvalidFilter(
    _ json: String,
    mentions fragments: [String],
    file: StaticString = #filePath,
    line: UInt = #line
) {
    do {
        _ = try parseFilter(json)
        XCTFail("expected \(json) to be refused", file: file, line: line)
    } catch StoreError.invalidFilter(let message) {
        for fragment in fragments {
            XCTAssertTrue(
                message.contains(fragment),
                "message \"\(message)\" lacks \"\(fragment)\"",
                file: file,
                line: line
            )
        }
    } catch {
        XCTFail("expected invalidFilter, got \(error)", file: file, line: line)
    }
}
