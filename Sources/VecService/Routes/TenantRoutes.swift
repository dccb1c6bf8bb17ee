import VectorStore

/// The admin API: tenants, their limits and their keys. Admin key only.
enum TenantRoutes {
    static let routes: [Route] = [
        Route("GET", "/tenants", .admin, list),
        Route("PUT", "/tenants/{tenant}", .admin, create),
        Route("GET", "/tenants/{tenant}", .admin, show),
        Route("PATCH", "/tenants/{tenant}", .admin, update),
        Route("DELETE", "/tenants/{tenant}", .admin, delete),
        Route("POST", "/tenants/{tenant}/keys", .admin, issueKey),
        Route("GET", "/tenants/{tenant}/keys", .admin, listKeys),
        Route("DELETE", "/tenants/{tenant}/keys/{key}", .admin, revokeKey),
    ]

    private static func name(_ context: RouteContext) -> String {
        context.parameters["tenant"] ?? ""
    }

    static func list(_ context: RouteContext) throws -> RouteResult {
        let tenants = try context.service.store.tenants().sorted { $0.name < $1.name }
        return .result(["tenants": .array(tenants.map { .object(TenantWire.tenant($0)) })])
    }

    /// Creates the tenant and its first two keys, returned once and never again.
    static func create(_ context: RouteContext) throws -> RouteResult {
        let tenant = name(context)
        try TenantWire.validateName(tenant)
        let limits = try TenantWire.limits(context.body(), onto: TenantLimits())
        let store = context.service.store
        let record = try store.createTenant(tenant, limits: limits)
        context.service.operations.applyLimits(record.limits, tenant: record.name)
        let writer = KeyIssuer.issue(tenant: tenant, canWrite: true, collections: nil)
        let reader = KeyIssuer.issue(tenant: tenant, canWrite: false, collections: nil)
        try store.putKey(writer.record)
        try store.putKey(reader.record)
        var result = TenantWire.tenant(record)
        result["api_key"] = .string(writer.key)
        result["api_key_id"] = .string(writer.record.id)
        result["read_only_api_key"] = .string(reader.key)
        result["read_only_api_key_id"] = .string(reader.record.id)
        return .result(.object(result))
    }

    /// Settings and usage: collections and points across them.
    static func show(_ context: RouteContext) throws -> RouteResult {
        let store = context.service.store
        let record = try store.tenant(name(context))
        let session = try store.session(for: AccessScope(tenant: record.name, canWrite: false))
        let usage = try session.usage()
        var result = TenantWire.tenant(record)
        let inference = try context.service.inferenceMeter.counts(tenant: record.name)
        result["usage"] = [
            "collections": .int(Int64(usage.collections)), "points": .int(Int64(usage.points)),
            "bytes": .int(Int64(usage.bytes)),
            "embed_tokens": .int(Int64(inference.embedTokens)),
            "rerank_pairs": .int(Int64(inference.rerankPairs)),
            "inference_requests": .int(Int64(inference.requests)),
        ]
        result["keys"] = .int(Int64(try store.keys(tenant: record.name).count))
        return .result(.object(result))
    }

    static func update(_ context: RouteContext) throws -> RouteResult {
        let store = context.service.store
        let current = try store.tenant(name(context))
        let limits = try TenantWire.limits(context.body(), onto: current.limits)
        let record = try store.updateTenantLimits(current.name, limits: limits)
        // Persisted first, then applied: the next request already sees the new rates.
        context.service.operations.applyLimits(record.limits, tenant: record.name)
        return .result(.object(TenantWire.tenant(record)))
    }

    static func delete(_ context: RouteContext) throws -> RouteResult {
        try context.service.store.deleteTenant(name(context))
        context.service.operations.forgetTenant(name(context))
        return .result(true)
    }

    static func issueKey(_ context: RouteContext) throws -> RouteResult {
        let store = context.service.store
        let tenant = try store.tenant(name(context)).name
        let (canWrite, collections) = try TenantWire.keyRequest(context.body())
        let issued = KeyIssuer.issue(tenant: tenant, canWrite: canWrite, collections: collections)
        try store.putKey(issued.record)
        guard case .object(var result) = TenantWire.key(issued.record) else {
            return .result(.null)
        }
        result["api_key"] = .string(issued.key)
        return .result(.object(result))
    }

    /// Key ids and scopes only; neither keys nor hashes ever leave the server.
    static func listKeys(_ context: RouteContext) throws -> RouteResult {
        let store = context.service.store
        let tenant = try store.tenant(name(context)).name
        let keys = try store.keys(tenant: tenant).sorted { $0.createdAt < $1.createdAt }
        return .result(["keys": .array(keys.map(TenantWire.key))])
    }

    static func revokeKey(_ context: RouteContext) throws -> RouteResult {
        let store = context.service.store
        let tenant = try store.tenant(name(context)).name
        let id = context.parameters["key"] ?? ""
        guard try store.deleteKey(id: id, tenant: tenant) else {
            throw ServiceError.keyNotFound(id)
        }
        return .result(true)
    }
}
