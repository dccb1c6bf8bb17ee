/// A command-line mistake, found before anything is read or sent; each message names the
/// option and the value at fault.
public enum ArgumentError: Error, CustomStringConvertible, Equatable {
    case helpRequested
    case unknownOption(String)
    case missingValue(option: String)
    case invalidInteger(option: String, value: String)
    case notPositive(option: String, value: Int)
    case negative(option: String, value: Int)
    case invalidNumber(option: String, value: String)
    case invalidChoice(option: String, value: String, choices: [String])
    case missingOption(String)
    case missingPaths
    case emptyQuestion
    case chunking(ChunkingError)

    public var description: String {
        switch self {
        case .helpRequested: return "help requested"
        case .unknownOption(let option): return "unknown option '\(option)'"
        case .missingValue(let option): return "\(option) needs a value"
        case .invalidInteger(let option, let value):
            return "\(option) must be an integer, got '\(value)'"
        case .notPositive(let option, let value):
            return "\(option) must be at least 1, got \(value)"
        case .negative(let option, let value):
            return "\(option) must be 0 or more, got \(value)"
        case .invalidNumber(let option, let value):
            return "\(option) must be a positive number, got '\(value)'"
        case .invalidChoice(let option, let value, let choices):
            return "\(option) must be one of \(choices.joined(separator: ", ")), got '\(value)'"
        case .missingOption(let option): return "\(option) is required"
        case .missingPaths: return "no PATH given: name at least one file or folder to ingest"
        case .emptyQuestion: return "the question is empty"
        case .chunking(let error): return error.description
        }
    }
}

/// Reads `--name value`, `--name=value` and bare flags from an argument list; everything
/// else (and everything after `--`) is positional.
struct ArgumentScanner {
    private(set) var values: [String: String] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []

    /// - Parameters:
    ///   - valued: options that take a value.
    ///   - flags: options that stand alone.
    init(
        _ arguments: [String],
        valued: Set<String>,
        flags flagNames: Set<String>
    )
        throws(ArgumentError)
    {
        var index = 0
        var optionsEnded = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if optionsEnded || !argument.hasPrefix("-") || argument == "-" {
                positional.append(argument)
                continue
            }
            if argument == "--" {
                optionsEnded = true
                continue
            }
            if argument == "-h" || argument == "--help" { throw .helpRequested }
            var name = argument
            var inlineValue: String?
            if let equals = argument.firstIndex(of: "=") {
                name = String(argument[..<equals])
                inlineValue = String(argument[argument.index(after: equals)...])
            }
            if flagNames.contains(name) && inlineValue == nil {
                flags.insert(name)
            } else if valued.contains(name) {
                if let inlineValue {
                    values[name] = inlineValue
                } else if index < arguments.count {
                    values[name] = arguments[index]
                    index += 1
                } else {
                    throw .missingValue(option: name)
                }
            } else {
                throw .unknownOption(argument)
            }
        }
    }

    func string(_ option: String) -> String? { values[option] }

    func integer(_ option: String) throws(ArgumentError) -> Int? {
        guard let text = values[option] else { return nil }
        guard let value = Int(text) else { throw .invalidInteger(option: option, value: text) }
        return value
    }

    /// An integer option that must be at least 1.
    func positiveInteger(_ option: String, default fallback: Int) throws(ArgumentError) -> Int {
        guard let value = try integer(option) else { return fallback }
        guard value > 0 else { throw .notPositive(option: option, value: value) }
        return value
    }

    /// An integer option that must be at least 0.
    func nonNegativeInteger(_ option: String, default fallback: Int) throws(ArgumentError) -> Int {
        guard let value = try integer(option) else { return fallback }
        guard value >= 0 else { throw .negative(option: option, value: value) }
        return value
    }

    func positiveNumber(
        _ option: String,
        default fallback: Double
    ) throws(ArgumentError)
        -> Double
    {
        guard let text = values[option] else { return fallback }
        guard let value = Double(text), value > 0, value.isFinite else {
            throw .invalidNumber(option: option, value: text)
        }
        return value
    }
}

/// Where `vecd ingest` and `vecd query` find the server.
public struct ServerOptions: Sendable, Equatable {
    /// The server `scripts/demo` and a bare `vecd serve` listen on.
    public static let defaultURL = "http://127.0.0.1:6333"

    public var url: String
    public var apiKey: String?
    public var collection: String

    static let valued: Set<String> = ["--url", "--api-key", "--collection"]

    /// Reads `--url` (else `VECD_URL`), `--api-key` (else `VECD_API_KEY`) and `--collection`.
    init(_ scanner: ArgumentScanner, environment: [String: String]) throws(ArgumentError) {
        url = scanner.string("--url") ?? environment["VECD_URL"] ?? Self.defaultURL
        apiKey = scanner.string("--api-key") ?? environment["VECD_API_KEY"]
        guard let collection = scanner.string("--collection"), !collection.isEmpty else {
            throw .missingOption("--collection")
        }
        self.collection = collection
    }
}
