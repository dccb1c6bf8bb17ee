import VectorStore

/// Payload updates: set (merge), overwrite, delete keys, clear.
enum PayloadRoutes {
    static let routes: [Route] = [
        Route("POST", "/collections/{collection}/points/payload", .write, set),
        Route("PUT", "/collections/{collection}/points/payload", .write, overwrite),
        Route("POST", "/collections/{collection}/points/payload/delete", .write, delete),
        Route("POST", "/collections/{collection}/points/payload/clear", .write, clear),
    ]

    static func set(_ context: RouteContext) throws -> RouteResult {
        let (payload, selection, key) = try UpdateWire.setPayload(context.body(), allowKey: true)
        return try run(context, .setPayload(payload, selection, key: key))
    }

    static func overwrite(_ context: RouteContext) throws -> RouteResult {
        let (payload, selection, _) = try UpdateWire.setPayload(context.body(), allowKey: false)
        return try run(context, .overwritePayload(payload, selection))
    }

    static func delete(_ context: RouteContext) throws -> RouteResult {
        let (keys, selection) = try UpdateWire.deletePayload(context.body())
        return try run(context, .deletePayload(keys: keys, selection))
    }

    static func clear(_ context: RouteContext) throws -> RouteResult {
        try run(context, .clearPayload(PointWire.selection(context.body())))
    }

    private static func run(
        _ context: RouteContext,
        _ operation: UpdateOperation
    ) throws
        -> RouteResult
    {
        let updates = try Updates(context)
        try updates.apply(operation)
        return .result(updates.result())
    }
}
