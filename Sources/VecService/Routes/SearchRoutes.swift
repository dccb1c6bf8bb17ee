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
        let executor = try QueryExecutor(context: context, session: context.session())
        return .result(.array(try specs.map { .array(try executor.run($0).map(PointWire.scored)) }))
    }
}
