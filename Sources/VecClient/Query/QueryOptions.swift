import VecCore

/// Everything `vecd query` was asked to do, validated.
public struct QueryOptions: Sendable, Equatable {
    public static let defaultLimit = 5

    public var server: ServerOptions
    public var question: String
    public var limit: Int
    public var rerank: Bool
    /// Prints the server's JSON answer as it came.
    public var json: Bool
    /// Embedding model for the question; `nil` = the collection's.
    public var model: String?
    /// Cross-encoder for `--rerank`; `nil` = the server's configured reranker.
    public var rerankModel: String?
    public var timeout: Double

    public static let usage = """
        usage: vecd query --collection NAME [--url URL] [--api-key KEY] [--limit N] [--rerank]
                          [--rerank-model NAME] [--model NAME] [--json] QUESTION
          Embeds the question on the server, searches the collection and prints the best
          chunks with score, source, title and a snippet. --rerank re-scores the top
          max(4×limit, 50) candidates with the server's cross-encoder.
        """

    /// Parses the arguments after `query`; several positional words form one question.
    /// - Throws: `ArgumentError` naming the first bad option or value.
    public static func parse(
        _ arguments: [String],
        environment: [String: String] = [:]
    )
        throws(ArgumentError) -> QueryOptions
    {
        let valued = ServerOptions.valued.union([
            "--limit", "--model", "--rerank-model", "--timeout",
        ])
        let scanner = try ArgumentScanner(arguments, valued: valued, flags: ["--rerank", "--json"])
        let server = try ServerOptions(scanner, environment: environment)
        let question = scanner.positional.joined(separator: " ")
        // A blank question would embed to nothing useful (case B28): refuse it here.
        guard question.contains(where: { !$0.isWhitespace }) else { throw .emptyQuestion }
        return QueryOptions(
            server: server,
            question: question,
            limit: try scanner.positiveInteger("--limit", default: defaultLimit),
            rerank: scanner.flags.contains("--rerank"),
            json: scanner.flags.contains("--json"),
            model: scanner.string("--model"),
            rerankModel: scanner.string("--rerank-model"),
            timeout: try scanner.positiveNumber("--timeout", default: 120)
        )
    }

    /// How many candidates a reranked query fetches first: four per answer, at least 50, so the
    /// cross-encoder has room to promote a passage dense search ranked low.
    public var prefetchLimit: Int { max(4 * limit, 50) }

    /// The `POST /points/query` body.
    public var requestBody: JSONValue {
        var textQuery: [String: JSONValue] = ["text": .string(question)]
        if let model { textQuery["model"] = .string(model) }
        guard rerank else {
            return ["query": .object(textQuery), "limit": .int(Int64(limit)), "with_payload": true]
        }
        var rerankQuery: [String: JSONValue] = ["text": .string(question), "field": "text"]
        if let rerankModel { rerankQuery["model"] = .string(rerankModel) }
        return [
            "prefetch": ["query": .object(textQuery), "limit": .int(Int64(prefetchLimit))],
            "query": ["rerank": .object(rerankQuery)],
            "limit": .int(Int64(limit)),
            "with_payload": true,
        ]
    }
}
