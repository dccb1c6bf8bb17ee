import VectorStore

/// `/`, health checks and the OpenAPI document.
enum ServiceRoutes {
    static let routes: [Route] = [
        Route("GET", "/", .open) { _ in .response(.json(Service.versionInfo)) },
        Route("GET", "/healthz", .open) { _ in .response(.text("healthz check passed")) },
        Route("GET", "/livez", .open) { _ in .response(.text("healthz check passed")) },
        Route("GET", "/readyz", .open, readiness),
        Route("GET", "/openapi.json", .authenticated) { _ in
            .response(Response(status: 200, contentType: "application/json",
                               body: OpenAPIDocument.bytes))
        },
    ]

    /// Ready until shutdown starts, so a load balancer stops sending before we stop serving.
    static func readiness(_ context: RouteContext) -> RouteResult {
        if context.service.draining {
            return .response(.text("some shards are not ready", status: 503))
        }
        return .response(.text("all shards are ready"))
    }
}
