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

    /// The tokens embedding `texts` will cost, charged to the tenant's
    /// `embed_tokens_per_minute` before `embed` runs. The default estimates; `ModelHub`
    /// counts with the model's tokenizer.
    func tokenCount(_ texts: [String], model: String?) -> Int
}

extension EmbedderProvider {
    /// Words and punctuation marks plus the two special tokens per text: a WordPiece
    /// tokenizer never yields fewer, so the estimate errs towards the tenant.
    public func tokenCount(_ texts: [String], model: String?) -> Int {
        texts.reduce(0) { total, text in
            var pieces = 0
            var inWord = false
            for scalar in text.unicodeScalars {
                if scalar.properties.isWhitespace {
                    inWord = false
                } else if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                    if !inWord { pieces += 1 }
                    inWord = true
                } else {
                    pieces += 1
                    inWord = false
                }
            }
            return total + pieces + 2
        }
    }
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

    /// All-time embedding tokens and rerank pairs per tenant (`GET /tenants/{t}`), read from
    /// the usage ledger of `operations`.
    public let inferenceMeter: InferenceMeter
    /// Rate limits, metrics, usage windows and the audit log (issue 7).
    public let operations: Operations
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
        operations: Operations? = nil,
        logger: Logger = Logger(label: "vecd.http")
    ) {
        self.store = store
        self.embedder = embedder
        self.reranker = reranker
        self.logger = logger
        let operations = operations ?? Operations.standard(store: store, audit: nil)
        self.operations = operations
        self.inferenceMeter = InferenceMeter(store: store, ledger: operations.usage)
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
        + InferenceRoutes.routes + SnapshotRoutes.routes + UsageRoutes.routes

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
        var trace = RequestTrace(
            requestID: RequestID.make(clientSupplied: request.header("x-request-id")))
        var response: Response
        do {
            let (route, parameters) = try resolve(request)
            trace.route = route.pattern.template
            trace.collection = parameters["collection"]
            let principal = try authenticate(request, route: route)
            trace.keyID = principal.keyID
            let scope = try Authenticator.authorize(
                principal,
                access: route.access,
                collection: parameters["collection"]
            )
            trace.tenant = scope?.tenant
            if let scope { trace.kind = try admit(request, route: route, scope: scope, trace) }
            let context = RouteContext(
                request: request,
                parameters: parameters,
                scope: scope,
                principal: principal,
                service: self,
                inference: InferenceTally()
            )
            response = envelope(try route.handler(context), usage: context.inference, start: start)
            if response.status == 200, let scope {
                operations.recordInference(context.inference, tenant: scope.tenant)
            }
        } catch {
            let wrapped = ServiceError.wrap(error)
            if case .store(.quotaExceeded(let quota, _, _)) = wrapped, let tenant = trace.tenant {
                operations.metrics.quotaRefusals.add(1, [tenant, quota])
            }
            response = failure(wrapped, start: start)
        }
        response.headers["x-request-id"] = trace.requestID
        log(request, trace, status: response.status, start: start)
        return response
    }

    /// Charges a data-plane request to its tenant's read or write bucket before the route
    /// runs; a refusal answers 429 and the route never runs.
    private func admit(_ request: Request, route: Route, scope: AccessScope, _ trace: RequestTrace)
        throws -> RateLimitKind
    {
        let kind: RateLimitKind = route.access.isWrite ? .write : .read
        let cost = RequestCost.of(method: request.method, route: route.pattern.template,
                                  body: request.body)
        let decision = operations.admit(tenant: scope.tenant, key: trace.keyID, kind: kind,
                                        cost: cost)
        guard decision.isAllowed else { throw ServiceError.rateLimited(decision) }
        return kind
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
        if draining, route.access.isWrite { throw ServiceError.shuttingDown }
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

    /// One structured line per request (never bodies, vectors or payloads), its metrics,
    /// usage and audit entry.
    private func log(_ request: Request, _ trace: RequestTrace, status: Int, start: UInt64) {
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        operations.finish(
            AuditEntry(
                time: Date().timeIntervalSince1970, tenant: trace.tenant, keyID: trace.keyID,
                method: request.method, route: trace.route, collection: trace.collection,
                status: status, durationSeconds: seconds, requestID: trace.requestID),
            kind: trace.kind)
        logger.info(
            "request",
            metadata: [
                "tenant.id": trace.tenant ?? "-", "http.method": request.method,
                "http.route": trace.route, "http.status": String(status),
                "request.id": trace.requestID,
                // Not String(format:): it costs more than a small request on Linux.
                "http.duration_ms": String((seconds * 1e6).rounded() / 1000),
            ]
        )
    }

    private func elapsed(since start: UInt64) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

/// What `handle` learns about a request as it goes, for the log, metrics and audit entry.
struct RequestTrace {
    var requestID: String
    /// The route template; `unmatched` when no route matched.
    var route = "unmatched"
    var tenant: String?
    var keyID: String?
    var collection: String?
    /// The bucket the request was charged to; `nil` when it was not tenant-bound.
    var kind: RateLimitKind?
}

extension Principal {
    /// The key id for the audit log: the API key's id, `admin` for the admin key.
    var keyID: String? {
        switch self {
        case .anonymous: return nil
        case .admin: return "admin"
        case .tenant(let grant): return grant.keyID
        }
    }
}
