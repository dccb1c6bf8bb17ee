import VectorStore

/// `/collections` and `/collections/{collection}`.
enum CollectionRoutes {
    static let routes: [Route] = [
        Route("GET", "/collections", .read, list),
        Route("GET", "/collections/{collection}", .read, info),
        Route("GET", "/collections/{collection}/exists", .read, exists),
        Route("PUT", "/collections/{collection}", .manage, create),
        Route("DELETE", "/collections/{collection}", .manage, delete),
    ]

    static func list(_ context: RouteContext) throws -> RouteResult {
        let names = try context.session().collectionNames().sorted()
        return .result(["collections": .array(names.map { ["name": .string($0)] })])
    }

    static func info(_ context: RouteContext) throws -> RouteResult {
        .result(CollectionWire.info(try context.session().collectionInfo(context.collection)))
    }

    static func exists(_ context: RouteContext) throws -> RouteResult {
        .result(["exists": .bool(try context.session().collectionExists(context.collection))])
    }

    static func create(_ context: RouteContext) throws -> RouteResult {
        try CollectionWire.validateName(context.collection)
        var config = try CollectionWire.createCollection(context.body())
        try Inference.fitModel(&config, context: context)
        try context.session().createCollection(context.collection, config: config)
        return .result(true)
    }

    static func delete(_ context: RouteContext) throws -> RouteResult {
        .result(.bool(try context.session().deleteCollection(context.collection)))
    }
}
