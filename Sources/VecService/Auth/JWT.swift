import Foundation
import VectorStore

/// The claims of a vecd JWT: Qdrant's shape (`exp`, `access`) plus the `tenant` it binds to.
struct JWTClaims: Equatable {
    /// Per-collection access from a list-form `access` claim; `nil` when the claim is global.
    var collections: [String: Bool]?
    /// Global write permission (`access: "m"`); false for `"r"` and for the list form.
    var canWrite: Bool
    var tenant: String?
    var expiresAt: Double?
}

/// Why a token is refused; every case answers 401 without telling which check failed.
enum JWTError: Error, Equatable, CustomStringConvertible {
    case malformed(String)
    case badSignature
    case expired
    case unsupportedClaim(String)

    var description: String {
        switch self {
        case .malformed(let why): return "malformed JWT: \(why)"
        case .badSignature: return "JWT signature does not verify"
        case .expired: return "JWT has expired"
        case .unsupportedClaim(let claim): return "JWT claim `\(claim)` is not supported"
        }
    }
}

/// HS256 tokens signed with the admin key, as Qdrant signs them with its API key.
enum JWT {
    /// Whether `token` has the shape of a JWT (three base64url parts, JSON header first).
    static func looksLikeJWT(_ token: String) -> Bool {
        token.hasPrefix("eyJ")
            && token.split(separator: ".", omittingEmptySubsequences: false)
                .count == 3
    }

    /// Checks the signature (constant time), the algorithm and `exp`, then reads the claims.
    static func verify(_ token: String, secret: [UInt8], now: Double) throws(JWTError) -> JWTClaims
    {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected three parts") }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed("signature") }
        let signed = Array("\(parts[0]).\(parts[1])".utf8)
        let expected = Crypto.hmacSHA256(key: secret, message: signed)
        guard Crypto.constantTimeEquals(signature, expected) else { throw .badSignature }

        let header = try decodeObject(parts[0], what: "header")
        // Only HS256: accepting `none` or another algorithm would let the token pick its check.
        guard header["alg"]?.stringValue == "HS256" else { throw .malformed("alg must be HS256") }
        let claims = try decodeObject(parts[1], what: "claims")
        return try readClaims(claims, now: now)
    }

    /// Makes a token; used by tests and by operators scripting against the admin key.
    static func sign(claims: JSONValue, secret: [UInt8]) -> String {
        let header: JSONValue = ["alg": "HS256", "typ": "JWT"]
        let signed =
            Base64URL.encode(header.serialized()) + "." + Base64URL.encode(claims.serialized())
        let signature = Crypto.hmacSHA256(key: secret, message: Array(signed.utf8))
        return signed + "." + Base64URL.encode(signature)
    }

    private static func decodeObject(_ part: Substring, what: String) throws(JWTError) -> JSONValue
    {
        guard let bytes = Base64URL.decode(part), let value = try? JSONValue.parse(bytes),
            value.objectValue != nil
        else { throw .malformed(what) }
        return value
    }

    private static func readClaims(_ claims: JSONValue, now: Double) throws(JWTError) -> JWTClaims {
        var result = JWTClaims(collections: nil, canWrite: false, tenant: nil, expiresAt: nil)
        if let exp = claims["exp"] {
            guard let seconds = exp.numberValue else { throw .malformed("exp must be a number") }
            guard seconds > now else { throw .expired }
            result.expiresAt = seconds
        }
        // Qdrant deprecated and now rejects payload constraints; we never supported them.
        if claims["value_exists"] != nil { throw .unsupportedClaim("value_exists") }
        if let tenant = claims["tenant"] {
            guard let name = tenant.stringValue else { throw .malformed("tenant must be a string") }
            result.tenant = name
        }
        switch claims["access"] {
        case nil, .string("r")?: result.canWrite = false
        case .string("m")?: result.canWrite = true
        case .array(let entries)?: result.collections = try readCollectionAccess(entries)
        default: throw .malformed("access must be \"r\", \"m\" or a list")
        }
        return result
    }

    /// Reads `[{"collection": c, "access": "r" | "rw" | "prw"}]` into name → may write.
    private static func readCollectionAccess(
        _ entries: [JSONValue]
    ) throws(JWTError) -> [String: Bool] {
        var collections: [String: Bool] = [:]
        for entry in entries {
            guard let name = entry["collection"]?.stringValue else {
                throw .malformed("access entry without collection")
            }
            if entry["payload"] != nil { throw .unsupportedClaim("payload") }
            switch entry["access"]?.stringValue {
            case "r": collections[name] = collections[name] ?? false
            case "rw", "prw": collections[name] = true
            default: throw .malformed("access of `\(name)` must be r, rw or prw")
            }
        }
        return collections
    }
}
