import Foundation
import VecCore
import XCTest

@testable import VecClient

#if canImport(Glibc)
    import Glibc
#endif

/// `vecd ingest` and `vecd query` run as processes against a real `vecd serve` (built binary,
/// temporary data directory, free port, the real MiniLM model), on pages from `fixtures/`.
///
/// Each test embeds only a few dozen chunks: server-side embedding is the slow part.
final class EndToEndIngestTests: XCTestCase {
    private var server: VecdServer!
    private var keys: [String: String] = [:]

    override func setUpWithError() throws {
        server = try VecdServer()
        for tenant in ["python", "postgres"] {
            let created = try server.admin.sendJSON("PUT", "/tenants/\(tenant)", body: [:])
            keys[tenant] = try XCTUnwrap(created["result"]?["api_key"]?.stringValue)
        }
    }

    override func tearDown() {
        server = nil
    }

    private func ingest(
        _ tenant: String,
        _ collection: String,
        _ paths: [String]
    )
        throws -> VecdRun
    {
        try VecdRun(
            [
                "ingest", "--url", server.url, "--api-key", keys[tenant]!, "--collection",
                collection, "--create", "--progress", "lines",
            ] + paths
        )
    }

    private func query(
        _ tenant: String,
        _ collection: String,
        _ question: String,
        _ extra: [String] = []
    ) throws -> VecdRun {
        try VecdRun(
            [
                "query", "--url", server.url, "--api-key", keys[tenant]!, "--collection",
                collection, "--json",
            ] + extra + [question]
        )
    }

    private func client(_ tenant: String, _ collection: String) throws -> CollectionClient {
        CollectionClient(
            http: try HTTPClient(baseURL: server.url, apiKey: keys[tenant]!),
            collection: collection
        )
    }

    private func topSources(_ run: VecdRun) throws -> [String] {
        let answer = try JSONValue.parse(run.output)
        return (answer["result"]?["points"]?.arrayValue ?? []).compactMap {
            $0["payload"]?["source"]?.stringValue
        }
    }

    func testIngestQueryAndIdempotentReingestOnFixturePages() throws {
        let pages = [
            TestFixtures.corpus("python/library/json.html"),
            TestFixtures.corpus("python/tutorial/errors.html"),
        ]
        let first = try ingest("python", "docs", pages)
        XCTAssertEqual(first.status, 0, first.log)
        XCTAssertTrue(first.output.contains("ingested 2 of 2 files"), first.output)
        let docs = try client("python", "docs")
        let stored = try docs.count()
        XCTAssertGreaterThan(stored, 20)

        let answer = try query("python", "docs", "How do I parse a JSON string?")
        XCTAssertEqual(answer.status, 0, answer.log)
        XCTAssertEqual(try topSources(answer).first, pages[0])
        let errors = try query("python", "docs", "How do I handle an exception with try?")
        XCTAssertEqual(try topSources(errors).first, pages[1])

        let second = try ingest("python", "docs", pages)
        XCTAssertEqual(second.status, 0, second.log)
        XCTAssertTrue(second.output.contains("ingested 0 of 2 files (0 chunks)"), second.output)
        XCTAssertTrue(second.output.contains("2 unchanged"), second.output)
        XCTAssertEqual(try docs.count(), stored)
    }

    func testRerankedQueryPrintsRerankAndRetrievalScores() throws {
        let page = TestFixtures.corpus("postgresql/sql-delete.html")
        XCTAssertEqual(try ingest("postgres", "pg", [page]).status, 0)
        let run = try query("postgres", "pg", "delete rows", ["--rerank", "--limit", "3"])
        XCTAssertEqual(run.status, 0, run.log)
        let points = try XCTUnwrap(try JSONValue.parse(run.output)["result"]?["points"]?.arrayValue)
        XCTAssertEqual(points.count, 3)
        let scores = points.compactMap { $0["score"]?.numberValue }
        XCTAssertEqual(scores, scores.sorted(by: >), "best rerank score first")
        XCTAssertTrue(points.allSatisfy { $0["retrieval_score"]?.numberValue != nil })

        let text = try VecdRun(
            [
                "query", "--url", server.url, "--api-key", keys["postgres"]!, "--collection", "pg",
                "--rerank", "--limit", "1", "delete rows",
            ])
        XCTAssertEqual(text.status, 0, text.log)
        XCTAssertTrue(text.output.hasPrefix("1. score "), text.output)
        XCTAssertTrue(text.output.contains(", retrieval score "), text.output)
        XCTAssertTrue(text.output.contains(page + " #"), text.output)
        XCTAssertTrue(text.output.contains("\n   DELETE\n"), text.output)
    }

    func testChangedFileReplacesItsChunksAndLeavesNoStaleOnes() throws {
        let folder = try TemporaryFolder()
        let page = try TestFixtures.read("postgresql/sql-vacuum.html")
        let path = try folder.write("vacuum.html", page)
        XCTAssertEqual(try ingest("postgres", "pg", [path]).status, 0)
        let pg = try client("postgres", "pg")
        let before = try pg.count(filter: IngestFilters.source(path))
        XCTAssertGreaterThan(before, 3)

        // Keep the head of the page only: fewer chunks, and different text in the first ones.
        let cut = page.range(of: "<h2>Notes</h2>")!.lowerBound
        try folder.write("vacuum.html", String(page[..<cut]) + "</div></body></html>")
        let rerun = try ingest("postgres", "pg", [path])
        XCTAssertEqual(rerun.status, 0, rerun.log)
        XCTAssertTrue(rerun.output.contains("ingested 1 of 1 files"), rerun.output)
        let after = try pg.count(filter: IngestFilters.source(path))
        XCTAssertLessThan(after, before)
        XCTAssertEqual(try pg.count(filter: IngestFilters.source(path, chunksFrom: after)), 0)
        XCTAssertEqual(try pg.count(), after)
    }

    func testBlankFilesStoreNoPointsAndBinaryFilesFailTheRun() throws {
        // Case B28 through the CLI: a 0-byte file and a file of newlines store nothing.
        let folder = try TemporaryFolder()
        try folder.write("empty.txt", "")
        try folder.write("newlines.txt", "\n\n\n")
        try folder.write("pandas.txt", "Pandas eat bamboo.\n")
        let run = try ingest("python", "b28", [folder.path])
        XCTAssertEqual(run.status, 0, run.log)
        XCTAssertTrue(run.output.contains("2 empty"), run.output)
        XCTAssertEqual(try client("python", "b28").count(), 1)

        // Case B08 (documents): the stored text is embedded as is, so the same text as a
        // query finds it with cosine 1 (MiniLM has no query instruction).
        let answer = try JSONValue.parse(
            try query("python", "b28", "Pandas eat bamboo.").output
        )
        let hits = try XCTUnwrap(answer["result"]?["points"]?.arrayValue)
        let score = try XCTUnwrap(hits.first?["score"]?.numberValue)
        XCTAssertEqual(score, 1, accuracy: 1e-4)

        try folder.write("blob.txt", bytes: [0x50, 0x4B, 0x03, 0x04, 0, 0, 0x14])
        let failing = try ingest("python", "b28", [folder.path])
        XCTAssertEqual(failing.status, 1, failing.log)
        XCTAssertTrue(failing.log.contains("not text (NUL byte at offset 4)"), failing.log)
    }

    func testOneTenantsKeyGetsTheSame404ForTheOthersCollectionAsForAMissingOne() throws {
        XCTAssertEqual(
            try ingest(
                "postgres",
                "pg-only",
                [TestFixtures.corpus("postgresql/tutorial-join.html")]
            )
            .status,
            0
        )
        let own = try query("postgres", "pg-only", "join tables")
        XCTAssertEqual(own.status, 0, own.log)
        let foreign = try query("python", "pg-only", "join tables")
        let missing = try query("python", "no-such-collection", "join tables")
        XCTAssertEqual(foreign.status, 1)
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(foreign.errors.contains("HTTP 404"), foreign.errors)
        XCTAssertEqual(
            foreign.errors.replacingOccurrences(of: "pg-only", with: "X"),
            missing.errors.replacingOccurrences(of: "no-such-collection", with: "X")
        )
        // The same name under the python key is python's own collection: ingesting there
        // leaves postgres's points alone, and python's queries see only python's points.
        let postgresPoints = try client("postgres", "pg-only").count()
        let folder = try TemporaryFolder()
        let path = try folder.write("own.txt", "Python's own note about joins.")
        XCTAssertEqual(try ingest("python", "pg-only", [path]).status, 0)
        XCTAssertEqual(try client("postgres", "pg-only").count(), postgresPoints)
        XCTAssertEqual(try topSources(try query("python", "pg-only", "join tables")), [path])
    }

    func testLinksOutsideAreSkippedAndFilesTurnedBinaryOrDeletedLoseTheirChunks() throws {
        // Through the real binary and server: a link out of the folder is never read, and on
        // the next run a file turned binary and a deleted file take their chunks with them.
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        let secret = try outside.write("passwd.txt", "root:x:0:0:root:/root:/bin/bash\n")
        let pandas = try folder.write("pandas.txt", "Pandas eat bamboo.\n")
        let koalas = try folder.write("koalas.md", "# Koalas\n\nKoalas eat eucalyptus.\n")
        let sloths = try folder.write("docs/sloths.txt", "Sloths sleep all day.\n")
        try FileManager.default.createSymbolicLink(
            atPath: folder.path + "/passwd.txt", withDestinationPath: secret)
        let first = try ingest("python", "turns", [folder.path])
        XCTAssertEqual(first.status, 0, first.log)
        XCTAssertTrue(
            first.errors.contains(
                "warning: skipped \(folder.path)/passwd.txt: symbolic link to \(secret)"),
            first.log)
        XCTAssertTrue(first.output.contains("ingested 3 of 3 files"), first.output)
        let collection = try client("python", "turns")
        XCTAssertEqual(try collection.count(), 3)
        XCTAssertEqual(Set(try collection.storedSources()), [pandas, koalas, sloths])

        try folder.write("pandas.txt", bytes: [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D])
        try FileManager.default.removeItem(atPath: sloths)
        let second = try ingest("python", "turns", [folder.path])
        XCTAssertEqual(second.status, 1, "the binary file still fails the run: \(second.log)")
        XCTAssertTrue(
            second.output.contains("removed 2 chunks of 2 files that are gone or no longer text"),
            second.output)
        XCTAssertEqual(try collection.storedSources(), [koalas])
        XCTAssertEqual(try collection.count(), 1)
    }

    func testInterruptedRunResumesWithoutDuplicates() throws {
        let pages = [
            TestFixtures.corpus("postgresql/sql-insert.html"),
            TestFixtures.corpus("postgresql/sql-update.html"),
            TestFixtures.corpus("postgresql/sql-delete.html"),
        ]
        let planned = try VecdRun(["ingest", "--collection", "x", "--dry-run"] + pages)
        let expected = try XCTUnwrap(
            planned.output.split(separator: " ").firstIndex(of: "give").map {
                Int(planned.output.split(separator: " ")[$0 + 1])
            } ?? nil
        )

        // Small batches so the run can be stopped part-way; SIGKILL as a crash would.
        let process = try VecdRun.start(
            [
                "ingest", "--url", server.url, "--api-key", keys["postgres"]!, "--collection",
                "resume", "--create", "--batch", "2", "--progress", "none",
            ] + pages
        )
        let pg = try client("postgres", "resume")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if (try? pg.count()) ?? 0 >= 4 { break }
            usleep(100_000)
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let partial = try pg.count()
        XCTAssertGreaterThanOrEqual(partial, 4)
        XCTAssertLessThan(partial, expected)

        let resumed = try ingest("postgres", "resume", pages)
        XCTAssertEqual(resumed.status, 0, resumed.log)
        XCTAssertEqual(try pg.count(), expected)
        for page in pages {
            let chunks = try pg.count(filter: IngestFilters.source(page))
            XCTAssertEqual(try pg.count(filter: IngestFilters.source(page, chunksFrom: chunks)), 0)
        }
    }
}
