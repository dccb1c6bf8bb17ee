import XCTest

@testable import VectorStore

final class FilterEvaluationTests: XCTestCase {
    // MARK: - B15: match.except

    /// B15 (first part, without an index): a bool is kept, a missing key is not.
    func testB15ExceptKeepsNonStringValuesAndDropsMissingKey() throws {
        let points = [
            FilterTestPoint(1, #"{"tag": true}"#), FilterTestPoint(2, #"{"tag": "blue"}"#),
            FilterTestPoint(3, #"{"tag": "red"}"#), FilterTestPoint(4, "{}"),
        ]
        let filter = #"{"must": [{"key": "tag", "match": {"except": ["red"]}}]}"#
        XCTAssertEqual(try matchingIDs(points, filter), [1, 2])
    }

    /// B15 (second part, without an index): `except: []` keeps every point holding the field.
    func testB15EmptyExceptOnIntegersKeepsPointsWithTheField() throws {
        let points = [
            FilterTestPoint(1, #"{"n": 1}"#), FilterTestPoint(2, #"{"n": 2}"#),
            FilterTestPoint(3, "{}"), FilterTestPoint(4, #"{"n": null}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "n", "match": {"except": []}}}"#),
            [1, 2]
        )
    }

    func testExceptOnArraysNeedsOneValueOutsideTheList() throws {
        let points = [
            FilterTestPoint(1, #"{"tag": ["red", "blue"]}"#),
            FilterTestPoint(2, #"{"tag": ["red"]}"#),
            FilterTestPoint(3, #"{"tag": []}"#), FilterTestPoint(4, #"{"tag": [null, "red"]}"#),
            FilterTestPoint(5, #"{"tag": 7}"#), FilterTestPoint(6, #"{"n": [1, 2]}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "tag", "match": {"except": ["red"]}}}"#),
            [1, 5]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "n", "match": {"except": [1, 2]}}}"#),
            []
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "tag", "match": {"except": [7]}}}"#),
            [1, 2, 4]
        )
    }

    // MARK: - match

    func testMatchValueComparesTypesStrictly() throws {
        let points = [
            FilterTestPoint(1, #"{"v": 1}"#), FilterTestPoint(2, #"{"v": 1.0}"#),
            FilterTestPoint(3, #"{"v": "1"}"#), FilterTestPoint(4, #"{"v": true}"#),
            FilterTestPoint(5, #"{"v": [3, 1]}"#), FilterTestPoint(6, #"{"v": [[1]]}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "v", "match": {"value": 1}}}"#),
            [1, 5]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "v", "match": {"value": "1"}}}"#),
            [3]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "v", "match": {"value": true}}}"#),
            [4]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "v", "match": {"any": [3, 9]}}}"#),
            [5]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "v", "match": {"any": []}}}"#),
            []
        )
    }

    func testPrefixIsCaseSensitiveAndStringOnly() throws {
        let points = [
            FilterTestPoint(1, #"{"c": "ABC-1"}"#), FilterTestPoint(2, #"{"c": "abc-2"}"#),
            FilterTestPoint(3, #"{"c": ["x", "ABx"]}"#), FilterTestPoint(4, #"{"c": 12}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "c", "match": {"prefix": "AB"}}}"#),
            [1, 3]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "c", "match": {"prefix": ""}}}"#),
            [1, 2, 3]
        )
    }

    /// Without a text index Qdrant (1.19.1) tokenizes with the word tokenizer, lowercased:
    /// whole tokens, any order, case-insensitive; not substrings.
    func testFullTextWithoutIndexMatchesWholeTokens() throws {
        let points = [
            FilterTestPoint(1, #"{"t": "Good cheap hardware"}"#),
            FilterTestPoint(2, #"{"t": "goodness only"}"#),
            FilterTestPoint(3, #"{"t": "cheap, GOOD!"}"#),
            FilterTestPoint(4, #"{"t": ["x", "hardware good"]}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "t", "match": {"text": "good cheap"}}}"#),
            [1, 3]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "t", "match": {"text": "good"}}}"#),
            [1, 3, 4]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "t", "match": {"text_any": "only hardware"}}}"#
            ),
            [1, 2, 4]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "t", "match": {"phrase": "cheap hardware"}}}"#
            ),
            [1]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "t", "match": {"phrase": "hardware cheap"}}}"#
            ),
            []
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "t", "match": {"text": " ,"}}}"#),
            []
        )
    }

    // MARK: - range

    func testNumericRangeOnIntegersFloatsAndArraysNotBools() throws {
        let points = [
            FilterTestPoint(1, #"{"p": 5}"#), FilterTestPoint(2, #"{"p": 5.5}"#),
            FilterTestPoint(3, #"{"p": [1, 10]}"#), FilterTestPoint(4, #"{"p": true}"#),
            FilterTestPoint(5, #"{"p": "6"}"#), FilterTestPoint(6, #"{"p": null}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "p", "range": {"gte": 5, "lt": 10}}}"#),
            [1, 2]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "p", "range": {"gt": 5}}}"#),
            [2, 3]
        )
        XCTAssertEqual(try matchingIDs(points, #"{"must": {"key": "p", "range": {}}}"#), [1, 2, 3])
    }

    func testDatetimeRangeNormalisesOffsetsToUTC() throws {
        let points = [
            FilterTestPoint(1, #"{"at": "2024-03-01T10:00:00Z"}"#),
            FilterTestPoint(2, #"{"at": "2024-03-01T11:30:00+02:00"}"#),  // 09:30Z
            FilterTestPoint(3, #"{"at": "2024-03-01 12:00:00.5-0100"}"#),  // 13:00:00.5Z
            FilterTestPoint(4, #"{"at": "2024-03-01"}"#),  // 00:00Z
            FilterTestPoint(5, #"{"at": "not a date"}"#),
            FilterTestPoint(6, #"{"at": 1709287200}"#),
        ]
        let filter =
            #"{"must": {"key": "at", "range": {"gte": "2024-03-01T11:00:00+01:00", "lte": "2024-03-01T13:00:00.5Z"}}}"#
        XCTAssertEqual(try matchingIDs(points, filter), [1, 3])
        let before = #"{"must": {"key": "at", "range": {"lt": "2024-03-01T10:00:00+00:20"}}}"#
        XCTAssertEqual(try matchingIDs(points, before), [2, 4])
    }

    func testDatetimeParserFormsAndRejections() {
        let utcTen: Int64 = 1_709_287_200_000_000  // 2024-03-01T10:00:00Z
        let forms = [
            "2024-03-01T10:00:00Z", "2024-03-01t10:00:00z", "2024-03-01 10:00:00",
            "2024-03-01T10:00",
            "2024-03-01T12:00:00+02:00", "2024-03-01T12:00:00+0200", "2024-03-01T12:00:00+02",
            "2024-03-01T12:00:00 +02:00", "2024-03-01 10:00:00 UTC",
            "2024-03-01T10:00:00.000000000Z",
        ]
        for form in forms { XCTAssertEqual(PayloadDatetime.microseconds(from: form), utcTen, form) }
        XCTAssertEqual(
            PayloadDatetime.microseconds(from: "2024-03-01T10:00:00.1234569Z"),
            utcTen + 123_456
        )
        XCTAssertEqual(PayloadDatetime.microseconds(from: "1969-12-31T23:59:59Z"), -1_000_000)
        for bad in [
            "2024-02-30", "2024-13-01", "2024-03-01T24:00:00Z", "2024-03-01T10:00:00+", "20240301",
            "x",
        ] {
            XCTAssertNil(PayloadDatetime.microseconds(from: bad), bad)
        }
        XCTAssertEqual(
            PayloadDatetime.rfc3339(microseconds: utcTen + 500_000),
            "2024-03-01T10:00:00.5Z"
        )
        XCTAssertEqual(PayloadDatetime.rfc3339(microseconds: -1_000_000), "1969-12-31T23:59:59Z")
    }

    // MARK: - empty, null, count

    func testIsEmptyIsNullAndValuesCountOnNullsArraysAndMissingKeys() throws {
        let points = [
            FilterTestPoint(1, #"{"f": null}"#), FilterTestPoint(2, #"{"f": []}"#),
            FilterTestPoint(3, "{}"), FilterTestPoint(4, #"{"f": [null]}"#),
            FilterTestPoint(5, #"{"f": [1, null]}"#), FilterTestPoint(6, #"{"f": "x"}"#),
            FilterTestPoint(7, #"{"f": [1, 2, 3]}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"is_empty": {"key": "f"}}}"#),
            [1, 2, 3]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "f", "is_empty": true}}"#),
            [1, 2, 3]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "f", "is_empty": false}}"#),
            [4, 5, 6, 7]
        )
        XCTAssertEqual(try matchingIDs(points, #"{"must": {"is_null": {"key": "f"}}}"#), [1, 4, 5])
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "f", "is_null": false}}"#),
            [2, 3, 6, 7]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "f", "values_count": {"gte": 2}}}"#),
            [5, 7]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": {"key": "f", "values_count": {"lt": 1}}}"#),
            [1, 2]
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must_not": {"is_empty": {"key": "f"}}}"#),
            [4, 5, 6, 7]
        )
    }

    // MARK: - paths, nested

    func testDottedKeysAndArrayProjection() throws {
        let points = [
            FilterTestPoint(
                1,
                """
                {"country": {"name": "DE", "cities": [{"name": "Berlin", "population": 3.7},
                                                      {"name": "Bonn", "population": 0.3}]}}
                """
            ),
            FilterTestPoint(
                2,
                #"{"country": {"name": "FR", "cities": [{"name": "Paris", "population": 2.1}]}}"#
            ),
            FilterTestPoint(3, #"{"country": [{"name": "DE"}]}"#),
        ]
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "country.name", "match": {"value": "DE"}}}"#
            ),
            [1]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "country[].name", "match": {"value": "DE"}}}"#
            ),
            [3]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "country.cities[].population", "range": {"gte": 3}}}"#
            ),
            [1]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "country.cities[1].name", "match": {"value": "Bonn"}}}"#
            ),
            [1]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "country.cities", "values_count": {"gte": 2}}}"#
            ),
            [1]
        )
    }

    /// `nested` requires one element to satisfy every inner condition; a plain array
    /// projection lets different elements satisfy different conditions.
    func testNestedAppliesTheFilterPerElement() throws {
        let points = [
            FilterTestPoint(
                1,
                #"{"diet": [{"food": "meat", "likes": false}, {"food": "veg", "likes": true}]}"#
            ),
            FilterTestPoint(2, #"{"diet": [{"food": "meat", "likes": true}]}"#),
            FilterTestPoint(3, #"{"diet": {"food": "meat", "likes": true}}"#),
        ]
        let flat =
            """
            {"must": [{"key": "diet[].food", "match": {"value": "meat"}},
                      {"key": "diet[].likes", "match": {"value": true}}]}
            """
        XCTAssertEqual(try matchingIDs(points, flat), [1, 2])
        let nested =
            #"{"must": {"nested": {"key": "diet", "filter": {"must": [{"key": "food", "match": {"value": "meat"}}, {"key": "likes", "match": {"value": true}}]}}}}"#
        XCTAssertEqual(try matchingIDs(points, nested), [2])
        let written =
            #"{"must": {"nested": {"key": "diet[]", "filter": {"must_not": {"key": "likes", "match": {"value": true}}}}}}"#
        XCTAssertEqual(try matchingIDs(points, written), [1])
    }

    // MARK: - ids, vectors, slices, clauses

    func testHasIDHasVectorAndSlice() throws {
        let points = [
            FilterTestPoint(1, "{}", vectors: ["", "image"]),
            FilterTestPoint(2, "{}", vectors: [""]),
            FilterTestPoint(3, "{}", vectors: []),
        ]
        XCTAssertEqual(try matchingIDs(points, #"{"must": {"has_id": [3, 1, 99]}}"#), [1, 3])
        XCTAssertEqual(try matchingIDs(points, #"{"must": {"has_vector": "image"}}"#), [1])
        XCTAssertEqual(try matchingIDs(points, #"{"must": {"has_vector": ""}}"#), [1, 2])
        // Slices of one total partition the ids.
        let many = (0..<200).map { FilterTestPoint(UInt64($0), "{}") }
        var seen: [UInt64] = []
        for index in 0..<3 {
            let slice = try matchingIDs(
                many,
                #"{"must": {"slice": {"total": 3, "index": \#(index)}}}"#
            )
            XCTAssertGreaterThan(slice.count, 40)
            seen += slice
        }
        XCTAssertEqual(seen.sorted(), many.map(\.id))
    }

    func testSipHashMatchesReferenceVector() {
        // Reference vector from the SipHash paper: key 00..0f, message 00..0e (15 bytes).
        let key0: UInt64 = 0x0706_0504_0302_0100
        let key1: UInt64 = 0x0f0e_0d0c_0b0a_0908
        XCTAssertEqual(SipHash24.hash(Array(0..<15), key0: key0, key1: key1), 0xa129_ca61_49be_45e5)
        XCTAssertEqual(SipHash24.hash([], key0: key0, key1: key1), 0x726f_db47_dd0e_0e31)
    }

    func testShouldMustNotAndMinShould() throws {
        let points = (1...6).map {
            FilterTestPoint(UInt64($0), #"{"n": \#($0), "even": \#($0 % 2 == 0)}"#)
        }
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"should": [{"key": "n", "match": {"value": 1}}, {"key": "n", "match": {"value": 4}}]}"#
            ),
            [1, 4]
        )
        XCTAssertEqual(try matchingIDs(points, #"{"should": []}"#), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must_not": [{"key": "even", "match": {"value": true}}, {"key": "n", "match": {"value": 1}}]}"#
            ),
            [3, 5]
        )
        let minShould =
            #"{"min_should": {"min_count": 2, "conditions": [{"key": "even", "match": {"value": true}}, {"key": "n", "range": {"gt": 3}}, {"key": "n", "match": {"any": [2, 5]}}]}}"#
        XCTAssertEqual(try matchingIDs(points, minShould), [2, 4, 5, 6])
        XCTAssertEqual(
            try matchingIDs(points, #"{"min_should": {"min_count": 1, "conditions": []}}"#),
            []
        )
        XCTAssertEqual(
            try matchingIDs(points, #"{"must": [{"must_not": {"key": "n", "range": {"lt": 5}}}]}"#),
            [5, 6]
        )
        XCTAssertEqual(try matchingIDs(points, "{}"), [1, 2, 3, 4, 5, 6])
    }

    // MARK: - geo

    func testGeoRadiusBoundingBoxAndPolygonWithHole() throws {
        let points = [
            FilterTestPoint(1, #"{"loc": {"lon": 13.404954, "lat": 52.520008}}"#),  // Berlin
            FilterTestPoint(2, #"{"loc": {"lon": 2.352222, "lat": 48.856613}}"#),  // Paris
            FilterTestPoint(3, #"{"loc": [{"lon": 0, "lat": 0}, {"lon": 13.41, "lat": 52.52}]}"#),
            FilterTestPoint(4, #"{"loc": {"lon": 179.5, "lat": 0.5}}"#),
            FilterTestPoint(5, #"{"loc": {"lat": 52.52}}"#),
            FilterTestPoint(6, #"{"loc": "Berlin"}"#),
        ]
        // Berlin–Paris is about 878 km.
        let radius =
            #"{"must": {"key": "loc", "geo_radius": {"center": {"lon": 13.4, "lat": 52.52}, "radius": %@}}}"#
        XCTAssertEqual(
            try matchingIDs(points, radius.replacingOccurrences(of: "%@", with: "1000")),
            [1, 3]
        )
        XCTAssertEqual(
            try matchingIDs(points, radius.replacingOccurrences(of: "%@", with: "900000")),
            [1, 2, 3]
        )
        XCTAssertEqual(
            try matchingIDs(points, radius.replacingOccurrences(of: "%@", with: "870000")),
            [1, 3]
        )
        let box =
            #"{"must": {"key": "loc", "geo_bounding_box": {"top_left": {"lon": 13.0, "lat": 53}, "bottom_right": {"lon": 14, "lat": 52}}}}"#
        XCTAssertEqual(try matchingIDs(points, box), [1, 3])
        let antimeridian =
            #"{"must": {"key": "loc", "geo_bounding_box": {"top_left": {"lon": 179, "lat": 1}, "bottom_right": {"lon": -179, "lat": -1}}}}"#
        XCTAssertEqual(try matchingIDs(points, antimeridian), [4])
        let square =
            #"{"points": [{"lon": -1, "lat": -1}, {"lon": 20, "lat": -1}, {"lon": 20, "lat": 60}, {"lon": -1, "lat": 60}, {"lon": -1, "lat": -1}]}"#
        let hole =
            #"{"points": [{"lon": 13, "lat": 52}, {"lon": 14, "lat": 52}, {"lon": 14, "lat": 53}, {"lon": 13, "lat": 53}, {"lon": 13, "lat": 52}]}"#
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "loc", "geo_polygon": {"exterior": \#(square)}}}"#
            ),
            [1, 2, 3]
        )
        XCTAssertEqual(
            try matchingIDs(
                points,
                #"{"must": {"key": "loc", "geo_polygon": {"exterior": \#(square), "interiors": [\#(hole)]}}}"#
            ),
            [2, 3]
        )
        XCTAssertEqual(
            haversineDistance(
                GeoPoint(lon: 13.404954, lat: 52.520008),
                GeoPoint(lon: 2.352222, lat: 48.856613)
            ),
            877_464,
            accuracy: 1_000
        )
    }
}
