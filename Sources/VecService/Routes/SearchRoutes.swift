import VectorStore

/// `points/query` (and its batch) and the legacy `points/search` that LiteLLM still calls.
enum SearchRoutes {
    static let routes: [Route] = [
        Route("POST", "/collections/{collection}/points/query", .read, query),
        Route("POST", "/collections/{collection}/points/query/batch", .read, queryBatch),
        Route("POST", "/collections/{collection}/points/search", .read, search),
        Route("POST", "/collections/{collection}/points/search/batch", .read, searchBatch),
    ]

    static func query(_ context: RouteContext) throws -> RouteResult {
        let spec = try QueryWire.query(context.body())
        let points = try QueryExecutor(context: context, session: context.session()).run(spec)
        return .result(["points": .array(points.map(PointWire.scored))])
    }

    static func queryBatch(_ context: RouteContext) throws -> RouteResult {
        let specs = try QueryWire.batch(context.body()) { try QueryWire.query($0) }
        try checkTexts(specs)
        let executor = try QueryExecutor(context: context, session: context.session())
        let results = try specs.map { spec -> JSONValue in
            ["points": .array(try executor.run(spec).map(PointWire.scored))]
        }
        return .result(.array(results))
    }

    /// Legacy search: a bare list of scored points, no `points` wrapper.
    static func search(_ context: RouteContext) throws -> RouteResult {
        let spec = try QueryWire.search(context.body())
        let points = try QueryExecutor(context: context, session: context.session()).run(spec)
        return .result(.array(points.map(PointWire.scored)))
    }

    static func searchBatch(_ context: RouteContext) throws -> RouteResult {
        let specs = try QueryWire.batch(context.body(), QueryWire.search)
        try checkTexts(specs)
        let executor = try QueryExecutor(context: context, session: context.session())
        return .result(.array(try specs.map { .array(try executor.run($0).map(PointWire.scored)) }))
    }

    /// A batch embeds one text per `Document` query (prefetch levels included); it is held to
    /// the same per-request cap as upserts, before any runs.
    private static func checkTexts(_ specs: [QuerySpec]) throws {
        func texts(_ spec: QuerySpec) -> Int {
            var count = 0
            if case .nearest(.document)? = spec.query { count = 1 }
            return spec.prefetch.reduce(count) { $0 + texts($1) }
        }
        try Inference.checkTextCount(specs.reduce(0) { $0 + texts($1) }, field: "searches")
    }
}
