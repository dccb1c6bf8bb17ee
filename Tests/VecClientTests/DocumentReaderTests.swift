import XCTest

@testable import VecClient

final class DocumentReaderTests: XCTestCase {
    func testRefusesNULBytesAndMostlyInvalidUTF8() throws {
        let folder = try TemporaryFolder()
        let withNUL = try folder.write("a.txt", bytes: Array("text".utf8) + [0, 1, 2])
        XCTAssertThrowsError(try DocumentReader.read(path: withNUL)) { error in
            XCTAssertEqual(
                error as? DocumentError,
                .binary(path: withNUL, reason: "NUL byte at offset 4")
            )
        }
        let latin1 = try folder.write(
            "b.txt",
            bytes: Array(repeating: 0xE9, count: 50) + Array("abc".utf8)
        )
        XCTAssertThrowsError(try DocumentReader.read(path: latin1)) { error in
            XCTAssertEqual(
                "\(error)",
                "\(latin1): not text (50 of 53 bytes are not valid UTF-8), skipped"
            )
        }
        // One stray byte in a long UTF-8 file is tolerated and replaced.
        let stray = try folder.write(
            "c.txt",
            bytes: Array(String(repeating: "word ", count: 40).utf8) + [0xFF]
        )
        XCTAssertTrue(try DocumentReader.read(path: stray).text.hasSuffix("word \u{FFFD}"))
    }

    func testReportsMissingFilesAndFolders() throws {
        let walk = FileWalker.collect(["/nonexistent/vecd-test-file.txt"])
        XCTAssertEqual(walk.files, [])
        XCTAssertEqual(
            walk.problems.map(\.description),
            ["/nonexistent/vecd-test-file.txt: cannot read: no such file or folder"]
        )
    }

    func testWalksFoldersInOrderForKnownExtensionsOnly() throws {
        let folder = try TemporaryFolder()
        try folder.write("b/z.md", "# Z")
        try folder.write("b/a.rst", "A\n=\n")
        try folder.write("a.html", "<p>x</p>")
        try folder.write("image.png", "not really")
        try folder.write(".hidden/secret.txt", "x")
        try folder.write("notes.TXT", "y")
        let direct = try folder.write("explicit.data", "named directly")
        let walk = FileWalker.collect([folder.path, direct, folder.path + "/a.html"])
        XCTAssertEqual(
            walk.files.map { String($0.dropFirst(folder.path.count)) },
            ["/a.html", "/b/a.rst", "/b/z.md", "/notes.TXT", "/explicit.data"]
        )
    }

    func testTitlesPerFormat() throws {
        XCTAssertEqual(
            DocumentReader.convert("intro\n\n## Setup\ntext", format: .markdown, fileName: "f.md")
                .title,
            "Setup"
        )
        XCTAssertEqual(
            DocumentReader.convert("Guide\n=====\n\nbody", format: .markdown, fileName: "f.md")
                .title,
            "Guide"
        )
        XCTAssertEqual(
            DocumentReader.convert("no heading", format: .markdown, fileName: "f.md").title,
            "f.md"
        )
        let rst = "========\nOverview\n========\n\nText\n\nSection\n-------\n"
        XCTAssertEqual(
            DocumentReader.convert(rst, format: .restructuredText, fileName: "f.rst").title,
            "Overview"
        )
        XCTAssertEqual(
            DocumentReader.convert(
                "Too long title\n===\n",
                format: .restructuredText,
                fileName: "f.rst"
            ).title,
            "f.rst"
        )
        let text = DocumentReader.convert(
            "\r\n  Pandas eat bamboo.\r\n",
            format: .plainText,
            fileName: "p.txt"
        )
        XCTAssertEqual(text.title, "p.txt")
        XCTAssertEqual(text.text, "Pandas eat bamboo.")
    }

    func testReadsFixtureHTMLWithAbsoluteSourceAndContentHash() throws {
        let path = TestFixtures.corpus("postgresql/../postgresql/tutorial-join.html")
        let document = try DocumentReader.read(path: path)
        XCTAssertEqual(document.source, TestFixtures.corpus("postgresql/tutorial-join.html"))
        XCTAssertEqual(document.format, .html)
        XCTAssertEqual(document.title, "2.6. Joins Between Tables")
        XCTAssertEqual(document.contentHash.count, 40)
        XCTAssertEqual(document.contentHash, try DocumentReader.read(path: path).contentHash)
    }
}
