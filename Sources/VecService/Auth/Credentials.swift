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
    static let collectionScoped =
        "Forbidden: a collection-scoped credential cannot create, delete or recover "
        + "collections; use a tenant-wide read-write key"
    static let tenantClaimMissing = "Invalid API key or JWT: the token has no tenant claim"
    static let surroundingWhitespace =
        "Invalid API key or JWT: the key has leading or trailing whitespace, which is part of "
        + "the key as sent and never removed"
    static let conflicting =
        "Invalid API key or JWT: the api-key and Authorization headers carry different "
        + "credentials; send one"

    /// The refusal of a credential header sent more than once.
    static func repeated(_ name: String) -> String {
        "Invalid API key or JWT: the \(name) header is sent more than once; send one credential"
    }
}

/// Turns request headers into a `Principal`: the admin key by constant-time comparison,
/// JWTs by HS256 signature under the admin key, and tenant keys by their SHA-256 in the store.
struct Authenticator: Sendable {
    let adminKey: [UInt8]?
    /// Looks a key record up by the hex SHA-256 of the key (the store's `key(hash:)`).
    let lookupKey: @Sendable (String) throws -> KeyRecord?

    /// The token from `api-key: …` or `Authorization: Bearer …`; `nil` when neither is sent.
    ///
    /// Ambiguity is refused, never resolved by picking one (401): a credential header sent
    /// twice, or both headers with different tokens (the same token in both is accepted).
    /// The token is used exactly as sent after the `Bearer` scheme's separating spaces.
    static func presentedToken(_ request: Request) throws -> String? {
        for name in ["api-key", "authorization"] where request.repeatedHeaders.contains(name) {
            throw ServiceError.unauthorized(AuthText.repeated(name))
        }
        let key = request.header("api-key").flatMap { $0.isEmpty ? nil : $0 }
        let bearer = bearerToken(request.header("authorization"))
        if let key, let bearer, key != bearer {
            throw ServiceError.unauthorized(AuthText.conflicting)
        }
        return key ?? bearer
    }

    private static func bearerToken(_ authorization: String?) -> String? {
        guard let authorization else { return nil }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        // RFC 6750: one or more spaces after the scheme; what follows is the token.
        let token = String(parts[1].drop(while: { $0 == " " }))
        return token.isEmpty ? nil : token
    }

    func principal(
        for request: Request,
        now: Double = Date().timeIntervalSince1970
    ) throws
        -> Principal
    {
        guard let token = try Authenticator.presentedToken(request) else { return .anonymous }
        if let adminKey, Crypto.constantTimeEquals(Array(token.utf8), adminKey) {
            // The admin key acts for whichever tenant this names: a repeat is ambiguous.
            if request.repeatedHeaders.contains(AuthText.tenantHeader) {
                throw ServiceError.invalid(
                    AuthText.tenantHeader, "is sent more than once; send one tenant")
            }
            let tenant = request.header(AuthText.tenantHeader).flatMap { $0.isEmpty ? nil : $0 }
            return .admin(tenant: tenant)
        }
        if JWT.looksLikeJWT(token) { return try jwtPrincipal(token, now: now) }
        guard let record = try lookupKey(Crypto.sha256Hex(Array(token.utf8))) else {
            // Said, not fixed: trimming would make a secret match that was not sent.
            let trimmed = token.trimmingCharacters(in: .whitespacesAndNewlines)
            throw ServiceError.unauthorized(
                trimmed == token ? AuthText.invalid : AuthText.surroundingWhitespace)
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
    /// - Returns: the scope for `.read`/`.write`/`.manage` routes, `nil` for the others.
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
        case (.read, .admin(let tenant)), (.write, .admin(let tenant)),
            (.manage, .admin(let tenant)):
            guard let tenant else { throw ServiceError.forbidden(AuthText.adminNeedsTenant) }
            return AccessScope(tenant: tenant, canWrite: true)
        case (.read, .tenant(let grant)):
            return grant.scope(for: collection)
        case (.write, .tenant(let grant)):
            let scope = grant.scope(for: collection)
            guard scope.canWrite else { throw ServiceError.forbidden(AuthText.readOnly) }
            return scope
        case (.manage, .tenant(let grant)):
            guard grant.collections == nil else {
                throw ServiceError.forbidden(AuthText.collectionScoped)
            }
            guard grant.canWrite else { throw ServiceError.forbidden(AuthText.readOnly) }
            return grant.scope(for: collection)
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
