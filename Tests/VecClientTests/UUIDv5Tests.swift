import XCTest

@testable import VecClient

final class UUIDv5Tests: XCTestCase {
    func testMatchesPythonUUID5ForRFCDNSNamespace() {
        // uuid.uuid5(uuid.NAMESPACE_DNS, "python.org") in CPython's documentation.
        let id = UUIDv5(namespace: .dnsNamespace, name: "python.org")
        XCTAssertEqual(id.description, "886313e1-3b8a-5372-9b90-0c9aee199e5d")
    }

    func testMatchesPythonUUID5ForNonASCIINameAndOurNamespace() {
        // Values from CPython 3.11: uuid.uuid5(uuid.NAMESPACE_DNS, "www.example.com") and
        // uuid.uuid5(UUID("3f0e9c1a-6b7d-4c52-9a11-5d2e8b7c4f60"), "/docs/a.html#0").
        XCTAssertEqual(
            UUIDv5(namespace: .dnsNamespace, name: "www.example.com").description,
            "2ed6657d-e927-568b-95e1-2665a8aea6a2"
        )
        XCTAssertEqual(
            UUIDv5.chunkID(source: "/docs/a.html", chunk: 0).description,
            "7cb321c7-cc24-5de4-8e31-cdaf708e762e"
        )
    }

    func testChunkIDsAreStableAndDistinct() {
        let first = UUIDv5.chunkID(source: "/a.txt", chunk: 0)
        XCTAssertEqual(first, UUIDv5.chunkID(source: "/a.txt", chunk: 0))
        XCTAssertNotEqual(first, UUIDv5.chunkID(source: "/a.txt", chunk: 1))
        XCTAssertNotEqual(first, UUIDv5.chunkID(source: "/b.txt", chunk: 0))
        XCTAssertEqual(Array(first.description)[14], "5", "version nibble")
    }

    func testParsingRejectsMalformedText() {
        XCTAssertNil(UUIDv5(validating: "886313e1-3b8a-5372-9b90-0c9aee199e5"))
        XCTAssertNil(UUIDv5(validating: "886313e13b8a-5372-9b90-0c9aee199e5d0"))
        XCTAssertNil(UUIDv5(validating: "g86313e1-3b8a-5372-9b90-0c9aee199e5d"))
        XCTAssertEqual(
            UUIDv5(validating: "886313E1-3B8A-5372-9B90-0C9AEE199E5D")?.description,
            "886313e1-3b8a-5372-9b90-0c9aee199e5d"
        )
    }

    func testSHA1MatchesFIPSVectors() {
        XCTAssertEqual(
            SHA1.hex(SHA1.digest(Array("abc".utf8))),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        )
        XCTAssertEqual(
            SHA1.hex(SHA1.digest([UInt8]())),
            "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        )
        let long = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        XCTAssertEqual(
            SHA1.hex(SHA1.digest(Array(long.utf8))),
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        )
    }
}
