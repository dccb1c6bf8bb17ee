import Foundation

/// A small structured logger after swift-log's model: fixed messages, data in dotted metadata,
/// and one process-wide handler chosen at start-up by `vecd` (libraries never choose it).
public struct Logger: Sendable {
    /// Severity, lowest first.
    public enum Level: Int, Sendable, Comparable, CustomStringConvertible {
        case trace, debug, info, notice, warning, error, critical

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }

        public var description: String {
            ["trace", "debug", "info", "notice", "warning", "error", "critical"][rawValue]
        }

        /// Parses a level name as given on the command line or in the environment.
        public init?(name: String) {
            let names = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
            guard let index = names.firstIndex(of: name.lowercased()) else { return nil }
            self.init(rawValue: index)
        }
    }

    /// Where entries go: one handler for the whole process.
    public typealias Handler = @Sendable (_ level: Level, _ label: String, _ message: String,
        _ metadata: [String: String]) -> Void

    public let label: String
    public var metadata: [String: String]

    public init(label: String, metadata: [String: String] = [:]) {
        self.label = label
        self.metadata = metadata
    }

    /// Sets the process-wide minimum level and handler; called once by the executable.
    public static func bootstrap(minimumLevel: Level, handler: @escaping Handler = Logger.jsonLines) {
        LoggerState.shared.configure(minimumLevel: minimumLevel, handler: handler)
    }

    public func log(_ level: Level, _ message: @autoclosure () -> String,
                    metadata extra: [String: String] = [:]) {
        let state = LoggerState.shared.current
        guard level >= state.minimumLevel else { return }
        let merged = metadata.merging(extra) { _, new in new }
        state.handler(level, label, message(), merged)
    }

    public func trace(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.trace, message(), metadata: metadata)
    }
    public func debug(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.debug, message(), metadata: metadata)
    }
    public func info(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.info, message(), metadata: metadata)
    }
    public func notice(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.notice, message(), metadata: metadata)
    }
    public func warning(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.warning, message(), metadata: metadata)
    }
    public func error(_ message: @autoclosure () -> String, metadata: [String: String] = [:]) {
        log(.error, message(), metadata: metadata)
    }

    /// Discards every entry (the default until `bootstrap`, and for tests).
    public static let discard: Handler = { _, _, _, _ in }
}

/// The process-wide logging configuration behind a lock.
private final class LoggerState: @unchecked Sendable {
    static let shared = LoggerState()

    struct Configuration {
        var minimumLevel: Logger.Level
        var handler: Logger.Handler
    }

    private let lock = NSLock()
    private var configuration = Configuration(minimumLevel: .notice, handler: Logger.jsonLines)

    var current: Configuration {
        lock.lock()
        defer { lock.unlock() }
        return configuration
    }

    func configure(minimumLevel: Logger.Level, handler: @escaping Logger.Handler) {
        lock.lock()
        configuration = Configuration(minimumLevel: minimumLevel, handler: handler)
        lock.unlock()
    }
}
