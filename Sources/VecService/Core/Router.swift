import VectorStore

/// Who may call a route, checked before its handler runs.
enum RouteAccess: Sendable, Equatable {
    /// No credential needed (`/`, health checks).
    case open
    /// Any valid credential (admin key, tenant key or JWT); not bound to a tenant.
    case authenticated
    /// The admin key only.
    case admin
    /// A tenant-bound credential that may read.
    case read
    /// A tenant-bound credential that may write.
    case write
    /// A tenant-bound credential that may write every collection of its tenant: creating,
    /// deleting or recovering a collection. Collection-scoped keys and JWTs get 403 here, as
    /// Qdrant's collection-level access cannot manage collections.
    case manage

    /// Whether the route changes data: charged to the write bucket, refused while draining.
    var isWrite: Bool { self == .write || self == .manage }
}

/// A path template such as `/collections/{collection}/points/{id}`.
struct RoutePattern: Sendable, Equatable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    let segments: [Segment]
    /// The template as written; it is what request logs name, never the concrete path.
let template: String

init(_ template: String) {
        self.template = template
        self.segments = RoutePattern.split(template).map { part in
            if part.hasPrefix("{") && part.hasSuffix("}") {
                return .parameter(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
    }

var description: String { template }

    /// Literal segments count more than parameters, so `/points/search` wins over `/points/{id}`.
    var specificity: Int {
        segments.reduce(0) { total, segment in
            if case .literal = segment { return total + 1 }
            return total
        }
    }

    /// The parameters bound by `path`, or `nil` when the path does not fit the template.
func match(_ path: String) -> [String: String]? {
        match(parts: RoutePattern.split(path))
    }

    /// As `match(_:)`, for a path already split into segments (split once per request, not
    /// once per route: the router tries every route).
    func match(parts: [Substring]) -> [String: String]? {
        guard parts.count == segments.count else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard literal == part else { return nil }
            case .parameter(let name):
                guard !part.isEmpty else { return nil }
                parameters[name] = String(part)
            }
        }
        return parameters
    }

    static func split(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}

/// One endpoint: method, template, access rule and handler.
/// Handlers are static functions or capture-free closures, so sharing them across threads is safe.
struct Route: @unchecked Sendable {
typealias Handler = (RouteContext) throws -> RouteResult

let method: String
let pattern: RoutePattern
let access: RouteAccess
    let handler: Handler

    init(_ method: String, _ template: String, _ access: RouteAccess, _ handler: @escaping Handler)
    {
        self.method = method
        self.pattern = RoutePattern(template)
        self.access = access
        self.handler = handler
    }
}

/// What a route lookup found.
enum RouteMatch: Sendable {
    case found(Route, parameters: [String: String])
    /// The path exists under other methods.
    case methodNotAllowed(allowed: [String])
    case notFound
}

/// Matches a method and path against the route table.
struct Router: Sendable {
let routes: [Route]

init(routes: [Route]) {
        self.routes = routes
    }

func match(method: String, path: String) -> RouteMatch {
        var best: (route: Route, parameters: [String: String])?
        var allowed: [String] = []
        let parts = RoutePattern.split(path)
        for route in routes where route.pattern.segments.count == parts.count {
            guard let parameters = route.pattern.match(parts: parts) else { continue }
            guard route.method == method else {
                allowed.append(route.method)
                continue
            }
            if best == nil || route.pattern.specificity > best!.route.pattern.specificity {
                best = (route, parameters)
            }
        }
        if let best { return .found(best.route, parameters: best.parameters) }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }
}
