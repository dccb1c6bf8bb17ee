import VectorStore

/// `GET /tenants/{tenant}/usage`: what a tenant stores and has consumed, the input for
/// per-tenant pricing. The admin key may ask for any tenant; a tenant credential for its own.
enum UsageRoutes {
    static let routes: [Route] = [
        Route("GET", "/tenants/{tenant}/usage", .authenticated, usage)
    ]

    static func usage(_ context: RouteContext) throws -> RouteResult {
        let tenant = context.parameters["tenant"] ?? ""
        if case .tenant(let grant) = context.principal, grant.tenant != tenant {
            throw ServiceError.forbidden("Forbidden: a tenant key may read its own usage only")
        }
        let store = context.service.store
        let record = try store.tenant(tenant)
        let stored = try store.session(for: AccessScope(tenant: record.name, canWrite: false))
            .usage()
        let windows = context.service.operations.usage.usage(of: record.name)
        return .result([
            "tenant": .string(record.name),
            "stored": [
                "collections": .int(Int64(stored.collections)),
                "points": .int(Int64(stored.points)),
                "vectors": .int(Int64(stored.vectors)),
                "bytes": .int(Int64(stored.bytes)),
                "disk_bytes": .int(Int64(stored.diskBytes)),
            ],
            "usage": .object(windows.mapValues(\.json)),
            "limits": TenantWire.limitsJSON(record.limits),
        ])
    }
}
