import XCTest

@testable import VecClient

final class HTMLTextExtractorTests: XCTestCase {
    func testPythonTutorialPageKeepsTitleAndBodyAndDropsSphinxChrome() throws {
        let page = HTMLTextExtractor.extract(try TestFixtures.read("python/tutorial/errors.html"))
        XCTAssertEqual(page.title, "8. Errors and Exceptions — Python 3.11.2 documentation")
        XCTAssertTrue(
            page.text.hasPrefix("8. Errors and Exceptions\n\n"),
            String(page.text.prefix(80))
        )
        XCTAssertTrue(page.text.contains("8.3. Handling Exceptions"))
        XCTAssertTrue(page.text.contains("except ZeroDivisionError"))
        // Sidebar, relation bars, mobile menu, footer, scripts and permalink marks are gone.
        for chrome in [
            "Table of Contents", "Previous topic", "This Page", "Report a Bug",
            "Quick search", "Navigation", "¶", "modules |", "Copyright",
            "documentation_options", "Theme",
        ] {
            XCTAssertFalse(page.text.contains(chrome), "kept chrome: \(chrome)")
        }
    }

    func testPostgreSQLReferencePageDropsNavHeaderAndFooter() throws {
        let page = HTMLTextExtractor.extract(
            try TestFixtures.read("postgresql/sql-createindex.html")
        )
        XCTAssertEqual(page.title, "CREATE INDEX")
        XCTAssertTrue(
            page.text.hasPrefix("CREATE INDEX\n\nCREATE INDEX — define a new index"),
            String(page.text.prefix(80))
        )
        XCTAssertTrue(
            page.text.contains("CREATE INDEX constructs an index on the specified column(s)")
        )
        XCTAssertTrue(page.text.hasSuffix("Section 28.4.2"), String(page.text.suffix(80)))
        for chrome in ["Prev", "Up\n", "Home", "Next", "PostgreSQL 15.20 Documentation"] {
            XCTAssertFalse(page.text.contains(chrome), "kept navigation: \(chrome)")
        }
    }

    func testPreBlocksKeepTheirLinesAndEntitiesAreDecoded() throws {
        let page = HTMLTextExtractor.extract(
            try TestFixtures.read("postgresql/sql-createindex.html")
        )
        XCTAssertTrue(
            page.text.contains(
                "\n[ INCLUDE ( column_name [, ...] ) ]\n[ NULLS [ NOT ] DISTINCT ]\n"
            )
        )
        let json = HTMLTextExtractor.extract(try TestFixtures.read("python/library/json.html"))
        XCTAssertTrue(json.text.contains(">>> import json"), "&gt; decoded in code samples")
        XCTAssertFalse(json.text.contains("&gt;"))
        XCTAssertFalse(json.text.contains("&#"))
    }

    func testCollapsesWhitespaceAndSeparatesBlocksByOneBlankLine() {
        let html = """
            <html><head><title> A &amp; B </title><style>p{}</style></head><body>
            <nav><a href="/">Home</a></nav>
            <h1>Heading <a class="headerlink" href="#h">¶</a></h1>
            <p>one   two
              three&nbsp;four</p><p>five<br>six</p>
            <ul><li>a</li><li>b</li></ul><!-- a comment --><script>var x = "<p>";</script>
            <footer>foot</footer><div role="navigation">menu</div>
            </body></html>
            """
        let page = HTMLTextExtractor.extract(html)
        XCTAssertEqual(page.title, "A & B")
        XCTAssertEqual(page.text, "Heading\n\none two three four\n\nfive\nsix\n\na\nb")
    }

    func testTitleFallsBackToFirstH1AndNestedDroppedBlocksEndCorrectly() {
        let html = """
            <div class="sphinxsidebar"><div><div>deep</div></div>side</div>
            <h1>The &lt;Title&gt;</h1><p>kept &#x27;quoted&#39; &unknown; &#8212; x</p>
            """
        let page = HTMLTextExtractor.extract(html)
        XCTAssertEqual(page.title, "The <Title>")
        XCTAssertEqual(page.text, "The <Title>\n\nkept 'quoted' &unknown; — x")
    }

    func testMalformedMarkupEndsWithoutCrashingOrLeakingMarkup() {
        let page = HTMLTextExtractor.extract("a < b and <p class='x>unterminated")
        XCTAssertEqual(page.text, "a < b and")
        XCTAssertEqual(HTMLTextExtractor.extract("<p>x</p><script>never closed").text, "x")
        XCTAssertEqual(HTMLTextExtractor.extract("").text, "")
    }
}
