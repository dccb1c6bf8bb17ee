import XCTest

@testable import VectorStore

final class FilterParsingTests: XCTestCase {
    func testClausesAcceptOneConditionOrAnArrayAndNull() throws {
        let single = try parseFilter(#"{"must": {"key": "a", "match": {"value": 1}}}"#)
        let array = try parseFilter(#"{"must": [{"key": "a", "match": {"value": 1}}]}"#)
        XCTAssertEqual(single, array)
        let nulls = try parseFilter(
            #"{"must": null, "should": null, "must_not": null, "min_should": null}"#
        )
        XCTAssertEqual(nulls, Filter())
    }

    func testParsesEveryConditionKind() throws {
        let filter = try parseFilter(
            """
            {"must": [
              {"key": "city", "match": {"value": "London"}},
              {"key": "n", "match": {"any": [1, 2]}},
              {"key": "tag", "match": {"except": ["x"]}},
              {"key": "body", "match": {"text": "Hello World"}},
              {"key": "body", "match": {"text_any": "a b"}},
              {"key": "body", "match": {"phrase": "a b"}},
              {"key": "code", "match": {"prefix": "AB"}},
              {"key": "price", "range": {"gte": 1, "lt": 2.5}},
              {"key": "at", "range": {"gt": "2024-01-01T00:00:00+02:00"}},
              {"key": "loc", "geo_radius": {"center": {"lon": 1, "lat": 2}, "radius": 10}},
              {"key": "tags", "values_count": {"gt": 1}},
              {"key": "x", "is_empty": true},
              {"is_empty": {"key": "y"}},
              {"is_null": {"key": "z"}},
              {"has_id": [1, "550e8400-e29b-41d4-a716-446655440000"]},
              {"has_vector": "image"},
              {"slice": {"total": 4, "index": 1}},
              {"nested": {"key": "items", "filter": {"must": {"key": "sku", "match": {"value": "a"}}}}},
              {"should": [{"key": "a", "match": {"value": true}}]}
            ],
            "min_should": {"conditions": [{"key": "a", "match": {"value": true}}], "min_count": 1}}
            """
        )
        XCTAssertEqual(filter.must?.count, 19)
        XCTAssertEqual(filter.minShould?.minCount, 1)
        guard case .field(let range)? = filter.must?[8], case .datetime(let bounds)? = range.range
        else { return XCTFail("expected a datetime range") }
        // 2024-01-01T00:00:00+02:00 is 2023-12-31T22:00:00Z.
        XCTAssertEqual(bounds.gt, 1_704_060_000_000_000)
    }

    func testUnknownKeysAreNamedEverywhere() {
        assertInvalidFilter(#"{"must": [], "shuld": []}"#, mentions: ["`shuld`"])
        assertInvalidFilter(
            #"{"must": [{"key": "a", "mach": {"value": 1}}]}"#,
            mentions: ["`mach`", "filter.must[0]"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a", "match": {"valu": 1}}}"#,
            mentions: ["`valu`", "match"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a", "range": {"gt": 1, "lt": 2, "eq": 3}}}"#,
            mentions: ["`eq`"]
        )
        assertInvalidFilter(
            #"{"must": [{"is_empty": {"key": "a", "strict": true}}]}"#,
            mentions: ["`strict`"]
        )
        assertInvalidFilter(#"{"must": [{"has_id": [1], "extra": 1}]}"#, mentions: ["`extra`"])
        assertInvalidFilter(#"{"must": [{"foo": 1}]}"#, mentions: ["`foo`"])
        assertInvalidFilter(
            #"{"must": {"nested": {"key": "a", "filter": {"must": {"key": "b", "match": {"value": 1}}}, "x": 1}}}"#,
            mentions: ["`x`"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "g", "geo_radius": {"center": {"lon": 1, "lat": 2, "alt": 3}, "radius": 1}}}"#,
            mentions: ["`alt`"]
        )
        assertInvalidFilter(
            #"{"min_should": {"conditions": [], "min_count": 1, "max": 2}}"#,
            mentions: ["`max`"]
        )
    }

    func testWrongTypesNameTheField() {
        assertInvalidFilter(#"{"must": "a"}"#, mentions: ["filter.must", "string"])
        assertInvalidFilter(#"{"must": {"key": 3, "match": {"value": 1}}}"#, mentions: [".key"])
        assertInvalidFilter(
            #"{"must": {"key": "a", "match": {"value": 1.5}}}"#,
            mentions: ["match.value", "1.5"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a", "match": {"any": [1, "b"]}}}"#,
            mentions: ["match.any", "mix"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a", "match": {"value": 1, "any": [1]}}}"#,
            mentions: ["exactly one", "`any`", "`value`"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a", "range": {"gt": "yesterday"}}}"#,
            mentions: ["range.gt", "yesterday"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a", "range": {"gt": "2024-01-01", "lt": 5}}}"#,
            mentions: ["range.lt"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a", "values_count": {"gt": -1}}}"#,
            mentions: ["values_count.gt"]
        )
        assertInvalidFilter(#"{"must": {"key": "a"}}"#, mentions: ["at least one of", "`a`"])
        assertInvalidFilter(#"{"must": {"has_id": [-1]}}"#, mentions: ["has_id[0]", "-1"])
        assertInvalidFilter(#"{"must": {"has_id": ["not-a-uuid"]}}"#, mentions: ["not-a-uuid"])
        assertInvalidFilter(
            #"{"min_should": {"conditions": [], "min_count": 0}}"#,
            mentions: ["min_count"]
        )
        assertInvalidFilter(
            #"{"must": {"slice": {"total": 2, "index": 2}}}"#,
            mentions: ["slice.index"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "a b", "match": {"value": 1}}}"#,
            mentions: ["`a b`"]
        )
    }

    func testHasIDIsRefusedInsideNested() {
        assertInvalidFilter(
            #"{"must": {"nested": {"key": "a", "filter": {"must": {"has_id": [1]}}}}}"#,
            mentions: ["has_id", "nested"]
        )
    }

    func testGeoInputsAreValidated() {
        assertInvalidFilter(
            #"{"must": {"key": "g", "geo_radius": {"center": {"lon": 200, "lat": 0}, "radius": 1}}}"#,
            mentions: ["geo_radius.center.lon", "[-180, 180]", "200"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "g", "geo_radius": {"center": {"lon": 0, "lat": -90.5}, "radius": 1}}}"#,
            mentions: ["geo_radius.center.lat", "[-90, 90]", "-90.5"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "g", "geo_bounding_box": {"top_left": {"lon": 0, "lat": 91}, "bottom_right": {"lon": 1, "lat": 0}}}}"#,
            mentions: ["geo_bounding_box.top_left.lat"]
        )
        assertInvalidFilter(
            #"{"must": {"key": "g", "geo_radius": {"center": {"lon": 0, "lat": 0}, "radius": -5}}}"#,
            mentions: ["geo_radius.radius", "non-negative", "-5"]
        )
        // JSON text cannot spell a non-finite number, but a filter built in code can.
        let nonFinite: [(JSONValue, JSONValue, String)] = [
            (["lon": 0, "lat": 0], .double(.infinity), "geo_radius.radius"),
            (["lon": 0, "lat": .double(.nan)], 1, "center.lat"),
            (["lon": .double(-.infinity), "lat": 0], 1, "center.lon"),
        ]
        for (center, radius, field) in nonFinite {
            let json: JSONValue = ["must": ["key": "g", "geo_radius": [
                "center": center, "radius": radius,
            ]]]
            XCTAssertThrowsError(try Filter(json: json)) { error in
                guard case StoreError.invalidFilter(let message) = error else {
                    return XCTFail("expected invalidFilter, got \(error)")
                }
                XCTAssertTrue(message.contains(field), message)
            }
        }
        let open =
            #"{"points": [{"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 1, "lat": 1}, {"lon": 0, "lat": 1}]}"#
        assertInvalidFilter(
            #"{"must": {"key": "g", "geo_polygon": {"exterior": \#(open)}}}"#,
            mentions: ["closed line"]
        )
        let short =
            #"{"points": [{"lon": 0, "lat": 0}, {"lon": 1, "lat": 0}, {"lon": 0, "lat": 0}]}"#
        assertInvalidFilter(
            #"{"must": {"key": "g", "geo_polygon": {"exterior": \#(short)}}}"#,
            mentions: ["at least 4, got 3"]
        )
    }

    func testHasIDAcceptsEveryUUIDSpelling() throws {
        let canonical = "550e8400-e29b-41d4-a716-446655440000"
        let spellings = [
            canonical, canonical.uppercased(), "550e8400e29b41d4a716446655440000",
            "{\(canonical)}", "urn:uuid:\(canonical)",
        ]
        let filter = try parseFilter(
            #"{"must": {"has_id": [\#(spellings.map { "\"\($0)\"" }.joined(separator: ","))]}}"#
        )
        guard case .hasID(let ids)? = filter.must?.first else { return XCTFail("no has_id") }
        XCTAssertEqual(ids.count, 1)
        XCTAssertTrue(
            filter.matches(id: PointID(uuidString: canonical)!, payload: [:], vectorNames: [])
        )
    }

    func testPayloadPathsParseAndPrintCanonically() throws {
        let path = try PayloadPath("country.cities[].population")
        XCTAssertEqual(
            path.segments,
            [.key("country"), .key("cities"), .wildcard, .key("population")]
        )
        XCTAssertEqual(
            try PayloadPath(#"a."b c"[2]"#).segments,
            [.key("a"), .key("b c"), .index(2)]
        )
        XCTAssertEqual(try PayloadPath(#"a."b c"[2]"#).description, #"a."b c"[2]"#)
        XCTAssertEqual(try PayloadPath(#""a".b"#).description, "a.b")
        for bad in ["", "a..b", "a.", "a[", "a[x]", "a b", ".a", #"a."b"#] {
            XCTAssertThrowsError(try PayloadPath(bad), "\(bad) should be refused")
        }
    }

    func testPayloadFieldSchemaParsesBothFormsAndRoundTrips() throws {
        let plain = try PayloadFieldSchema(json: "keyword")
        XCTAssertEqual(plain.kind, .keyword)
        XCTAssertEqual(plain.json, "keyword")
        let object = try PayloadFieldSchema(
            json: JSONValue.parse(
                #"{"type": "text", "tokenizer": "whitespace", "lowercase": false}"#
            )
        )
        XCTAssertEqual(object.kind, .text)
        XCTAssertEqual(object.tokenizer.kind, .whitespace)
        XCTAssertFalse(object.tokenizer.lowercase)
        XCTAssertEqual(try PayloadFieldSchema(json: object.json), object)
        XCTAssertTrue(
            try PayloadFieldSchema(
                json: JSONValue.parse(#"{"type": "keyword", "is_tenant": true}"#)
            ).isTenant
        )
    }

    func testPayloadIndexInfoHasQdrantShape() throws {
        XCTAssertEqual(
            try PayloadFieldSchema(json: "integer").indexInfoJSON(points: 3),
            ["data_type": "integer", "points": 3])
        let tenant = try PayloadFieldSchema(
            json: JSONValue.parse(#"{"type": "keyword", "is_tenant": true, "on_disk": null}"#))
        XCTAssertEqual(
            tenant.indexInfoJSON(points: 0),
            [
                "data_type": "keyword", "points": 0,
                "params": ["type": "keyword", "is_tenant": true],
            ])
    }

    func testPayloadFieldSchemaErrorsNameTheBadTypeOrParameter() {
        func message(_ json: String) -> String {
            do {
                _ = try PayloadFieldSchema(json: JSONValue.parse(json))
                return "accepted"
            } catch StoreError.invalidArgument(let field, let message) {
                XCTAssertEqual(field, "field_schema")
                return message
            } catch {
                return "\(error)"
            }
        }
        XCTAssertTrue(message(#""keywrd""#).contains("`keywrd`"))
        XCTAssertTrue(message(#"{"type": "vector"}"#).contains("`vector`"))
        XCTAssertTrue(message(#"{"type": "keyword", "lookup": true}"#).contains("`lookup`"))
        XCTAssertTrue(message(#"{"type": "text", "tokenizer": "bpe"}"#).contains("`tokenizer`"))
        XCTAssertTrue(
            message(#"{"type": "integer", "lookup": false, "range": false}"#)
                .contains("both disabled")
        )
        XCTAssertTrue(message("3").contains("number"))
    }
}
