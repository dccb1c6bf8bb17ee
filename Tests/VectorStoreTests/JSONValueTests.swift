import XCTest
@testable import VectorStore

final class JSONValueTests: XCTestCase {
    func testParsesNestedDocumentAndRoundTrips() throws {
        let text = #"{"a":[1,-2,3.5,true,null,"x\n\u00e9\ud83d\ude00"],"b":{"c":18446744073709551615}}"#
        let value = try JSONValue.parse(text)
        XCTAssertEqual(value["a"]?.arrayValue?[0], .int(1))
        XCTAssertEqual(value["a"]?.arrayValue?[2], .double(3.5))
        XCTAssertEqual(value["a"]?.arrayValue?[5], .string("x\né😀"))
        XCTAssertEqual(value["b"]?["c"], .unsigned(UInt64.max))
        XCTAssertEqual(try JSONValue.parse(value.jsonString), value)
    }

    func testRejectsMalformedInputWithOffset() {
        for bad in ["{", "[1,]", "01", "\"abc", "{\"a\" 1}", "tru", "1 2", "\"\\ud800\""] {
            XCTAssertThrowsError(try JSONValue.parse(bad), bad)
        }
    }

    /// Reading only some members must give exactly those members of a full parse, whatever
    /// the skipped values hold (escaped quotes and brackets inside strings, nesting, numbers
    /// and literals next to delimiters, whitespace).
    func testParseObjectKeepingKeysEqualsTheFullParseRestricted() throws {
        let text = #"""
            { "text": "a \"quoted\" } ] [ { string \\", "n" : -1.5e3 ,"t":true,
              "nested": {"x": [1, {"y": "]"}, [[], {}]], "z": null}, "list":[1,2,{"a":"}"}],
              "e": "", "u": "é\u00e9", "last": false }
            """#
        let full = try XCTUnwrap(JSONValue.parse(text).objectValue)
        let names = Array(full.keys)
        for mask in 0..<(1 << names.count) {
            let keys = Set(names.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element))
            let kept = try JSONValue.parseObject(Array(text.utf8), keeping: keys.union(["absent"]))
            XCTAssertEqual(kept, full.filter { keys.contains($0.key) }, "\(keys.sorted())")
        }
        XCTAssertEqual(try JSONValue.parseObject(Array("{}".utf8), keeping: ["a"]), [:])
        for bad in ["[1]", "{\"a\": \"unterminated", "{\"a\": [1, 2", "{\"a\": 1"] {
            XCTAssertThrowsError(try JSONValue.parseObject(Array(bad.utf8), keeping: ["b"]), bad)
        }
    }

    func testRejectsExcessiveNesting() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        XCTAssertThrowsError(try JSONValue.parse(deep))
    }
}

final class PointIDTests: XCTestCase {
    // B20: every UUID spelling Qdrant accepts parses to one value; bad ids are rejected.
    func testB20AllUUIDSpellingsParseToOneValue() throws {
        let simple = try PointID(json: "936DA01F9ABD4d9d80C702AF85C822A8")
        let hyphen = try PointID(json: "936da01f-9abd-4d9d-80c7-02af85c822a8")
        XCTAssertEqual(simple, hyphen)
        XCTAssertEqual(hyphen.description, "936da01f-9abd-4d9d-80c7-02af85c822a8")
        XCTAssertNotNil(PointID(uuidString: "urn:uuid:F9168C5E-CEB2-4faa-B6BF-329BF39FA1E4"))
        XCTAssertEqual(try PointID(json: 42), .number(42))
    }

    func testB20InvalidIDsAreRejected() {
        let bad: [JSONValue] = ["b07ystb5hx", -39672, 1.5, "./data/a.txt_1", .double(1.8446744073709552e19)]
        for value in bad {
            XCTAssertThrowsError(try PointID(json: value), value.jsonString)
        }
        XCTAssertThrowsError(try PointID(json: try JSONValue.parse("18446744073709551616")))
    }

    func testStorageKeyOrderMatchesIDOrder() {
        let ids: [PointID] = [.number(1), .number(256), .number(UInt64.max), .uuid(0, 1), .uuid(1, 0)]
        for (a, b) in zip(ids, ids.dropFirst()) {
            XCTAssertTrue(a < b)
            XCTAssertEqual(PointID(storageKey: a.storageKey), a)
        }
    }
}
