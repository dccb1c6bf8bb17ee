/// Everything the store can refuse or fail at. `vecd` maps each case to an HTTP status in
/// one exhaustive switch; the comment on each case says whose fault it is.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    /// Client (404). Also the answer for a collection of another tenant or outside a key's
    /// scope, so that existence never leaks.
    case collectionNotFound(String)
    /// Client (409).
    case collectionExists(String)
    /// Client (404).
    case tenantNotFound(String)
    /// Client (409).
    case tenantExists(String)
    /// Client (404): a snapshot name the tenant or collection does not have.
    case snapshotNotFound(String)
    /// Client (404): a point looked up by id (`GET /points/{id}`).
    case pointNotFound(PointID)
    /// Client (400): a request body or parameter is wrong; `field` names it.
    case invalidArgument(field: String, message: String)
    /// Client (400).
    case dimensionMismatch(vector: String, expected: Int, actual: Int)
    /// Client (400): a vector name the collection does not have.
    case vectorNameNotFound(String)
    /// Client (400): a filter that does not parse; the message names the key.
    case invalidFilter(String)
    /// Client (403): a write through a read-only scope.
    case forbidden(String)
    /// Client (4xx, 403/422 by policy): a write that would pass a tenant quota.
    case quotaExceeded(quota: String, limit: Int, wouldBe: Int)
    /// Service (500): RocksDB reported an error; `kind` is read from the message prefix.
    case storage(kind: String, message: String)
    /// Service (500): stored data that does not decode.
    case corrupted(String)

    public var description: String {
        switch self {
        case .collectionNotFound(let name): return "Not found: Collection `\(name)` doesn't exist!"
        case .collectionExists(let name): return "Wrong input: Collection `\(name)` already exists!"
        case .tenantNotFound(let name): return "Not found: Tenant `\(name)` doesn't exist!"
        case .tenantExists(let name): return "Wrong input: Tenant `\(name)` already exists!"
        case .snapshotNotFound(let name): return "Not found: Snapshot `\(name)` doesn't exist!"
        case .pointNotFound(let id): return "Not found: No point with id \(id) found"
        case .invalidArgument(let field, let message): return "Wrong input: \(field): \(message)"
        case .dimensionMismatch(let vector, let expected, let actual):
            let name = vector.isEmpty ? "" : " `\(vector)`"
            return "Wrong input: Vector\(name) dimension error: expected dim: \(expected), got \(actual)"
        case .vectorNameNotFound(let name): return "Wrong input: Not existing vector name error: \(name)"
        case .invalidFilter(let message): return "Wrong input: invalid filter: \(message)"
        case .forbidden(let message): return "Forbidden: \(message)"
        case .quotaExceeded(let quota, let limit, let wouldBe):
            return "Quota exceeded: \(quota) is \(limit), this request would make it \(wouldBe)"
        case .storage(let kind, let message): return "Service internal error: storage \(kind): \(message)"
        case .corrupted(let message): return "Service internal error: corrupted data: \(message)"
        }
    }
}
