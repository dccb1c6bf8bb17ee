import Foundation
import VecCore
import XCTest

@testable import VecClient

final class IngesterTests: XCTestCase {
    private var server = FakeCollectionServer()
    private var delays: [Double] = []

    private func makeIngester(
        chunk: Int = 64,
        overlap: Int = 8,
        batch: Int = 16,
        model: String? = nil
    )
        throws -> Ingester
    {
        let recorder = DelayRecorder()
        let client = CollectionClient(
            http: server,
            collection: "docs",
            retry: RetryPolicy(
                maxAttempts: 3,
                initialDelay: 0.5,
                maxDelay: 8,
                sleep: { recorder.record($0) }
            )
        )
        recorderHandle = recorder
        let chunker = Chunker(
            tokenizer: ApproximateTokenizer(),
            options: try ChunkingOptions(tokens: chunk, overlap: overlap)
        )
        return Ingester(
            client: client,
            chunker: chunker,
            batchSize: batch,
            model: model,
            display: display
        )
    }
    private var recorderHandle: DelayRecorder?
    private let display = SilentProgress(echoesNotes: false)

    private func ingest(
        _ paths: [String],
        create: Bool = true,
        chunk: Int = 64
    ) throws -> IngestSummary {
        let ingester = try makeIngester(chunk: chunk)
        try ingester.prepareCollection(create: create, dimension: 384)
        return ingester.run(paths: paths)
    }

    func testIngestsFixtureCorpusWithPayloadAndIDsFromSourceAndChunk() throws {
        let folder = TestFixtures.corpus("postgresql")
        let summary = try ingest([folder])
        XCTAssertEqual(summary.filesSeen, 8)
        XCTAssertEqual(summary.filesIngested, 8)
        XCTAssertFalse(summary.hasFailures, summary.report)

        let points = server.points("docs")
        XCTAssertEqual(points.count, summary.chunksUploaded)
        XCTAssertGreaterThan(points.count, 50)
        for point in points {
            let payload = try XCTUnwrap(point["payload"])
            let source = try XCTUnwrap(payload["source"]?.stringValue)
            let chunk = try XCTUnwrap(payload["chunk"]?.intValue)
            XCTAssertEqual(
                point["id"]?.stringValue,
                UUIDv5.chunkID(source: source, chunk: Int(chunk)).description
            )
            XCTAssertTrue(source.hasPrefix(folder + "/") && source.hasSuffix(".html"))
            XCTAssertEqual(point["vector"]?["text"], payload["text"])
            XCTAssertNil(point["vector"]?["model"], "no --model: the server picks the model")
            XCTAssertFalse(
                payload["text"]?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines)
                    .isEmpty ?? true
            )
            XCTAssertNotNil(payload["title"]?.stringValue)
            XCTAssertTrue(payload["source_hash"]?.stringValue?.hasPrefix("sha1:") ?? false)
        }
        let titles = Set(points.compactMap { $0["payload"]?["title"]?.stringValue })
        XCTAssertTrue(titles.contains("CREATE INDEX"))
        XCTAssertEqual(server.indexedFields, ["source"])
        XCTAssertEqual(
            server.createBodies["docs"],
            ["vectors": ["size": 384, "distance": "Cosine"]]
        )
    }

    func testSecondRunIsIdempotentAndUploadsNothing() throws {
        let first = try ingest([TestFixtures.corpus("python")])
        let stored = server.points("docs")
        let upsertsAfterFirst = server.upserts.count

        let second = try ingest([TestFixtures.corpus("python")])
        XCTAssertEqual(second.filesUnchanged, first.filesIngested)
        XCTAssertEqual(second.filesIngested, 0)
        XCTAssertEqual(second.chunksUploaded, 0)
        XCTAssertEqual(server.upserts.count, upsertsAfterFirst)
        XCTAssertEqual(server.points("docs"), stored)
    }

    func testChangedFileReplacesItsChunksAndLeavesNoStaleOnes() throws {
        let folder = try TemporaryFolder()
        let long = (0..<300).map { "Sentence number \($0) about vacuum." }.joined(separator: " ")
        let path = try folder.write("notes.txt", long)
        try folder.write("other.md", "# Other\n\nUntouched text.")
        XCTAssertEqual(try ingest([folder.path]).filesIngested, 2)
        let before = server.points("docs").filter { $0["payload"]?["source"]?.stringValue == path }
        XCTAssertGreaterThan(before.count, 10)

        try folder.write("notes.txt", "Now the file is short.")
        let summary = try ingest([folder.path])
        XCTAssertEqual(summary.filesIngested, 1)
        XCTAssertEqual(summary.filesUnchanged, 1)
        let after = server.points("docs").filter { $0["payload"]?["source"]?.stringValue == path }
        XCTAssertEqual(after.count, 1)
        XCTAssertEqual(after.first?["payload"]?["text"], "Now the file is short.")
        XCTAssertEqual(
            after.first?["id"]?.stringValue,
            UUIDv5.chunkID(source: path, chunk: 0).description
        )
        XCTAssertEqual(server.points("docs").count, 2)
    }

    func testInterruptedRunResumesAndEndsWithTheSamePoints() throws {
        // Reference: one uninterrupted run.
        let reference = try ingest([TestFixtures.corpus("postgresql")], chunk: 48)
        let expected = server.points("docs")

        // The server goes away after 3 batches; the run reports failures and stops uploading.
        server = FakeCollectionServer()
        server.upsertsBeforeOutage = 3
        let interrupted = try ingest([TestFixtures.corpus("postgresql")], chunk: 48)
        XCTAssertTrue(interrupted.hasFailures)
        XCTAssertLessThan(server.points("docs").count, expected.count)
        let partial = server.points("docs").count
        // An unreachable server ends the run: one batch's retries, not one per remaining batch.
        XCTAssertEqual(server.upserts.count, 3 + 3)
        XCTAssertEqual(interrupted.failures.count, 8 - interrupted.filesIngested)

        // Back up: the next run completes what is missing, and skips what the first run finished.
        server.upsertsBeforeOutage = nil
        let resumed = try ingest([TestFixtures.corpus("postgresql")], chunk: 48)
        XCTAssertFalse(resumed.hasFailures, resumed.report)
        XCTAssertEqual(resumed.filesIngested + resumed.filesUnchanged, reference.filesIngested)
        XCTAssertLessThan(resumed.chunksUploaded, reference.chunksUploaded + 1)
        XCTAssertGreaterThan(resumed.chunksUploaded, 0)
        XCTAssertGreaterThan(partial, 0)
        XCTAssertEqual(server.points("docs"), expected)
    }

    func testRetriesTransientFailuresWithBackoff() throws {
        let folder = try TemporaryFolder()
        try folder.write("a.txt", "Pandas eat bamboo.")
        let ingester = try makeIngester()
        try ingester.prepareCollection(create: true, dimension: 384)
        server.scriptedStatuses = [503, 502]  // the first count call fails twice
        let summary = ingester.run(paths: [folder.path])
        XCTAssertFalse(summary.hasFailures, summary.report)
        XCTAssertEqual(recorderHandle?.delays, [0.5, 1.0])
        XCTAssertEqual(server.points("docs").count, 1)
    }

    func testRetriesMeansRetriesAfterTheFirstAttemptAndOnlyForSafeFailures() throws {
        // The test policy has `retries` 2: three attempts in all, then the error surfaces.
        let folder = try TemporaryFolder()
        try folder.write("a.txt", "Pandas eat bamboo.")
        let ingester = try makeIngester()
        XCTAssertEqual(ingester.client.retry.retries, 2)
        try ingester.prepareCollection(create: true, dimension: 384)
        let before = server.requests.count
        server.scriptedStatuses = [503, 503, 503]
        var summary = ingester.run(paths: [folder.path])
        let counts = server.requests[before...].filter { $0.path.hasSuffix("/points/count") }
        XCTAssertEqual(counts.count, 3, "one count call, tried 3 times")
        XCTAssertEqual(recorderHandle?.delays, [0.5, 1.0])
        XCTAssertEqual(summary.failures.count, 1, summary.report)

        // A 429 that names its wait is retried after that wait; one without Retry-After
        // (the request exceeds the whole budget) and any other 4xx are not.
        for (status, header, expectedDelays) in [
            (429, "3", [3.0]), (429, nil, []), (404, nil, []), (409, nil, []), (501, nil, []),
        ] as [(Int, String?, [Double])] {
            let ingester = try makeIngester()
            server.scriptedStatuses = [status]
            server.scriptedHeaders = header.map { ["retry-after": $0] } ?? [:]
            summary = ingester.run(paths: [folder.path])
            XCTAssertEqual(
                recorderHandle?.delays, expectedDelays, "HTTP \(status) \(header ?? "-")")
            XCTAssertEqual(summary.failures.count, expectedDelays.isEmpty ? 1 : 0, summary.report)
        }
    }

    func testRefusedBatchFailsItsFilesWithoutRetryingAndReportsTheReason() throws {
        let folder = try TemporaryFolder()
        try folder.write("a.txt", "Some text.")
        let ingester = try makeIngester()
        try ingester.prepareCollection(create: true, dimension: 384)
        server.upsertStatusOverride = 400
        let summary = ingester.run(paths: [folder.path])
        XCTAssertEqual(summary.failures.map(\.path), [folder.path + "/a.txt"])
        XCTAssertTrue(
            summary.failures[0].reason.contains("HTTP 400: Bad request: refused"),
            summary.failures[0].reason
        )
        XCTAssertEqual(recorderHandle?.delays, [], "a 400 is not retried")
        XCTAssertEqual(server.upserts.count, 1)
    }

    func testRunStopsWhenTheServerRefusesEveryBatchTheSameWay() throws {
        // A server without text inference refuses every batch; after three identical refusals
        // the remaining files are reported without sending them.
        let folder = try TemporaryFolder()
        for index in 0..<6 { try folder.write("f\(index).txt", "Text number \(index).") }
        let ingester = try makeIngester(batch: 1)
        try ingester.prepareCollection(create: true, dimension: 384)
        server.upsertStatusOverride = 400
        let summary = ingester.run(paths: [folder.path])
        XCTAssertEqual(server.upserts.count, 3)
        XCTAssertEqual(summary.failures.count, 6)
        XCTAssertTrue(summary.failures[5].reason.hasPrefix("not ingested: PUT"), summary.report)
    }

    func testEmptyAndBinaryFilesStoreNothing() throws {
        // Case B28: a 0-byte file and a file of only newlines store no points.
        let folder = try TemporaryFolder()
        try folder.write("empty.txt", "")
        try folder.write("newlines.txt", "\n\n\n\n")
        try folder.write("zero-width.md", "\u{200B}\u{200B}")
        let binary = try folder.write("blob.txt", bytes: [0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D])
        try folder.write("real.txt", "Pandas eat bamboo.")
        let summary = try ingest([folder.path])
        XCTAssertEqual(summary.filesEmpty, 3)
        XCTAssertEqual(summary.filesIngested, 1)
        XCTAssertEqual(summary.failures.map(\.path), [binary])
        XCTAssertTrue(summary.hasFailures)
        XCTAssertTrue(
            display.notes.contains("error: \(binary): not text (NUL byte at offset 4), skipped"),
            "\(display.notes)"
        )
        // Case B08 (client side): the document text is sent as is, with no instruction prefix.
        XCTAssertEqual(server.points("docs").map { $0["vector"]?["text"] }, ["Pandas eat bamboo."])
    }

    func testFileThatBecomesEmptyLosesItsPoints() throws {
        let folder = try TemporaryFolder()
        try folder.write("a.txt", "Pandas eat bamboo.")
        XCTAssertEqual(try ingest([folder.path]).filesIngested, 1)
        try folder.write("a.txt", "  \n")
        XCTAssertEqual(try ingest([folder.path]).filesEmpty, 1)
        XCTAssertEqual(server.points("docs").count, 0)
    }

    func testFileThatTurnsBinaryOrDisappearsLosesItsChunksAndTheSummarySaysSo() throws {
        let folder = try TemporaryFolder()
        let text = try folder.write("a.txt", String(repeating: "Pandas eat bamboo. ", count: 60))
        let gone = try folder.write("b.txt", "Koalas eat eucalyptus.")
        try folder.write("c.txt", "Sloths sleep.")
        let first = try ingest([folder.path, gone], chunk: 32)
        XCTAssertEqual(first.filesIngested, 3, first.report)
        let storedA = server.points("docs").filter { $0["payload"]?["source"] == .string(text) }
        XCTAssertGreaterThan(storedA.count, 1)

        // a.txt is now a zip archive; b.txt, named on the command line, was deleted.
        try folder.write("a.txt", bytes: [0x50, 0x4B, 0x03, 0x04, 0, 0, 0x14])
        try FileManager.default.removeItem(atPath: gone)
        let second = try ingest([folder.path, gone], chunk: 32)
        XCTAssertEqual(second.filesRemoved, 2, second.report)
        XCTAssertEqual(second.chunksRemoved, storedA.count + 1, second.report)
        XCTAssertEqual(second.failures.map(\.path), [gone, text], "both still fail the run")
        XCTAssertTrue(
            second.report.contains(
                "removed \(storedA.count + 1) chunks of 2 files that are gone or no longer text"),
            second.report
        )
        XCTAssertTrue(
            display.notes.contains(
                "note: removed \(storedA.count) chunks of \(text) stored by an earlier run"),
            "\(display.notes)"
        )
        let sources = Set(server.points("docs").compactMap { $0["payload"]?["source"] })
        XCTAssertEqual(sources, [.string(folder.path + "/c.txt")])

        // Nothing left to remove: a third run deletes nothing and says nothing about it.
        let third = try ingest([folder.path], chunk: 32)
        XCTAssertEqual(third.filesRemoved, 0)
        XCTAssertFalse(third.report.contains("removed"), third.report)
    }

    func testFilesDeletedFromAWalkedFolderLoseTheirChunksOthersKeepThem() throws {
        let folder = try TemporaryFolder()
        let kept = try folder.write("kept.md", "# Kept\n\nPandas eat bamboo.")
        let deleted = try folder.write("sub/deleted.txt", "Koalas eat eucalyptus.")
        // Named directly once: not something a walk reads, so it stays while it exists.
        let named = try folder.write("notes.data", "Sloths sleep.")
        let elsewhere = try TemporaryFolder()
        let other = try elsewhere.write("other.txt", "Otters hold hands.")
        XCTAssertEqual(try ingest([folder.path, named, other]).filesIngested, 4)

        try FileManager.default.removeItem(atPath: deleted)
        try FileManager.default.removeItem(atPath: other)  // not under the walked folder
        let before = server.requests.count
        let ingester = try makeIngester()
        let second = ingester.run(paths: [folder.path])
        XCTAssertFalse(second.hasFailures, second.report)
        XCTAssertEqual(second.filesRemoved, 1, second.report)
        XCTAssertEqual(second.chunksRemoved, 1, second.report)
        XCTAssertTrue(
            display.notes.contains("note: removed 1 chunks of \(deleted) stored by an earlier run"),
            "\(display.notes)")
        let sources = Set(
            server.points("docs").compactMap { $0["payload"]?["source"]?.stringValue })
        XCTAssertEqual(sources, [kept, named, other])
        let scrolls = server.requests[before...].filter { $0.path.hasSuffix("/points/scroll") }
        XCTAssertEqual(scrolls.count, 1, "one page lists every stored file")
    }

    func testLinksLeavingTheFolderAreSkippedWithAWarningAndNothingOfThemIsStored() throws {
        let folder = try TemporaryFolder()
        let outside = try TemporaryFolder()
        let secret = try outside.write("secret.txt", "root:x:0:0:root:/root:/bin/bash")
        try folder.write("docs/real.txt", "Pandas eat bamboo.")
        let files = FileManager.default
        try files.createSymbolicLink(atPath: folder.path + "/leak.txt", withDestinationPath: secret)
        try files.createSymbolicLink(
            atPath: folder.path + "/docs/escape", withDestinationPath: outside.path)
        try files.createSymbolicLink(
            atPath: folder.path + "/alias.txt", withDestinationPath: "docs/real.txt")
        // Stored through the folder link by an earlier version that followed it: a walk that
        // skips the link takes that content out again.
        let leaked = folder.path + "/docs/escape/secret.txt"
        server.collections["docs"] = [
            "leaked": [
                "id": "leaked", "vector": ["text": "root:x"],
                "payload": ["source": .string(leaked), "chunk": 0, "text": "root:x"],
            ]
        ]
        let summary = try ingest([folder.path])
        XCTAssertFalse(summary.hasFailures, summary.report)
        XCTAssertEqual(
            Set(summary.skipped.map(\.path)),
            [folder.path + "/leak.txt", folder.path + "/docs/escape"]
        )
        XCTAssertTrue(
            display.notes.contains(
                "warning: skipped \(folder.path)/leak.txt: symbolic link to \(secret), outside "
                    + "\(folder.path); not followed"),
            "\(display.notes)"
        )
        XCTAssertTrue(summary.report.contains("skipped 2 entries"), summary.report)
        XCTAssertEqual(summary.filesRemoved, 1, summary.report)
        XCTAssertTrue(
            display.notes.contains("note: removed 1 chunks of \(leaked) stored by an earlier run"),
            "\(display.notes)")
        let sources = Set(
            server.points("docs").compactMap { $0["payload"]?["source"]?.stringValue })
        XCTAssertEqual(sources, [folder.path + "/alias.txt", folder.path + "/docs/real.txt"])
    }

    func testMissingCollectionIsAnErrorWithoutCreate() throws {
        let ingester = try makeIngester()
        XCTAssertThrowsError(try ingester.prepareCollection(create: false, dimension: 384)) {
            error in
            XCTAssertEqual(
                "\(error)",
                "GET /collections/docs failed with HTTP 404: "
                    + "collection 'docs' does not exist (pass --create)"
            )
        }
        XCTAssertNil(server.collections["docs"])
    }

    func testCreateNamesTheEmbeddingModelAndPointsCarryIt() throws {
        let folder = try TemporaryFolder()
        try folder.write("a.txt", "Pandas eat bamboo.")
        let ingester = try makeIngester(model: "all-minilm-l6-v2")
        try ingester.prepareCollection(create: true, dimension: 384)
        _ = ingester.run(paths: [folder.path])
        XCTAssertEqual(server.createBodies["docs"]?["embedding_model"], "all-minilm-l6-v2")
        XCTAssertEqual(server.points("docs").first?["vector"]?["model"], "all-minilm-l6-v2")
    }

    func testCollectionNamesArePercentEncodedAsOnePathSegment() {
        XCTAssertEqual(CollectionClient.encodePathSegment("a b/../c?d"), "a%20b%2F..%2Fc%3Fd")
        XCTAssertEqual(CollectionClient.encodePathSegment("docs_v1.2-x~"), "docs_v1.2-x~")
    }
}

/// Collects retry waits instead of sleeping.
final class DelayRecorder: @unchecked Sendable {
    private(set) var delays: [Double] = []
    func record(_ delay: Double) { delays.append(delay) }
}
