import Foundation

/// A small parser of the Prometheus text exposition format 0.0.4, strict enough that a
/// malformed line fails the test instead of being skipped.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(line): \(message)" }
    }

    var help: [String: String] = [:]
    var types: [String: String] = [:]
    var samples: [Sample] = []

    init(_ text: String) throws {
        guard text.isEmpty || text.hasSuffix("\n") else {
            throw ParseError(line: 0, message: "text must end with a line feed")
        }
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false)
            .dropLast().enumerated()
        {
            do {
                try parseLine(String(line))
            } catch let error as ParseError {
                throw ParseError(line: index + 1, message: "\(error.message) in \(line)")
            }
        }
    }

    /// Samples named `name` whose labels include every pair of `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in
            sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
        }
    }

    /// The one sample matching, or nil (several matching is an error the caller asserts on).
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        let found = samples(name, labels)
        return found.count == 1 ? found[0].value : nil
    }

    private mutating func parseLine(_ line: String) throws {
        if line.isEmpty { return }
        if line.hasPrefix("# HELP ") {
            let rest = line.dropFirst(7)
            guard let space = rest.firstIndex(of: " ") else { throw fail("HELP without text") }
            help[String(rest[..<space])] = unescape(String(rest[rest.index(after: space)...]))
            return
        }
        if line.hasPrefix("# TYPE ") {
            let parts = line.dropFirst(7).split(separator: " ")
            guard parts.count == 2,
                ["counter", "gauge", "histogram", "summary", "untyped"].contains(parts[1])
            else { throw fail("bad TYPE") }
            guard types[String(parts[0])] == nil else { throw fail("TYPE given twice") }
            types[String(parts[0])] = String(parts[1])
            return
        }
        if line.hasPrefix("#") { return }
        samples.append(try parseSample(line))
    }

    private func parseSample(_ line: String) throws -> Sample {
        var scalars = Substring(line)
        let name = scalars.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }
        guard !name.isEmpty else { throw fail("no metric name") }
        scalars = scalars.dropFirst(name.count)
        var labels: [String: String] = [:]
        if scalars.first == "{" {
            scalars = scalars.dropFirst()
            while scalars.first != "}" {
                let labelName = scalars.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                scalars = scalars.dropFirst(labelName.count)
                guard !labelName.isEmpty, scalars.hasPrefix("=\"") else {
                    throw fail("bad label")
                }
                scalars = scalars.dropFirst(2)
                var value = ""
                while let character = scalars.first, character != "\"" {
                    scalars = scalars.dropFirst()
                    if character == "\\" {
                        guard let escaped = scalars.first else { throw fail("dangling escape") }
                        scalars = scalars.dropFirst()
                        switch escaped {
                        case "n": value.append("\n")
                        case "\\": value.append("\\")
                        case "\"": value.append("\"")
                        default: throw fail("unknown escape \\\(escaped)")
                        }
                    } else {
                        value.append(character)
                    }
                }
                guard scalars.first == "\"" else { throw fail("unterminated label value") }
                scalars = scalars.dropFirst()
                guard labels.updateValue(value, forKey: String(labelName)) == nil else {
                    throw fail("label \(labelName) twice")
                }
                if scalars.first == "," { scalars = scalars.dropFirst() }
            }
            scalars = scalars.dropFirst()
        }
        guard scalars.first == " " else { throw fail("no space before value") }
        let fields = scalars.dropFirst().split(separator: " ")
        guard (1...2).contains(fields.count), let value = Self.number(String(fields[0])) else {
            throw fail("bad value")
        }
        return Sample(name: String(name), labels: labels, value: value)
    }

    static func number(_ text: String) -> Double? {
        switch text {
        case "+Inf": return .infinity
        case "-Inf": return -.infinity
        case "NaN": return .nan
        default: return Double(text)
        }
    }

    private func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "\\n", with: "\n")
            .replacingOccurrences(of: "\\\\", with: "\\")
    }

    private func fail(_ message: String) -> ParseError { ParseError(line: 0, message: message) }
}
