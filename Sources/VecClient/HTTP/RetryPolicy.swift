import Foundation

/// How often and how patiently a transient failure is retried (see `ClientError.isTransient`:
/// a lost connection, 5xx, a 429 that says when to come back).
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first one included: `retries + 1`.
    public var maxAttempts: Int
    /// Attempts after the first one: what `--retries N` sets.
    public var retries: Int {
        get { max(0, maxAttempts - 1) }
        set { maxAttempts = max(0, newValue) + 1 }
    }
    /// Wait before the second attempt, in seconds; doubled for each further one.
    public var initialDelay: Double
    /// Cap on one wait, in seconds.
    public var maxDelay: Double
    /// How the wait is spent; tests replace it to run instantly and record the delays.
    public var sleep: @Sendable (Double) -> Void

    /// Four retries (five attempts) over about 7.5 s: enough to ride out a server restart or
    /// a burst of 429s without hiding a server that is really down.
    public static let standard = RetryPolicy(maxAttempts: 5, initialDelay: 0.5, maxDelay: 8)

    public init(
        maxAttempts: Int,
        initialDelay: Double,
        maxDelay: Double,
        sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }
    ) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }

    /// Longest `Retry-After` honoured, in seconds: a rate limit per minute may ask for up to a
    /// minute, and waiting longer than that is better left to the user re-running the command.
    public static let maximumRetryAfter = 60.0

    /// Seconds a `Retry-After` value asks for: delta-seconds, or an HTTP-date (RFC 9110
    /// §10.2.3) counted from `now`; `nil` when it is neither.
    public static func retryAfterSeconds(_ value: String, now: Date = Date()) -> Double? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text), seconds.isFinite, seconds >= 0 { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: text) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1): the server's
    /// `Retry-After` when it sent one (capped), else exponential backoff.
    public func delay(afterAttempt attempt: Int, retryAfter: Double? = nil) -> Double {
        if let retryAfter, retryAfter >= 0 { return min(retryAfter, Self.maximumRetryAfter) }
        let exponential = initialDelay * pow(2, Double(attempt - 1))
        return min(exponential, maxDelay)
    }

    /// Runs `operation`, retrying transient `ClientError`s with backoff.
    /// - Parameter onRetry: told about each failure that will be retried, with the wait.
    /// - Throws: the last error once attempts run out, or the first non-transient one.
    public func run<T>(
        onRetry: (ClientError, Double) -> Void = { _, _ in },
        _ operation: () throws(ClientError) -> T
    ) throws(ClientError) -> T {
        var attempt = 1
        while true {
            do {
                return try operation()
            } catch {
                guard error.isTransient, attempt < maxAttempts else { throw error }
                let wait = delay(afterAttempt: attempt, retryAfter: error.retryAfter)
                onRetry(error, wait)
                sleep(wait)
                attempt += 1
            }
        }
    }
}
