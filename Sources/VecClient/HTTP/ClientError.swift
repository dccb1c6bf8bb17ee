/// Everything that can go wrong between `vecd ingest`/`vecd query` and the server.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    /// The `--url` value cannot be used (wrong scheme, no host, not a URL).
    case invalidURL(String, reason: String)
    /// No HTTP answer at all: refused, reset, or timed out.
    case connection(url: String, message: String)
    /// The server answered with a non-2xx status; `message` is its error text and
    /// `retryAfter` the seconds its `Retry-After` header asked for, if any.
    case http(status: Int, method: String, path: String, message: String, retryAfter: Double? = nil)
    /// A 2xx answer whose body is not what the endpoint promises.
    case invalidResponse(method: String, path: String, message: String)

    /// Whether sending the same request again later can succeed, and is safe: a lost
    /// connection, a server-side failure (5xx), or a 429 that says when to come back.
    ///
    /// Every request the client retries is idempotent (upserts under ids derived from the
    /// chunk, deletes and counts by filter), so one that the server may have applied before
    /// the connection broke can be sent again. A 429 without `Retry-After` is the server
    /// saying the request is larger than the whole rate budget and must be split (see
    /// docs/operations.md), so it would fail the same way. 501 and 505 name what the server
    /// cannot do at all. Other 4xx answers are about the request and would repeat.
    public var isTransient: Bool {
        switch self {
        case .connection: return true
        case .http(let status, _, _, _, let retryAfter):
            if status == 429 { return retryAfter != nil }
            return status >= 500 && status != 501 && status != 505
        case .invalidURL, .invalidResponse: return false
        }
    }

    /// The wait the server asked for before trying again.
    public var retryAfter: Double? {
        if case .http(_, _, _, _, let retryAfter) = self { return retryAfter }
        return nil
    }

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid --url '\(url)': \(reason)"
        case .connection(let url, let message):
            return "cannot reach \(url): \(message)"
        case .http(let status, let method, let path, let message, _):
            return "\(method) \(path) failed with HTTP \(status): \(message)"
        case .invalidResponse(let method, let path, let message):
            return "\(method) \(path) returned an unexpected body: \(message)"
        }
    }
}
