import Foundation
import VectorStore

/// Why the configuration could not be read; the message names the setting and its source.
public struct ConfigurationError: Error, CustomStringConvertible {
    /// The problem, naming the setting and where it came from.
    public var message: String
    /// The same as `message`.
    public var description: String { message }
}

/// `vecd serve` settings, from flags, then `VECD_*` environment variables, then an optional
/// JSON config file (`--config`), in that order of precedence.
public struct ServeConfiguration: Sendable {
    /// Where tenants are stored (`--data-dir`); required.
    public var dataDirectory: String?
    /// Socket-level settings: host, port, threads, limits.
    public var http = HTTPServerOptions()
    /// The admin key (`--admin-key`); without one the admin API and JWTs are refused.
    public var adminKey: String?
    /// Directory of the default embedding model (`--model-dir`).
    public var modelDirectory: String?
    /// JSON file registering several models by name (`--models`; format in `ModelRegistry`).
    public var modelRegistry: String?
    /// Directory of the default cross-encoder for rerank queries (`--reranker-dir`).
    public var rerankerDirectory: String?
    /// The lowest level logged (`--log-level`).
    public var logLevel: Logger.Level = .info
    /// The JSON config file read, if any (`--config` or `VECD_CONFIG`).
    public var configFile: String?
    /// Where the audit log goes (`--audit-log`); `nil` keeps no audit log.
    public var auditLog: String?
    /// Rotation of the audit log (`--audit-max-bytes`, `--audit-keep`).
    public var audit = AuditLog.Options()

    public init() {}

    /// One setting: its flag (`--data-dir`), environment variable and config-file key.
    struct Setting {
        let flag: String
        let apply: (inout ServeConfiguration, String) throws -> Void
        var environment: String {
            "VECD_" + flag.uppercased().replacingOccurrences(of: "-", with: "_")
        }
        var fileKey: String { flag.replacingOccurrences(of: "-", with: "_") }
    }

    static let settings: [Setting] = [
        Setting(flag: "data-dir") { $0.dataDirectory = $1 },
        Setting(flag: "host") { $0.http.host = $1 },
        Setting(flag: "port") { $0.http.port = try integer($1, "port", 0...65_535) },
        Setting(flag: "admin-key") { $0.adminKey = $1 },
        Setting(flag: "model-dir") { $0.modelDirectory = $1 },
        Setting(flag: "models") { $0.modelRegistry = $1 },
        Setting(flag: "reranker-dir") { $0.rerankerDirectory = $1 },
        Setting(flag: "threads") { $0.http.threads = try integer($1, "threads", 1...1024) },
        Setting(flag: "max-connections") {
            $0.http.connectionLimit = try integer($1, "max-connections", 1...1_000_000)
        },
        Setting(flag: "connection-timeout") {
            $0.http.connectionTimeout = try integer($1, "connection-timeout", 1...86_400)
        },
        Setting(flag: "max-body-bytes") {
            $0.http.maxBodyBytes = try integer($1, "max-body-bytes", 1024...(1 << 34))
        },
        Setting(flag: "log-level") { configuration, value in
            guard let level = Logger.Level(name: value) else {
                throw ConfigurationError(message: "log-level: unknown level `\(value)`")
            }
            configuration.logLevel = level
        },
        Setting(flag: "audit-log") { $0.auditLog = $1 },
        Setting(flag: "audit-max-bytes") {
            $0.audit.maxFileBytes = try integer($1, "audit-max-bytes", 4096...(1 << 40))
        },
        Setting(flag: "audit-keep") {
            $0.audit.keepFiles = try integer($1, "audit-keep", 0...10_000)
        },
    ]

    /// Reads the three sources and checks that the result can run.
    public static func load(
        arguments: [String],
        environment: [String: String]
    ) throws
        -> ServeConfiguration
    {
        let flags = try parseFlags(arguments)
        var configuration = ServeConfiguration()
        configuration.configFile = flags["config"] ?? environment["VECD_CONFIG"]
        if let path = configuration.configFile { try configuration.applyFile(path) }
        for setting in settings {
            if let value = environment[setting.environment] {
                try setting.apply(&configuration, value)
            }
        }
        for setting in settings {
            if let value = flags[setting.flag] { try setting.apply(&configuration, value) }
        }
        guard let directory = configuration.dataDirectory, !directory.isEmpty else {
            throw ConfigurationError(message: "--data-dir (or VECD_DATA_DIR) is required")
        }
        return configuration
    }

    /// `--name value` and `--name=value`; unknown names are refused.
    static func parseFlags(_ arguments: [String]) throws -> [String: String] {
        let known = Set(settings.map(\.flag) + ["config"])
        var flags: [String: String] = [:]
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            guard argument.hasPrefix("--") else {
                throw ConfigurationError(message: "unexpected argument `\(argument)`")
            }
            var name = String(argument.dropFirst(2))
            var value: String
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            } else {
                index += 1
                guard index < arguments.count else {
                    throw ConfigurationError(message: "--\(name) needs a value")
                }
                value = arguments[index]
            }
            guard known.contains(name) else {
                throw ConfigurationError(message: "unknown option --\(name)")
            }
            flags[name] = value
            index += 1
        }
        return flags
    }

    private mutating func applyFile(_ path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(message: "config file `\(path)` cannot be read")
        }
        guard case .object(let members)? = try? JSONValue.parse(Array(data)) else {
            throw ConfigurationError(message: "config file `\(path)` is not a JSON object")
        }
        let byKey = Dictionary(
            uniqueKeysWithValues: ServeConfiguration.settings.map { ($0.fileKey, $0) }
        )
        for (key, value) in members {
            guard let setting = byKey[key] else {
                throw ConfigurationError(message: "config file `\(path)`: unknown key `\(key)`")
            }
            let text: String
            switch value {
            case .string(let string): text = string
            case .int, .unsigned, .double, .bool: text = value.jsonString
            default:
                throw ConfigurationError(
                    message: "config file `\(path)`: `\(key)` must be a "
                        + "string or a number"
                )
            }
            try setting.apply(&self, text)
        }
    }

    private static func integer(
        _ text: String,
        _ name: String,
        _ range: ClosedRange<Int>
    ) throws
        -> Int
    {
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                message:
                    "\(name): expected an integer in \(range.lowerBound)...\(range.upperBound), got `\(text)`"
            )
        }
        return value
    }

    /// The usage text of `vecd serve`.
    public static let usage = """
        usage: vecd serve --data-dir DIR [options]

        Options (flags override VECD_* environment variables, which override --config FILE):
          --data-dir DIR            where tenants are stored (VECD_DATA_DIR)
          --host ADDR               IPv4 address to listen on (default 127.0.0.1)
          --port N                  port (default 6333; 0 picks a free one)
          --admin-key KEY           admin key for /tenants and tenant JWTs (VECD_ADMIN_KEY)
          --model-dir DIR           default embedding model directory (VECD_MODEL_DIR)
          --models FILE             model registry (JSON; embedding models and rerankers)
          --reranker-dir DIR        default cross-encoder directory (Hugging Face layout)
          --threads N               HTTP worker threads (default: 4 per core, at least 8)
          --max-connections N       concurrent connections (default 1024)
          --connection-timeout S    idle keep-alive timeout in seconds (default 30)
          --max-body-bytes N        largest request body (default 33554432)
          --log-level LEVEL         trace|debug|info|notice|warning|error (default info)
          --audit-log PATH          JSON-lines audit log of every request (default: none)
          --audit-max-bytes N       rotate the audit log at this size (default 67108864)
          --audit-keep N            rotated audit files kept (default 7); also rotated daily
          --config FILE             JSON file with the same keys in snake_case
        """
}
