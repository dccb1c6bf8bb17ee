import Foundation
import VectorStore

/// What a route handler gets: the request, its path parameters, and for data-plane routes the
/// scope its credential was authorised for.
struct RouteContext {
let request: Request
let parameters: [String: String]
    /// Set for `.read`, `.write` and `.manage` routes; every data-plane call goes through it.
let scope: AccessScope?
    /// Who is calling; `.anonymous` on open routes.
let principal: Principal
    let service: Service
    /// Tokens and truncations of the models this request ran, for `usage` and the meter.
    let inference: InferenceTally

    /// The request body as a JSON object (an empty body reads as `{}`).
    func body() throws -> WireObject { try WireObject.body(request) }

    /// The `{collection}` path parameter.
    var collection: String { parameters["collection"] ?? "" }

    /// The tenant session for this request's scope; the only way routes reach data.
    func session() throws -> TenantSession {
        guard let scope else {
            preconditionFailure("session() on a route that is not tenant-bound")
        }
        return try service.store.session(for: scope)
    }

    /// Charges `tokens` to the tenant's embedding budget before inference runs.
    /// - Throws: `ServiceError.rateLimited` (429) when the budget refuses them.
    func chargeEmbedding(_ tokens: Int) throws {
        guard let scope else { return }
        let decision = service.operations.chargeEmbedding(
            tenant: scope.tenant, key: principal.keyID, tokens: tokens)
        guard decision.isAllowed else { throw ServiceError.rateLimited(decision) }
    }

    func durability() throws -> WriteDurability { try Wire.durability(request) }

    /// A write's `UpdateResult` with a fresh operation id.
    func updateResult(_ durability: WriteDurability) -> JSONValue {
        Wire.updateResult(durability, operationID: service.nextOperationID())
    }
}

/// What a handler returns: a value for the `{"result", "status", "time"}` envelope, or a
/// response sent as is (health checks, `/`, the OpenAPI document).
enum RouteResult {
    case result(JSONValue)
    case response(Response)
}
