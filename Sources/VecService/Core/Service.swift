import Foundation
import VectorStore

/// What a text is for: query-side models (BGE) prefix an instruction to queries only.
public enum TextRole: Sendable {
    case document
    case query
}

/// Vectors of one embedder call and what it cost.
public struct TextEmbeddings: Sendable, Equatable {
    /// The registry name of the model that ran (the default resolved).
    public var model: String
    /// One vector per text, in input order.
    public var vectors: [[Float]]
    /// Tokens the model processed, `[CLS]`, `[SEP]` and query instructions included.
    public var tokens: Int
    /// Indices of the texts cut to the model's maximum length (B07).
    public var truncated: [Int]

    /// Embeddings of `model`.
    public init(model: String, vectors: [[Float]], tokens: Int, truncated: [Int]) {
        self.model = model
        self.vectors = vectors
        self.tokens = tokens
        self.truncated = truncated
    }
}

/// A text that has nothing to embed (empty, whitespace or invisible characters only: no word
/// pieces), refused rather than embedded as `[CLS] [SEP]` (B28); `index` is its position.
public struct EmptyTextError: Error, Equatable {
    /// The position of the text in the call.
    public var index: Int

    /// The error for text number `index`.
    public init(index: Int) { self.index = index }
}

/// Turns text into vectors for `Document` inputs (`ModelHub` is the real one).
public protocol EmbedderProvider: Sendable {
    /// Embeds `texts` with `model` (`nil` for the default model), one vector per text, in order.
    ///
    /// - Throws: `EmptyTextError` for a text without word pieces; otherwise errors naming the
    ///   unknown model or the loading fault.
    func embed(_ texts: [String], model: String?, role: TextRole) throws -> TextEmbeddings

    /// The registry name and vector width of `model` (`nil` for the default model).
    func dimension(model: String?) throws -> (model: String, dimension: Int)
}

/// Scores passages against a query with a cross-encoder (`ModelHub` is the real one).
public protocol RerankerProvider: Sendable {
    /// One raw logit per passage, in order (higher is more relevant), and the model's name.
    func rerank(query: String, passages: [String], model: String?) throws
        -> (model: String, scores: [Float])

    /// The registry name `model` (`nil`: the default reranker) resolves to.
    ///
    /// - Throws: when no such reranker is configured, naming what is.
    func rerankerName(_ model: String?) throws -> String
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
    /// `nil` until a reranker is configured; `rerank` queries then answer 400.
    public let reranker: RerankerProvider?

    let metrics = Metrics()
    /// Embedding tokens and rerank pairs per tenant (`GET /tenants/{t}`).
    public let inferenceMeter: InferenceMeter
    private let lock = NSLock()
    private var operationCounter: UInt64 = 0
    private var isDraining = false

    /// - Parameters:
    ///   - store: the opened node store.
    ///   - adminKey: the admin key; without one the admin API and JWTs are refused.
    ///   - embedder: text inference for `Document` inputs, if any.
    ///   - reranker: the cross-encoder for `rerank` queries, if any.
    public init(
        store: Store,
        adminKey: String?,
        embedder: EmbedderProvider? = nil,
        reranker: RerankerProvider? = nil,
        logger: Logger = Logger(label: "vecd.http")
    ) {
        self.store = store
        self.embedder = embedder
        self.reranker = reranker
        self.logger = logger
        self.inferenceMeter = InferenceMeter(store: store, logger: logger)
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
        + InferenceRoutes.routes + SnapshotRoutes.routes

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
                service: self,
                inference: InferenceTally()
            )
            response = envelope(try route.handler(context), usage: context.inference, start: start)
            if response.status == 200, let scope { inferenceMeter.add(context.inference, scope) }
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

    private func envelope(_ result: RouteResult, usage: InferenceTally, start: UInt64)
        -> Response
    {
        switch result {
        case .response(let response): return response
        case .result(let value):
            var body: [String: JSONValue] = [
                "result": value, "status": "ok", "time": .double(elapsed(since: start)),
            ]
            // Qdrant's `usage.inference` shape, only when the request ran a model.
            if let inference = usage.json { body["usage"] = ["inference": inference] }
            return .json(.object(body))
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
