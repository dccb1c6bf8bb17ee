import Embedder
import Foundation
import VectorStore

/// Everything the service itself refuses, besides what the store throws.
public enum ServiceError: Error, CustomStringConvertible, Sendable {
    /// Client (400): the body is not JSON at all.
    case malformedJSON(JSONParseError)
    /// Client (401, plain text): no credential, or one that matches nothing.
    case unauthorized(String)
    /// Client (403, plain text): a valid credential that may not do this.
    case forbidden(String)
    /// Client (404): no route has this path.
    case routeNotFound(method: String, path: String)
    /// Client (405): the path exists under other methods.
    case methodNotAllowed(method: String, allowed: [String])
    /// Client (404): an admin call named a key id the tenant does not have.
    case keyNotFound(String)
    /// Client (413): the body is larger than the configured limit.
    case payloadTooLarge(limit: Int)
    /// Client (400): text inference was asked for but no embedder is configured (issue 6).
    case inferenceUnavailable(String)
    /// Service (500): a configured model failed to load or run.
    case inferenceFailed(String)
    /// Service (503): the server is shutting down.
    case shuttingDown
    /// Client (429): a rate limit of the tenant (or key) refused the request; `decision`
    /// says whether to wait (`Retry-After`) or to split the request.
    case rateLimited(RateDecision)
    /// Whatever the store refused or failed at.
    case store(StoreError)

    /// The message sent to the client: Qdrant's `"<Kind>: <message>"` form.
    public var description: String {
        switch self {
        case .malformedJSON(let error): return "Wrong input: \(error)"
        case .unauthorized(let message): return message
        case .forbidden(let message): return message
        case .routeNotFound(let method, let path):
            return "Not found: no route for \(method) \(path)"
        case .methodNotAllowed(let method, let allowed):
            return "Method not allowed: \(method); allowed: \(allowed.joined(separator: ", "))"
        case .keyNotFound(let id): return "Not found: Key `\(id)` doesn't exist!"
        case .payloadTooLarge(let limit):
            return "Payload too large: the request body exceeds \(limit) bytes"
        case .inferenceUnavailable(let message): return "Wrong input: \(message)"
        case .inferenceFailed(let message): return "Service internal error: \(message)"
        case .shuttingDown: return "Service unavailable: shutting down"
        case .rateLimited(let decision): return decision.message ?? "Rate limiting exceeded"
        case .store(let error): return error.description
        }
    }

    /// Shorthand for the most common client error: a wrong field.
    static func invalid(_ field: String, _ message: String) -> ServiceError {
        .store(.invalidArgument(field: field, message: message))
    }
}

/// The HTTP side of an error: status, whether the body is plain text, and whether it is the
/// service's fault (only those are logged at `error`).
struct ErrorMapping: Equatable {
    var status: Int
    var isPlainText: Bool
    var isServiceFault: Bool

    /// The one place errors become HTTP statuses. Exhaustive on purpose, with no `default`:
    /// a new error case cannot compile until someone decides its status.
    static func of(_ error: ServiceError) -> ErrorMapping {
        switch error {
        case .malformedJSON, .inferenceUnavailable: return client(400)
        case .unauthorized:
            return ErrorMapping(status: 401, isPlainText: true, isServiceFault: false)
        case .forbidden: return ErrorMapping(status: 403, isPlainText: true, isServiceFault: false)
        case .routeNotFound, .keyNotFound: return client(404)
        case .methodNotAllowed: return client(405)
        case .payloadTooLarge: return client(413)
        case .rateLimited: return client(429)
        case .inferenceFailed:
            return ErrorMapping(status: 500, isPlainText: false, isServiceFault: true)
        case .shuttingDown:
            return ErrorMapping(status: 503, isPlainText: false, isServiceFault: false)
        case .store(let storeError): return of(storeError)
        }
    }

    static func of(_ error: StoreError) -> ErrorMapping {
        switch error {
        case .collectionNotFound, .tenantNotFound, .pointNotFound, .snapshotNotFound:
            return client(404)
        case .collectionExists, .tenantExists: return client(409)
        case .invalidArgument, .dimensionMismatch, .vectorNameNotFound, .invalidFilter:
            return client(400)
        case .forbidden: return client(403)
        // Qdrant answers strict-mode limits with 403 "Forbidden"; a quota is the tenant's
        // own limit, which 403 states better than 429 (that one is for rates).
        case .quotaExceeded: return client(403)
        case .storage, .corrupted:
            return ErrorMapping(status: 500, isPlainText: false, isServiceFault: true)
        }
    }

    private static func client(_ status: Int) -> ErrorMapping {
        ErrorMapping(status: status, isPlainText: false, isServiceFault: false)
    }
}

extension ServiceError {
    /// Wraps any thrown error: store and service errors keep their meaning, a point id error
    /// becomes a 400, and anything unexpected a 500 (it is a bug if it ever happens).
    static func wrap(_ error: Error) -> ServiceError {
        switch error {
        case let error as ServiceError: return error
        case let error as StoreError: return .store(error)
        case let error as PointIDError:
            return .store(.invalidArgument(field: "id", message: error.description))
        case let error as JSONParseError: return .malformedJSON(error)
        // A model the request named that we do not have is the client's error; a configured
        // model that does not load is ours.
        case EmbeddingError.unknownModel(let name, let known):
            return .inferenceUnavailable(EmbeddingError.unknownModel(name: name, known: known)
                .description)
        case let error as EmbeddingError: return .inferenceFailed(error.description)
        case let error as InferenceConfigurationError:
            return .inferenceUnavailable(error.description)
        case let error as EmptyTextError:
            return .invalid("text", "text number \(error.index) is empty; nothing to embed")
        default: return .store(.corrupted("unexpected error: \(error)"))
        }
    }

    /// The response Qdrant would send: JSON `{"status": {"error": …}, "time": …}`, or plain
    /// text for authentication failures.
    func response(elapsed: Double) -> Response {
        let mapping = ErrorMapping.of(self)
        if mapping.isPlainText { return .text(description, status: mapping.status) }
        let body: JSONValue = [
            "status": ["error": .string(description)], "time": .double(elapsed),
        ]
        var response = Response.json(body, status: mapping.status)
        // Only a refusal that waiting can cure says when to come back (RFC 9110 §10.2.3).
        if case .rateLimited(.limited(_, let seconds)) = self {
            response.headers["Retry-After"] = String(seconds)
        }
        return response
    }
}
