import Foundation
import VectorStore

/// What a request's credential proves, before any route is considered.
enum Principal: Sendable, Equatable {
    /// No `api-key` or `Authorization` header.
    case anonymous
    /// The admin key; `tenant` is the `vecd-tenant` header, if sent.
    case admin(tenant: String?)
    /// A tenant key or a tenant JWT.
    case tenant(TenantGrant)
}

/// The rights a tenant credential carries.
struct TenantGrant: Sendable, Equatable {
    var tenant: String
    /// Write permission for every collection when `collections` is `nil`.
    var canWrite: Bool
    /// Collection name → may write, for a scoped key or a list-form JWT; `nil` for all.
    var collections: [String: Bool]?
    /// The id of the API key presented (for the audit log and per-key rate limits); `nil`
    /// for a JWT.
    var keyID: String?

    init(
        tenant: String, canWrite: Bool, collections: [String: Bool]? = nil, keyID: String? = nil
    ) {
        self.tenant = tenant
        self.canWrite = canWrite
        self.collections = collections
        self.keyID = keyID
    }

    /// The scope the store enforces for a call on `collection` (or on no collection).
    ///
    /// A collection outside a scoped grant keeps `canWrite` of the grant as a whole, so the
    /// store answers it exactly like a missing collection (404) rather than with a 403 that
    /// would tell the caller it exists.
    func scope(for collection: String?) -> AccessScope {
        guard let collections else { return AccessScope(tenant: tenant, canWrite: canWrite) }
        let write = collection.flatMap { collections[$0] } ?? collections.values.contains(true)
        return AccessScope(tenant: tenant, canWrite: write, collections: Set(collections.keys))
    }
}

/// Credential names and messages, kept together so tests can name them.
enum AuthText {
    static let tenantHeader = "vecd-tenant"
    static let missing = "Must provide an API key or an Authorization bearer token"
    static let invalid = "Invalid API key or JWT"
    static let adminOnly = "Forbidden: this route needs the admin key"
    static let adminNeedsTenant =
        "Forbidden: the admin key on a data-plane route must name a tenant in the vecd-tenant header"
    static let readOnly = "Forbidden: this credential is read-only"
    static let tenantClaimMissing = "Invalid API key or JWT: the token has no tenant claim"
}

/// Turns request headers into a `Principal`: the admin key by constant-time comparison,
/// JWTs by HS256 signature under the admin key, and tenant keys by their SHA-256 in the store.
struct Authenticator: Sendable {
    let adminKey: [UInt8]?
    /// Looks a key record up by the hex SHA-256 of the key (the store's `key(hash:)`).
    let lookupKey: @Sendable (String) throws -> KeyRecord?

    /// The token from `api-key: …` or `Authorization: Bearer …`; `nil` when neither is sent.
    static func presentedToken(_ request: Request) -> String? {
        if let key = request.header("api-key"), !key.isEmpty { return key }
        guard let authorization = request.header("authorization") else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    func principal(
        for request: Request,
        now: Double = Date().timeIntervalSince1970
    ) throws
        -> Principal
    {
        guard let token = Authenticator.presentedToken(request) else { return .anonymous }
        if let adminKey, Crypto.constantTimeEquals(Array(token.utf8), adminKey) {
            let tenant = request.header(AuthText.tenantHeader).flatMap { $0.isEmpty ? nil : $0 }
            return .admin(tenant: tenant)
        }
        if JWT.looksLikeJWT(token) { return try jwtPrincipal(token, now: now) }
        guard let record = try lookupKey(Crypto.sha256Hex(Array(token.utf8))) else {
            throw ServiceError.unauthorized(AuthText.invalid)
        }
        let collections = record.collections.map { names in
            Dictionary(uniqueKeysWithValues: names.map { ($0, record.canWrite) })
        }
        return .tenant(
            TenantGrant(
                tenant: record.tenant,
                canWrite: record.canWrite,
                collections: collections,
                keyID: record.id
            )
        )
    }

    private func jwtPrincipal(_ token: String, now: Double) throws -> Principal {
        guard let adminKey else { throw ServiceError.unauthorized(AuthText.invalid) }
        let claims: JWTClaims
        do {
            claims = try JWT.verify(token, secret: adminKey, now: now)
        } catch {
            throw ServiceError.unauthorized("\(AuthText.invalid): \(error)")
        }
        // A token without a tenant binds to nothing; it never falls back to a default (B19).
        guard let tenant = claims.tenant, !tenant.isEmpty else {
            throw ServiceError.unauthorized(AuthText.tenantClaimMissing)
        }
        return .tenant(
            TenantGrant(
                tenant: tenant,
                canWrite: claims.canWrite,
                collections: claims.collections
            )
        )
    }

    /// Decides whether `principal` may call a route with `access` and, for a data-plane
    /// route, which scope the store must enforce.
    ///
    /// - Returns: the scope for `.read`/`.write` routes, `nil` for the others.
    /// - Throws: `ServiceError.unauthorized` (401) or `.forbidden` (403).
    static func authorize(
        _ principal: Principal,
        access: RouteAccess,
        collection: String?
    ) throws
        -> AccessScope?
    {
        switch (access, principal) {
        case (.open, _): return nil
        case (_, .anonymous): throw ServiceError.unauthorized(AuthText.missing)
        case (.authenticated, _): return nil
        case (.admin, .admin): return nil
        case (.admin, .tenant): throw ServiceError.forbidden(AuthText.adminOnly)
        case (.read, .admin(let tenant)), (.write, .admin(let tenant)):
            guard let tenant else { throw ServiceError.forbidden(AuthText.adminNeedsTenant) }
            return AccessScope(tenant: tenant, canWrite: true)
        case (.read, .tenant(let grant)):
            return grant.scope(for: collection)
        case (.write, .tenant(let grant)):
            let scope = grant.scope(for: collection)
            guard scope.canWrite else { throw ServiceError.forbidden(AuthText.readOnly) }
            return scope
        }
    }
}

/// Issues tenant keys: 32 random bytes as base64url, stored only as their SHA-256.
enum KeyIssuer {
    /// A fresh key and the record to store for it.
    static func issue(
        tenant: String,
        canWrite: Bool,
        collections: Set<String>?
    ) -> (
        key: String, record: KeyRecord
    ) {
        let key = Base64URL.encode(Crypto.randomBytes(32))
        let id = Crypto.hex(Crypto.randomBytes(8))
        let record = KeyRecord(
            id: id,
            tenant: tenant,
            hash: Crypto.sha256Hex(Array(key.utf8)),
            canWrite: canWrite,
            collections: collections,
            createdAt: Date().timeIntervalSince1970
        )
        return (key, record)
    }
}
