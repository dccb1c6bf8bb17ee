import VectorStore

/// Points: upsert, retrieve, delete, scroll, count, facet, payload indexes and batches.
enum PointRoutes {
    static let routes: [Route] = [
        Route("PUT", "/collections/{collection}/points", .write, upsert),
        Route("POST", "/collections/{collection}/points", .read, retrieve),
        Route("GET", "/collections/{collection}/points/{id}", .read, point),
        Route("POST", "/collections/{collection}/points/delete", .write, delete),
        Route("POST", "/collections/{collection}/points/scroll", .read, scroll),
        Route("POST", "/collections/{collection}/points/count", .read, count),
        Route("POST", "/collections/{collection}/points/batch", .write, batch),
        Route("POST", "/collections/{collection}/facet", .read, facet),
        Route("PUT", "/collections/{collection}/index", .write, createIndex),
        Route("DELETE", "/collections/{collection}/index/{field}", .write, deleteIndex),
    ]

    static func upsert(_ context: RouteContext) throws -> RouteResult {
        let inputs = try PointWire.upsert(context.body())
        let updates = try Updates(context)
        try updates.apply(.upsert(inputs))
        return .result(updates.result())
    }

    static func retrieve(_ context: RouteContext) throws -> RouteResult {
        let body = try context.body()
        let ids = try Wire.pointIDs(body.required("ids", body.array), field: "ids")
        let records = try context.session().retrieve(
            context.collection,
            ids: ids,
            payload: PointWire.payloadSelector(body, default: .all),
            vectors: PointWire.vectorSelector(body, default: .none)
        )
        return .result(.array(records.map(PointWire.record)))
    }

    static func point(_ context: RouteContext) throws -> RouteResult {
        let segment = context.parameters["id"] ?? ""
        guard let id = PointID(pathSegment: segment) else {
            throw ServiceError.invalid(
                "id",
                "invalid point id \"\(segment)\": must be an "
                    + "unsigned 64-bit integer or a UUID"
            )
        }
        let records = try context.session().retrieve(
            context.collection,
            ids: [id],
            payload: .all,
            vectors: .all
        )
        guard let record = records.first else { throw StoreError.pointNotFound(id) }
        return .result(PointWire.record(record))
    }

    static func delete(_ context: RouteContext) throws -> RouteResult {
        let selection = try PointWire.selection(context.body())
        let updates = try Updates(context)
        try updates.apply(.delete(selection))
        return .result(updates.result())
    }

    static func scroll(_ context: RouteContext) throws -> RouteResult {
        let body = try context.body()
        var request = ScrollRequest(
            filter: try Wire.filter(body["filter"], field: "filter"),
            limit: try body.int("limit", in: 1...QueryWire.maximumLimit) ?? 10,
            offset: try body["offset"].map { try Wire.pointID($0, field: "offset") },
            payload: try PointWire.payloadSelector(body, default: .all),
            vectors: try PointWire.vectorSelector(body, default: .none)
        )
        if body.has("order_by"),
            case .orderBy(let key, let descending) = try QueryWire.orderBy(body)
        {
            request.orderBy = (key, descending)
        }
        let page = try context.session().scroll(context.collection, request: request)
        return .result([
            "points": .array(page.points.map(PointWire.record)),
            "next_page_offset": page.nextOffset?.json ?? .null,
        ])
    }

    static func count(_ context: RouteContext) throws -> RouteResult {
        let body = try context.body()
        let filter = try Wire.filter(body["filter"], field: "filter")
        let exact = try body.bool("exact") ?? true
        let count = try context.session().count(context.collection, filter: filter, exact: exact)
        return .result(["count": .int(Int64(count))])
    }

    static func batch(_ context: RouteContext) throws -> RouteResult {
        let operations = try UpdateWire.batch(context.body())
        let updates = try Updates(context)
        try updates.validate(operations)
        var results: [JSONValue] = []
        for operation in operations {
            try updates.apply(operation)
            results.append(updates.result())
        }
        return .result(.array(results))
    }

    static func facet(_ context: RouteContext) throws -> RouteResult {
        let body = try context.body()
        let key = try body.required("key", body.string)
        let hits = try context.session().facet(
            context.collection,
            key: key,
            filter: Wire.filter(body["filter"], field: "filter"),
            limit: body.int("limit", in: 1...QueryWire.maximumLimit) ?? 10,
            exact: body.bool("exact") ?? false
        )
        let encoded = hits.map { hit -> JSONValue in
            ["value": hit.value, "count": .int(Int64(hit.count))]
        }
        return .result(["hits": .array(encoded)])
    }

    static func createIndex(_ context: RouteContext) throws -> RouteResult {
        let (field, schema) = try UpdateWire.fieldIndex(context.body())
        let updates = try Updates(context)
        try updates.session.createPayloadIndex(
            context.collection,
            field: field,
            schema: schema,
            durability: updates.durability
        )
        return .result(updates.result())
    }

    static func deleteIndex(_ context: RouteContext) throws -> RouteResult {
        let updates = try Updates(context)
        try updates.session.deletePayloadIndex(
            context.collection,
            field: context.parameters["field"] ?? "",
            durability: updates.durability
        )
        return .result(updates.result())
    }
}
