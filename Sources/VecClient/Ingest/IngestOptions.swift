/// Everything `vecd ingest` was asked to do, validated.
public struct IngestOptions: Sendable, Equatable {
    /// Chunks per upsert request: large enough to amortise the request, small enough that the
    /// server embeds one batch in a few seconds on two cores and a failed batch costs little.
    public static let defaultBatchSize = 32

    /// How progress is shown.
    public enum ProgressStyle: String, Sendable {
        /// A bar when standard output is a terminal, lines otherwise.
        case auto
        case bar
        case lines
        case none
    }

    public var server: ServerOptions
    public var create: Bool
    /// Embedding model name for new collections and text points; `nil` = the server's default.
    public var model: String?
    public var batchSize: Int
    public var chunking: ChunkingOptions
    /// Where the tokenizer's `vocab.txt` lives; `nil` = `VECD_MODEL_DIR` or the default.
    public var modelDirectory: String?
    /// Vector size for `--create`; `nil` = read from the model's `config.json`.
    public var dimension: Int?
    /// Retries of a request after its first attempt failed transiently (so `retries + 1`
    /// attempts at most); `0` never retries.
    public var retries: Int
    /// Seconds to wait for one answer.
    public var timeout: Double
    public var progress: ProgressStyle
    /// Read and chunk only; nothing is sent.
    public var isDryRun: Bool
    public var paths: [String]

    public static let usage = """
        usage: vecd ingest --collection NAME [--url URL] [--api-key KEY] [--create]
                           [--model NAME] [--batch N] [--chunk-tokens N] [--chunk-overlap N]
                           [--model-dir DIR] [--dimension D] [--retries N] [--timeout SECONDS]
                           [--progress auto|bar|lines|none] [--dry-run] PATH...
          Reads text, Markdown, reStructuredText and HTML files (folders are walked), splits
          them into chunks of model tokens and upserts them for server-side embedding.
          Unchanged files are skipped; changed files replace their chunks. --dry-run only
          reads and chunks, and prints how many chunks a first run would upload.
          --url defaults to $VECD_URL or \(ServerOptions.defaultURL); --api-key to $VECD_API_KEY.
          --retries N: a request that failed transiently (no connection, HTTP 5xx, or 429 with
          Retry-After) is sent again up to N more times (N + 1 attempts), waiting \(delays)
          between tries, or as long as Retry-After asks (at most \
        \(Int(RetryPolicy.maximumRetryAfter)) s). Other 4xx
          answers are never retried; --retries 0 sends each request once.
          Defaults: --batch \(defaultBatchSize), --chunk-tokens \(ChunkingOptions.defaultTokens), \
        --chunk-overlap \(ChunkingOptions.defaultOverlap), \
        --retries \(RetryPolicy.standard.retries), --timeout 300.
        """

    /// The standard waits between retries, for the help text: `0.5, 1, 2, 4… s (at most 8)`.
    private static var delays: String {
        let policy = RetryPolicy.standard
        let waits = (1...4).map { String(format: "%g", policy.delay(afterAttempt: $0)) }
        return waits.joined(separator: ", ") + String(format: "… s (at most %g)", policy.maxDelay)
    }

    /// Parses the arguments after `ingest`.
    /// - Throws: `ArgumentError` naming the first bad option or value.
    public static func parse(
        _ arguments: [String],
        environment: [String: String] = [:]
    )
        throws(ArgumentError) -> IngestOptions
    {
        let valued: Set<String> = ServerOptions.valued.union([
            "--model", "--batch", "--chunk-tokens", "--chunk-overlap", "--model-dir",
            "--dimension", "--retries", "--timeout", "--progress",
        ])
        let scanner = try ArgumentScanner(
            arguments,
            valued: valued,
            flags: ["--create", "--dry-run"]
        )
        let server = try ServerOptions(scanner, environment: environment)

        let tokens = try scanner.integer("--chunk-tokens") ?? ChunkingOptions.defaultTokens
        let overlap = try scanner.integer("--chunk-overlap") ?? ChunkingOptions.defaultOverlap
        let chunking: ChunkingOptions
        do {
            chunking = try ChunkingOptions(tokens: tokens, overlap: overlap)
        } catch {
            throw .chunking(error)
        }

        var dimension: Int?
        if scanner.string("--dimension") != nil {
            dimension = try scanner.positiveInteger("--dimension", default: 1)
        }
        let progressText = scanner.string("--progress") ?? "auto"
        guard let progress = ProgressStyle(rawValue: progressText) else {
            throw .invalidChoice(
                option: "--progress",
                value: progressText,
                choices: ["auto", "bar", "lines", "none"]
            )
        }
        guard !scanner.positional.isEmpty else { throw .missingPaths }

        return IngestOptions(
            server: server,
            create: scanner.flags.contains("--create"),
            model: scanner.string("--model"),
            batchSize: try scanner.positiveInteger("--batch", default: defaultBatchSize),
            chunking: chunking,
            modelDirectory: scanner.string("--model-dir"),
            dimension: dimension,
            retries: try scanner.nonNegativeInteger(
                "--retries",
                default: RetryPolicy.standard.retries
            ),
            timeout: try scanner.positiveNumber("--timeout", default: 300),
            progress: progress,
            isDryRun: scanner.flags.contains("--dry-run"),
            paths: scanner.positional
        )
    }
}
