import Foundation
import VectorStore
import XCTest

@testable import VecService

/// Credentials and access decisions as pure functions: JWT checks, key hashing, and which
/// principal may call which kind of route (B19, B26 at the decision level).
final class AuthTests: XCTestCase {
    let secret = Array("admin-secret".utf8)

    func testSHA256AndHMACMatchPublishedVectors() {
        XCTAssertEqual(
            Crypto.sha256Hex(Array("abc".utf8)),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        )
        // RFC 4231 test case 2.
        let mac = Crypto.hmacSHA256(
            key: Array("Jefe".utf8),
            message: Array("what do ya want for nothing?".utf8)
        )
        XCTAssertEqual(
            Crypto.hex(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        )
    }

    func testBase64URLRoundTripsWithoutPadding() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 250) }
            let text = Base64URL.encode(bytes)
            XCTAssertFalse(text.contains("=") || text.contains("+") || text.contains("/"))
            XCTAssertEqual(Base64URL.decode(Substring(text)), bytes)
        }
        XCTAssertNil(Base64URL.decode("a=b"))
    }

    func testIssuedKeysAreRandomAndStoredOnlyAsTheirHash() {
        let first = KeyIssuer.issue(tenant: "a", canWrite: true, collections: nil)
        let second = KeyIssuer.issue(tenant: "a", canWrite: false, collections: ["c1"])
        XCTAssertNotEqual(first.key, second.key)
        XCTAssertEqual(first.key.count, 43, "32 bytes in unpadded base64url")
        XCTAssertEqual(first.record.hash, Crypto.sha256Hex(Array(first.key.utf8)))
        XCTAssertFalse(first.record.hash.contains(first.key))
        XCTAssertEqual(second.record.collections, ["c1"])
        XCTAssertFalse(second.record.canWrite)
    }

    // MARK: - JWT

    func testJWTWithTenantAndGlobalAccess() throws {
        let token = JWT.sign(
            claims: ["tenant": "acme", "access": "m", "exp": 2_000_000_000],
            secret: secret
        )
        XCTAssertTrue(JWT.looksLikeJWT(token))
        let claims = try JWT.verify(token, secret: secret, now: 1_700_000_000)
        XCTAssertEqual(claims.tenant, "acme")
        XCTAssertTrue(claims.canWrite)
        XCTAssertNil(claims.collections)
    }

    func testJWTCollectionListBecomesPerCollectionWrites() throws {
        let token = JWT.sign(
            claims: [
                "tenant": "acme",
                "access": [
                    ["collection": "c1", "access": "rw"], ["collection": "c2", "access": "r"],
                ],
            ],
            secret: secret
        )
        let claims = try JWT.verify(token, secret: secret, now: 0)
        XCTAssertEqual(claims.collections, ["c1": true, "c2": false])
        XCTAssertFalse(claims.canWrite)
    }

    func testJWTRefusals() {
        let good = JWT.sign(claims: ["tenant": "t", "access": "r"], secret: secret)
        XCTAssertThrowsError(try JWT.verify(good, secret: Array("other".utf8), now: 0)) {
            XCTAssertEqual($0 as? JWTError, .badSignature)
        }
        let expired = JWT.sign(claims: ["tenant": "t", "exp": 100], secret: secret)
        XCTAssertThrowsError(try JWT.verify(expired, secret: secret, now: 101)) {
            XCTAssertEqual($0 as? JWTError, .expired)
        }
        let payloadClaim = JWT.sign(claims: ["tenant": "t", "value_exists": [:]], secret: secret)
        XCTAssertThrowsError(try JWT.verify(payloadClaim, secret: secret, now: 0))
        // A token claiming `alg: none` with the signature stripped never verifies.
        let parts = good.split(separator: ".")
        let none =
            Base64URL.encode((["alg": "none"] as JSONValue).serialized()) + "." + parts[1] + "."
        XCTAssertThrowsError(try JWT.verify(none, secret: secret, now: 0))
        // Tampering with the claims breaks the signature.
        let forged =
            parts[0] + "."
            + Base64URL.encode(
                (["tenant": "x", "access": "m"] as JSONValue)
                    .serialized()
            ) + "." + parts[2]
        XCTAssertThrowsError(try JWT.verify(String(forged), secret: secret, now: 0))
    }

    // MARK: - Principals

    private func authenticator(keys: [KeyRecord] = []) -> Authenticator {
        Authenticator(adminKey: secret, lookupKey: { hash in keys.first { $0.hash == hash } })
    }

    func testHeadersThatCarryCredentials() throws {
        let auth = authenticator()
        XCTAssertEqual(try auth.principal(for: Request(method: "GET", path: "/")), .anonymous)
        XCTAssertEqual(
            try auth.principal(
                for: Request(
                    method: "GET",
                    path: "/",
                    headers: ["api-key": "admin-secret"]
                )
            ),
            .admin(tenant: nil)
        )
        XCTAssertEqual(
            try auth.principal(
                for: Request(
                    method: "GET",
                    path: "/",
                    headers: [
                        "Authorization": "Bearer admin-secret",
                        "vecd-tenant": "acme",
                    ]
                )
            ),
            .admin(tenant: "acme")
        )
        XCTAssertThrowsError(
            try auth.principal(
                for: Request(
                    method: "GET",
                    path: "/",
                    headers: ["api-key": "admin-secreT"]
                )
            )
        )
    }

    func testTenantKeyResolvesThroughItsHash() throws {
        let issued = KeyIssuer.issue(tenant: "acme", canWrite: false, collections: ["c1"])
        let auth = authenticator(keys: [issued.record])
        let principal = try auth.principal(
            for: Request(
                method: "GET",
                path: "/",
                headers: ["api-key": issued.key]
            )
        )
        XCTAssertEqual(
            principal,
            .tenant(
                TenantGrant(
                    tenant: "acme",
                    canWrite: false,
                    collections: ["c1": false],
                    keyID: issued.record.id
                )
            )
        )
    }

    func testB19JWTWithoutTenantClaimIsRefused() {
        let token = JWT.sign(claims: ["access": "m"], secret: secret)
        XCTAssertThrowsError(
            try authenticator().principal(
                for: Request(
                    method: "PUT",
                    path: "/",
                    headers: ["Authorization": "Bearer \(token)"]
                )
            )
        ) { error in
            XCTAssertEqual(ErrorMapping.of(ServiceError.wrap(error)).status, 401)
        }
    }

    // MARK: - Decisions

    private func status(
        _ principal: Principal,
        _ access: RouteAccess,
        _ collection: String? = "c1"
    )
        -> Int
    {
        do {
            _ = try Authenticator.authorize(principal, access: access, collection: collection)
            return 200
        } catch {
            return ErrorMapping.of(ServiceError.wrap(error)).status
        }
    }

    func testB19AnonymousAndAdminWithoutTenantCannotReachData() {
        for access in [RouteAccess.read, .write, .admin, .authenticated] {
            XCTAssertEqual(status(.anonymous, access), 401, "\(access)")
        }
        XCTAssertEqual(status(.anonymous, .open), 200)
        XCTAssertEqual(status(.admin(tenant: nil), .write), 403)
        XCTAssertEqual(status(.admin(tenant: nil), .read), 403)
        XCTAssertEqual(status(.admin(tenant: nil), .admin), 200)
        XCTAssertEqual(
            try Authenticator.authorize(.admin(tenant: "t"), access: .write, collection: "c"),
            AccessScope(tenant: "t", canWrite: true)
        )
    }

    func testReadOnlyGrantReadsButNeverWrites() {
        let reader = Principal.tenant(TenantGrant(tenant: "a", canWrite: false))
        XCTAssertEqual(status(reader, .read), 200)
        XCTAssertEqual(status(reader, .write), 403)
        XCTAssertEqual(status(reader, .admin), 403)
    }

    /// B26 at the decision level: the store gets the key's collection scope on every route.
    func testB26ScopedGrantPassesItsCollectionsToTheStore() throws {
        let scoped = TenantGrant(tenant: "a", canWrite: true, collections: ["c1": true])
        let own = try Authenticator.authorize(.tenant(scoped), access: .write, collection: "c1")
        XCTAssertEqual(own, AccessScope(tenant: "a", canWrite: true, collections: ["c1"]))
        let other = try Authenticator.authorize(.tenant(scoped), access: .read, collection: "c2")
        XCTAssertEqual(other?.collections, ["c1"], "c2 is refused by the store as missing")
        let mixed = TenantGrant(
            tenant: "a",
            canWrite: false,
            collections: ["c1": true, "c2": false]
        )
        XCTAssertEqual(status(.tenant(mixed), .write, "c1"), 200)
        XCTAssertEqual(status(.tenant(mixed), .write, "c2"), 403)
    }
}
