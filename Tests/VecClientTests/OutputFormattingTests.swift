import VecCore
import XCTest

@testable import VecClient

final class OutputFormattingTests: XCTestCase {
    func testProgressLineShowsRateAndTimeLeft() {
        var state = ProgressState()
        state.phase = .uploading
        state.filesDone = 3
        state.filesTotal = 10
        state.chunksDone = 100
        state.chunksTotal = 400
        state.uploadSeconds = 4
        XCTAssertEqual(state.statusLine, "files 3/10  chunks 100/400  25.0 chunks/s  ETA 12s")
        state.chunksTotal = 10_100
        XCTAssertEqual(state.secondsLeft, 400)
        XCTAssertTrue(state.statusLine.hasSuffix("ETA 6m40s"), state.statusLine)
        state.uploadSeconds = 0
        XCTAssertEqual(state.statusLine, "files 3/10  chunks 100/10100")
    }

    func testDurationsAndBars() {
        XCTAssertEqual(ProgressState.formatDuration(59.4), "59s")
        XCTAssertEqual(ProgressState.formatDuration(61), "1m01s")
        XCTAssertEqual(ProgressState.formatDuration(3725), "1h02m")
        XCTAssertEqual(TerminalProgress.bar(done: 1, total: 4, width: 8), "[##......]")
        XCTAssertEqual(TerminalProgress.bar(done: 9, total: 4, width: 4), "[####]")
        XCTAssertEqual(TerminalProgress.bar(done: 0, total: 0, width: 2), "[..]")
    }

    func testQueryHitsShowScoresSourceTitleAndSnippet() throws {
        let answer = try JSONValue.parse(
            #"""
            {"result": {"points": [
              {"id": "a", "version": 0, "score": 0.91234, "retrieval_score": 0.5,
               "payload": {"source": "/docs/sql-vacuum.html", "chunk": 2, "title": "VACUUM",
                           "text": "VACUUM reclaims   storage\noccupied by dead tuples."}},
              {"id": "b", "version": 0, "score": 0.5, "payload": {"source": "/x.txt"}}
            ]}, "status": "ok", "time": 0.01}
            """#
        )
        XCTAssertEqual(
            QueryResultFormatter.format(answer),
            """
            1. score 0.9123, retrieval score 0.5000  /docs/sql-vacuum.html #2
               VACUUM
               VACUUM reclaims storage occupied by dead tuples.
            2. score 0.5000  /x.txt
            """
        )
        XCTAssertEqual(QueryResultFormatter.format(["result": ["points": []]]), "no hits")
    }

    func testSnippetsAreCutAtAWordBoundary() {
        let text = String(repeating: "abcdefghi ", count: 40)
        let snippet = QueryResultFormatter.snippet(text)
        XCTAssertTrue(snippet.hasSuffix("abcdefghi …"), snippet)
        XCTAssertLessThanOrEqual(snippet.count, QueryResultFormatter.snippetLength + 2)
    }
}
