import VectorStore

/// `/`, health checks and the OpenAPI document.
enum ServiceRoutes {
    static let routes: [Route] = [
        Route("GET", "/", .open) { _ in .response(.json(Service.versionInfo)) },
        Route("GET", "/healthz", .open) { _ in .response(.text("healthz check passed")) },
        Route("GET", "/livez", .open) { _ in .response(.text("healthz check passed")) },
        Route("GET", "/readyz", .open, readiness),
        Route("GET", "/metrics", .authenticated, metrics),
        Route("GET", "/openapi.json", .authenticated) { _ in
            .response(
                Response(
                    status: 200,
                    contentType: "application/json",
                    body: OpenAPIDocument.bytes
                )
            )
        },
    ]

    /// Prometheus text. A tenant credential sees only its own tenant's series; the admin key
    /// sees every tenant's.
    static func metrics(_ context: RouteContext) -> RouteResult {
        let tenant: String?
        switch context.principal {
        case .tenant(let grant): tenant = grant.tenant
        case .admin(let named): tenant = named
        case .anonymous: tenant = ""
        }
        let text = context.service.operations.metrics.registry.render(tenant: tenant)
        return .response(
            Response(
                status: 200,
                contentType: MetricsRegistry.contentType,
                body: Array(text.utf8)
            )
        )
    }

    /// Ready until shutdown starts, so a load balancer stops sending before we stop serving.
    static func readiness(_ context: RouteContext) -> RouteResult {
        if context.service.draining {
            return .response(.text("some shards are not ready", status: 503))
        }
        return .response(.text("all shards are ready"))
    }
}
