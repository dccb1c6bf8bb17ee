import Foundation
import VectorStore

/// What a text is for: query-side models (BGE) prefix an instruction to queries only.
public enum TextRole: Sendable {
    case document
    case query
}

/// Turns text into vectors for `Document` inputs; issue 6 supplies the real one.
public protocol EmbedderProvider: Sendable {
    /// Embeds `texts` with `model` (`nil` for the default model), one vector per text, in order.
    func embed(_ texts: [String], model: String?, role: TextRole) throws -> [[Float]]
}

/// The Qdrant-compatible service without sockets: `handle(_:)` maps a `Request` to a
/// `Response`, so every route can be tested by calling it directly.
public final class Service: @unchecked Sendable {
    /// What `GET /` reports; within one minor of qdrant-client 1.20 so it does not warn.
    public static let versionInfo: JSONValue = [
        "title": "vecd - vector search engine", "version": "1.19.0",
    ]

    /// The node store every route reaches data through (data-plane routes via a session).
    public let store: Store
    let authenticator: Authenticator
    let router: Router
    let logger: Logger
    /// `nil` until an embedder is configured; `Document` inputs then answer 400.
    public let embedder: EmbedderProvider?

    let metrics = Metrics()
    private let lock = NSLock()
    private var operationCounter: UInt64 = 0
    private var isDraining = false

    /// - Parameters:
    ///   - store: the opened node store.
    ///   - adminKey: the admin key; without one the admin API and JWTs are refused.
    ///   - embedder: text inference for `Document` inputs, if any.
    public init(
        store: Store,
        adminKey: String?,
        embedder: EmbedderProvider? = nil,
        logger: Logger = Logger(label: "vecd.http")
    ) {
        self.store = store
        self.embedder = embedder
        self.logger = logger
        self.router = Router(routes: Service.routes)
        self.authenticator = Authenticator(
            adminKey: adminKey.flatMap { $0.isEmpty ? nil : Array($0.utf8) },
            lookupKey: { [store] hash in try store.key(hash: hash) }
        )
    }

    /// Every route we serve, one registration list per resource file.
    static let routes: [Route] =
        ServiceRoutes.routes + CollectionRoutes.routes + PointRoutes.routes
        + PayloadRoutes.routes + SearchRoutes.routes + GroupRoutes.routes + TenantRoutes.routes

    func nextOperationID() -> UInt64 {
        lock.lock()
        defer { lock.unlock() }
        operationCounter += 1
        return operationCounter
    }

    /// After this, data-plane requests answer 503 and `/readyz` reports not ready.
    public func beginDraining() {
        lock.lock()
        isDraining = true
        lock.unlock()
    }

    var draining: Bool {
        lock.lock()
        defer { lock.unlock() }
        return isDraining
    }

    /// Answers one request. Never throws and never traps on client input: every failure
    /// becomes an error response through `ErrorMapping`.
    public func handle(_ request: Request) -> Response {
        let start = DispatchTime.now().uptimeNanoseconds
        var routeTemplate = "unmatched"
        var tenant = "-"
        let response: Response
        do {
            let (route, parameters) = try resolve(request)
            routeTemplate = route.pattern.template
            let principal = try authenticate(request, route: route)
            let scope = try Authenticator.authorize(
                principal,
                access: route.access,
                collection: parameters["collection"]
            )
            tenant = scope?.tenant ?? tenant
            let context = RouteContext(
                request: request,
                parameters: parameters,
                scope: scope,
                principal: principal,
                service: self
            )
            response = envelope(try route.handler(context), start: start)
        } catch {
            response = failure(ServiceError.wrap(error), start: start)
        }
        log(request, route: routeTemplate, tenant: tenant, status: response.status, start: start)
        return response
    }

    private func resolve(_ request: Request) throws -> (Route, [String: String]) {
        switch router.match(method: request.method, path: request.path) {
        case .found(let route, let parameters): return (route, parameters)
        case .methodNotAllowed(let allowed):
            throw ServiceError.methodNotAllowed(method: request.method, allowed: allowed)
        case .notFound:
            throw ServiceError.routeNotFound(method: request.method, path: request.path)
        }
    }

    private func authenticate(_ request: Request, route: Route) throws -> Principal {
        guard route.access != .open else { return .anonymous }
        if draining, route.access == .write { throw ServiceError.shuttingDown }
        return try authenticator.principal(for: request)
    }

    private func envelope(_ result: RouteResult, start: UInt64) -> Response {
        switch result {
        case .response(let response): return response
        case .result(let value):
            return .json(["result": value, "status": "ok", "time": .double(elapsed(since: start))])
        }
    }

    private func failure(_ error: ServiceError, start: UInt64) -> Response {
        if ErrorMapping.of(error).isServiceFault {
            logger.error("request failed", metadata: ["error": error.description])
        }
        return error.response(elapsed: elapsed(since: start))
    }

    /// One structured line per request (never bodies, vectors or payloads), and its metrics.
    private func log(_ request: Request, route: String, tenant: String, status: Int, start: UInt64)
    {
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        metrics.record(
            Metrics.Key(
                tenant: tenant,
                method: request.method,
                route: route,
                status: status
            ),
            seconds: milliseconds / 1000
        )
        logger.info(
            "request",
            metadata: [
                "tenant.id": tenant, "http.method": request.method, "http.route": route,
                "http.status": String(status),
                // Not String(format:): it costs more than a small request on Linux.
                "http.duration_ms": String((milliseconds * 1000).rounded() / 1000),
            ]
        )
    }

    private func elapsed(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}
