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

    /// Whether trying the same request again later can succeed: rate limits, server-side
    /// failures and lost connections are transient; other 4xx answers will repeat.
    public var isTransient: Bool {
        switch self {
        case .connection: return true
        case .http(let status, _, _, _, _): return status == 429 || status >= 500
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
