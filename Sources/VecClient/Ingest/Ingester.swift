import Foundation
import VecCore

/// What an ingest run did, for the summary and the exit status.
public struct IngestSummary: Sendable, Equatable {
    public var filesSeen = 0
    /// Files whose chunks were all upserted in this run.
    public var filesIngested = 0
    /// Files already stored with the same content and settings.
    public var filesUnchanged = 0
    /// Files without any text (empty, blank): nothing stored, stale chunks removed.
    public var filesEmpty = 0
    /// Path and reason of every file that was skipped or failed.
    public var failures: [(path: String, reason: String)] = []
    /// Entries of walked folders left out on purpose (links leaving the folder, special
    /// files), with why: warnings that do not fail the run.
    public var skipped: [(path: String, reason: String)] = []
    /// Files stored by an earlier run that are gone or no longer text (binary, unreadable,
    /// empty now), whose chunks this run deleted.
    public var filesRemoved = 0
    /// Chunks deleted because their file is gone or no longer text.
    public var chunksRemoved = 0
    public var chunksUploaded = 0
    /// With `--dry-run`: the chunks a run into an empty collection would upload.
    public var chunksPlanned: Int?
    public var seconds = 0.0
    /// Seconds spent uploading (the server embedding), without reading and checking files.
    public var uploadSeconds = 0.0

    public init() {}

    /// Whether the exit status should say something went wrong.
    public var hasFailures: Bool { !failures.isEmpty }

    public static func == (lhs: IngestSummary, rhs: IngestSummary) -> Bool {
        lhs.filesSeen == rhs.filesSeen && lhs.filesIngested == rhs.filesIngested
            && lhs.filesUnchanged == rhs.filesUnchanged && lhs.filesEmpty == rhs.filesEmpty
            && lhs.chunksUploaded == rhs.chunksUploaded
            && lhs.failures.map(\.path) == rhs.failures.map(\.path)
    }

    /// The closing report, several lines.
    public var report: String {
        if let planned = chunksPlanned {
            return String(
                format: "dry run: %d files would give %d chunks (%d empty, %d unreadable); "
                    + "read and chunked in %.1fs",
                filesSeen,
                planned,
                filesEmpty,
                failures.count,
                seconds
            )
        }
        var lines = [
            String(
                format: "ingested %d of %d files (%d chunks) in %.1fs; %d unchanged, %d empty, "
                    + "%d failed",
                filesIngested,
                filesSeen,
                chunksUploaded,
                seconds,
                filesUnchanged,
                filesEmpty,
                failures.count
            )
        ]
        if filesRemoved > 0 {
            lines.append(
                "removed \(chunksRemoved) chunks of \(filesRemoved) files that are gone or no "
                    + "longer text (binary, unreadable or empty now)"
            )
        }
        if !skipped.isEmpty {
            lines.append(
                "skipped \(skipped.count) entries (links leaving the folder, special files)")
        }
        if chunksUploaded > 0 && uploadSeconds > 0 {
            lines.append(
                String(
                    format: "throughput: %.1f chunks/s while uploading, %.1f chunks/s overall",
                    Double(chunksUploaded) / uploadSeconds,
                    Double(chunksUploaded) / seconds
                )
            )
        }
        for failure in failures.prefix(20) {
            lines.append("  failed: \(failure.path): \(failure.reason)")
        }
        if failures.count > 20 { lines.append("  … and \(failures.count - 20) more") }
        return lines.joined(separator: "\n")
    }
}

/// Reads files, chunks them and keeps a collection in step with them.
///
/// Per file the collection is asked how many points carry its source and content hash. A file
/// whose chunks are all there with the current hash is skipped; otherwise its chunks beyond the
/// new count are deleted and all its chunks are upserted under ids derived from source and
/// chunk number, which overwrite the old ones. So a second run does nothing, a changed file
/// leaves no stale chunk, and a run stopped half-way resumes where files are incomplete.
public final class Ingester {
    public let client: CollectionClient
    public let chunker: Chunker
    public let batchSize: Int
    /// Sent with each text point; `nil` lets the server use the collection's model.
    public let model: String?
    public let display: ProgressDisplay
    /// Reads and chunks without contacting the server: what a real run would upload at most.
    public var isDryRun = false

    private var state = ProgressState()
    private var summary = IngestSummary()
    /// Set when the server stopped answering even after retries, or refused the first
    /// `refusalsBeforeStopping` batches with the same error (no text inference, a read-only
    /// key): every further request would fail the same way, so the rest of the run is
    /// reported, not attempted.
    private var outage: ClientError?
    /// The error of the batches refused in a row before any batch succeeded.
    private var refusals: (error: ClientError, count: Int)?

    /// Identical refusals of a run's first batches after which the run stops.
    public static let refusalsBeforeStopping = 3

    public init(
        client: CollectionClient,
        chunker: Chunker,
        batchSize: Int,
        model: String?,
        display: ProgressDisplay
    ) {
        self.client = client
        self.chunker = chunker
        self.batchSize = batchSize
        self.model = model
        self.display = display
    }

    /// Makes sure the collection exists, creating it when `create` is set.
    /// - Throws: `ClientError` when the server cannot be used, or `.http(404)` when the
    ///   collection is missing and `create` is not set.
    public func prepareCollection(create: Bool, dimension: Int) throws(ClientError) {
        if try client.exists() { return }
        guard create else {
            throw .http(
                status: 404,
                method: "GET",
                path: client.collectionPath,
                message: "collection '\(client.collection)' does not exist (pass --create)"
            )
        }
        do {
            try client.create(dimension: dimension, model: model)
        } catch {
            // A create whose answer was lost is sent again and finds the collection made (or
            // another run made it meanwhile): it exists, which is what was asked for.
            guard case .http(409, _, _, _, _) = error, try client.exists() else { throw error }
        }
        // The per-file filters match on `source`; an index keeps them from scanning everything.
        // A server without payload indexes still works, only slower, so failure is a note.
        do {
            try client.createKeywordIndex(field: "source")
        } catch {
            display.note("note: no payload index on 'source' (\(error)); continuing")
        }
    }

    /// Ingests every file under `paths`; failures are collected, not thrown.
    public func run(paths: [String]) -> IngestSummary {
        let started = Date()
        let walk = FileWalker.collect(paths)
        for problem in walk.problems {
            fail(problem.path, problem.reason)
            // A file named on the command line that is gone: its chunks go with it.
            removeStoredChunks(of: problem.path)
        }
        for entry in walk.skipped {
            summary.skipped.append(entry)
            display.note("warning: skipped \(entry.path): \(entry.reason)")
        }
        summary.filesSeen = walk.files.count + walk.problems.count
        state.filesTotal = summary.filesSeen
        state.filesDone = walk.problems.count

        let pending = scan(walk.files)
        removeDeletedFiles(
            under: walk.folders, walked: Set(walk.files), skipped: walk.skipped.map(\.path))
        if isDryRun {
            summary.chunksPlanned = pending.reduce(0) { $0 + $1.chunks.count }
            state.filesDone = state.filesTotal
        } else {
            upload(pending)
        }

        // A dry run ends after scanning; "uploading 0 of N" would misstate what happened.
        state.phase = isDryRun ? .scanning : .done
        summary.seconds = Date().timeIntervalSince(started)
        display.finish(state)
        return summary
    }

    // MARK: - Scanning

    /// A file whose chunks must be upserted.
    struct PendingFile {
        var source: String
        var title: String
        var hash: String
        var chunks: [Chunk]
    }

    private func scan(_ files: [String]) -> [PendingFile] {
        var pending: [PendingFile] = []
        for path in files {
            if let outage {
                fail(path, "not ingested: \(outage)")
                state.filesDone += 1
                continue
            }
            if let file = plan(path) { pending.append(file) } else { state.filesDone += 1 }
            display.update(state)
        }
        return pending
    }

    /// Reads one file and decides what to do with it; `nil` when nothing is to be uploaded.
    private func plan(_ path: String) -> PendingFile? {
        let document: Document
        do {
            document = try DocumentReader.read(path: path)
        } catch {
            fail(error.path, error.reason)
            removeStoredChunks(of: error.path)
            return nil
        }
        let chunks = chunker.chunks(of: document.text)
        // The settings are part of the hash so that new chunk sizes or a new tokenizer re-chunk.
        let hash = "sha1:" + document.contentHash + "/" + chunker.identity
        do {
            return try reconcile(document, chunks: chunks, hash: hash)
        } catch {
            noteOutage(error)
            fail(document.source, error.description)
            return nil
        }
    }

    private func reconcile(
        _ document: Document,
        chunks: [Chunk],
        hash: String
    )
        throws(ClientError) -> PendingFile?
    {
        let source = document.source
        if isDryRun {
            if chunks.isEmpty { summary.filesEmpty += 1 }
            return chunks.isEmpty
                ? nil
                : PendingFile(source: source, title: document.title, hash: hash, chunks: chunks)
        }
        let stored = try client.count(filter: IngestFilters.source(source))
        if chunks.isEmpty {
            if stored > 0 { try deleteAll(of: source, stored: stored) }
            summary.filesEmpty += 1
            display.note("note: \(source) has no text; nothing stored")
            return nil
        }
        if stored == chunks.count {
            let current = try client.count(filter: IngestFilters.source(source, hash: hash))
            if current == chunks.count {
                summary.filesUnchanged += 1
                return nil
            }
        }
        if stored > 0 {
            try client.delete(filter: IngestFilters.source(source, chunksFrom: chunks.count))
        }
        state.chunksTotal += chunks.count
        return PendingFile(source: source, title: document.title, hash: hash, chunks: chunks)
    }

    /// A file that cannot be read as text now (binary, unreadable) may have been text on an
    /// earlier run: its chunks would keep answering queries with content the file no longer
    /// has, so they go, as an empty file's do. A failure here is reported, not fatal.
    private func removeStoredChunks(of source: String) {
        guard !isDryRun, outage == nil else { return }
        do {
            let stored = try client.count(filter: IngestFilters.source(source))
            if stored > 0 { try deleteAll(of: source, stored: stored) }
        } catch {
            noteOutage(error)
            fail(source, "its old chunks could not be removed: \(error)")
        }
    }

    /// Chunks of files deleted from a walked folder since an earlier run: the stored sources
    /// under the folder that this walk did not see and that no longer exist, or that lie at
    /// or under an entry the walk skipped (content stored through a link that leads out of
    /// the folder, by a version that followed it, must not stay). A file that exists but is
    /// not walked, such as `notes.data` ingested by name, keeps its chunks.
    private func removeDeletedFiles(under folders: [String], walked: Set<String>, skipped: [String])
    {
        guard !isDryRun, outage == nil, !folders.isEmpty else { return }
        let sources: [String]
        do {
            sources = try client.storedSources()
        } catch {
            noteOutage(error)
            fail(folders[0], "cannot look for deleted files' chunks: \(error)")
            return
        }
        for source in sources where !walked.contains(source) {
            guard folders.contains(where: { FileWalker.isInside(source, root: $0) }),
                !FileManager.default.fileExists(atPath: source)
                    || skipped.contains(where: { FileWalker.isInside(source, root: $0) })
            else { continue }
            removeStoredChunks(of: source)
        }
    }

    /// Deletes every chunk of `source` (`stored` of them) and counts them in the summary.
    private func deleteAll(of source: String, stored: Int) throws(ClientError) {
        try client.delete(filter: IngestFilters.source(source, chunksFrom: 0))
        summary.filesRemoved += 1
        summary.chunksRemoved += stored
        display.note("note: removed \(stored) chunks of \(source) stored by an earlier run")
    }

    // MARK: - Uploading

    private func upload(_ files: [PendingFile]) {
        state.phase = .uploading
        let uploadStart = Date()
        display.update(state)

        var remaining = files.map(\.chunks.count)
        var failed = Set<Int>()
        var batch: [(file: Int, chunk: Chunk)] = []

        func flush() {
            guard !batch.isEmpty else { return }
            let points = batch.map { point(for: files[$0.file], chunk: $0.chunk) }
            let touched = Set(batch.map(\.file))
            do {
                try client.upsert(points: points)
                summary.chunksUploaded += batch.count
                state.chunksDone += batch.count
                for entry in batch { remaining[entry.file] -= 1 }
                for file in touched where remaining[file] == 0 && !failed.contains(file) {
                    summary.filesIngested += 1
                    state.filesDone += 1
                }
            } catch {
                noteOutage(error)
                for file in touched where failed.insert(file).inserted {
                    fail(files[file].source, "upsert failed: \(error)")
                    state.filesDone += 1
                }
            }
            batch.removeAll(keepingCapacity: true)
            state.uploadSeconds = Date().timeIntervalSince(uploadStart)
            summary.uploadSeconds = state.uploadSeconds
            display.update(state)
        }

        for (fileIndex, file) in files.enumerated() {
            if let outage {
                if failed.insert(fileIndex).inserted {
                    fail(file.source, "not ingested: \(outage)")
                    state.filesDone += 1
                }
                continue
            }
            for chunk in file.chunks {
                // A file that already failed would only fail again; its next run redoes it.
                guard !failed.contains(fileIndex) else { break }
                batch.append((fileIndex, chunk))
                if batch.count == batchSize { flush() }
            }
        }
        flush()
    }

    /// The point for one chunk, in Qdrant's inference form: the server embeds `vector.text`.
    func point(for file: PendingFile, chunk: Chunk) -> JSONValue {
        var vector: [String: JSONValue] = ["text": .string(chunk.text)]
        if let model { vector["model"] = .string(model) }
        return [
            "id": .string(UUIDv5.chunkID(source: file.source, chunk: chunk.index).description),
            "vector": .object(vector),
            "payload": [
                "text": .string(chunk.text),
                "source": .string(file.source),
                "title": .string(file.title),
                "chunk": .int(Int64(chunk.index)),
                "source_hash": .string(file.hash),
            ],
        ]
    }

    private func noteOutage(_ error: ClientError) {
        guard outage == nil else { return }
        if case .connection = error {
            outage = error
            return
        }
        // Only before anything succeeded: later refusals are about particular points.
        guard summary.chunksUploaded == 0 else { return }
        let count = refusals?.error == error ? (refusals?.count ?? 0) + 1 : 1
        refusals = (error, count)
        if count >= Self.refusalsBeforeStopping { outage = error }
    }

    private func fail(_ path: String, _ reason: String) {
        summary.failures.append((path, reason))
        display.note("error: \(path): \(reason)")
    }
}
