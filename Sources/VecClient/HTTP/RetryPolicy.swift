import Foundation

/// How often and how patiently a transient failure is retried (429, 5xx, lost connection).
public struct RetryPolicy: Sendable {
    /// Attempts in total, the first one included.
    public var maxAttempts: Int
    /// Wait before the second attempt, in seconds; doubled for each further one.
    public var initialDelay: Double
    /// Cap on one wait, in seconds.
    public var maxDelay: Double
    /// How the wait is spent; tests replace it to run instantly and record the delays.
    public var sleep: @Sendable (Double) -> Void

    /// Five attempts over about 7.5 s: enough to ride out a server restart or a burst of 429s
    /// without hiding a server that is really down.
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
