/// Everything that can go wrong between `vecd ingest`/`vecd query` and the server.
public enum ClientError: Error, CustomStringConvertible, Equatable {
    /// The `--url` value cannot be used (wrong scheme, no host, not a URL).
    case invalidURL(String, reason: String)
    /// No HTTP answer at all: refused, reset, or timed out.
    case connection(url: String, message: String)
    /// The server answered with a non-2xx status; `message` is its error text.
    case http(status: Int, method: String, path: String, message: String)
    /// A 2xx answer whose body is not what the endpoint promises.
    case invalidResponse(method: String, path: String, message: String)

    /// Whether trying the same request again later can succeed: rate limits, server-side
    /// failures and lost connections are transient; other 4xx answers will repeat.
    public var isTransient: Bool {
        switch self {
        case .connection: return true
        case .http(let status, _, _, _): return status == 429 || status >= 500
        case .invalidURL, .invalidResponse: return false
        }
    }

    public var description: String {
        switch self {
        case .invalidURL(let url, let reason):
            return "invalid --url '\(url)': \(reason)"
        case .connection(let url, let message):
            return "cannot reach \(url): \(message)"
        case .http(let status, let method, let path, let message):
            return "\(method) \(path) failed with HTTP \(status): \(message)"
        case .invalidResponse(let method, let path, let message):
            return "\(method) \(path) returned an unexpected body: \(message)"
        }
    }
}
