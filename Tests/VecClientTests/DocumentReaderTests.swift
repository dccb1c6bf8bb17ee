import Foundation
import XCTest

@testable import VecClient

#if canImport(Glibc)
    import Glibc
#endif

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

    func testWalkFollowsLinksInsideTheFolderOnlyAndEndsOnLoops() throws {
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        let passwd = try outside.write("passwd.txt", "root:x:0:0")
        try folder.write("a/inner.md", "# Inner")
        let files = FileManager.default
        func link(_ name: String, to target: String) throws {
            try files.createSymbolicLink(
                atPath: folder.path + "/" + name, withDestinationPath: target)
        }
        try link("a/up", to: "..")  // a loop back to the root
        try link("a/self", to: ".")  // a loop onto itself
        try link("b", to: "a")  // a second name for a folder inside
        try link("out.txt", to: passwd)  // a file outside
        try link("out", to: outside.path)  // a folder outside
        try link("sneaky.txt", to: "a/../../" + (outside.path as NSString).lastPathComponent
            + "/passwd.txt")  // leaves through `..`
        try link("dangling.txt", to: "nowhere.txt")
        XCTAssertEqual(mkfifo(folder.path + "/pipe.txt", 0o600), 0)

        let walk = FileWalker.collect([folder.path])
        XCTAssertEqual(walk.files, [folder.path + "/a/inner.md"], "b/ is a/ seen again")
        XCTAssertEqual(walk.problems, [])
        XCTAssertEqual(
            walk.skipped.map { String($0.path.dropFirst(folder.path.count + 1)) },
            ["out", "out.txt", "pipe.txt", "sneaky.txt"]
        )
        XCTAssertEqual(
            walk.skipped[1].reason,
            "symbolic link to \(passwd), outside \(folder.path); not followed"
        )

        // The root itself may be a link: the tree is where it points (and sources are the
        // standardized path, the link resolved).
        let alias = NSTemporaryDirectory() + "vecclient-alias-" + UUID().uuidString
        try files.createSymbolicLink(atPath: alias, withDestinationPath: folder.path)
        defer { try? files.removeItem(atPath: alias) }
        let viaAlias = FileWalker.collect([alias])
        XCTAssertEqual(viaAlias.files, [folder.path + "/a/inner.md"])
        XCTAssertEqual(viaAlias.skipped.count, 4)
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
