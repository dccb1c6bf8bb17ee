import Foundation
import VecService
import VectorStore

#if canImport(Glibc)
    import Glibc
#endif

/// `vecd usage`: asks a running node for every tenant's usage and prints one table with each
/// tenant's share, the input for per-tenant pricing.
func runUsage(arguments: [String]) -> Int32 {
    if arguments.contains("--help") || arguments.contains("-h") {
        print(usageCommandHelp)
        return 0
    }
    do {
        let options = try UsageOptions(arguments: arguments,
                                       environment: ProcessInfo.processInfo.environment)
        let client = PlainHTTPClient(host: options.host, port: options.port)
        let tenants = try client.getResult("/tenants", key: options.adminKey)["tenants"]?
            .arrayValue ?? []
        var rows: [UsageReport.Row] = []
        for tenant in tenants.compactMap({ $0["name"]?.stringValue }) {
            let result = try client.getResult("/tenants/\(tenant)/usage", key: options.adminKey)
            rows.append(UsageReport.Row(tenant: tenant, usageResult: result,
                                        window: options.window))
        }
        print(UsageReport(rows: rows, window: options.window).render(), terminator: "")
        return 0
    } catch {
        FileHandle.standardError.write(Data("vecd usage: \(error)\n".utf8))
        return 1
    }
}

let usageCommandHelp = """
    usage: vecd usage [--url http://127.0.0.1:6333] [--admin-key KEY] [--window WINDOW]

    Prints each tenant's stored points and bytes and its queries, writes, embedding tokens
    and rerank pairs over WINDOW (last_hour, last_day, last_30_days or total; default total),
    each with its share of the node. The admin key comes from --admin-key or VECD_ADMIN_KEY.
    """

/// The options of `vecd usage`.
struct UsageOptions {
    var host = "127.0.0.1"
    var port = 6333
    var adminKey: String?
    var window = "total"

    init(arguments: [String], environment: [String: String]) throws {
        adminKey = environment["VECD_ADMIN_KEY"]
        var index = 0
        while index < arguments.count {
            let name = arguments[index]
            guard index + 1 < arguments.count else { throw UsageError("\(name) needs a value") }
            let value = arguments[index + 1]
            switch name {
            case "--url": try parseURL(value)
            case "--admin-key": adminKey = value
            case "--window":
                guard UsageLedger.windows.contains(where: { $0.name == value }) else {
                    throw UsageError("--window: unknown window `\(value)`")
                }
                window = value
            default: throw UsageError("unknown option \(name)")
            }
            index += 2
        }
        guard adminKey != nil else {
            throw UsageError("--admin-key (or VECD_ADMIN_KEY) is required")
        }
    }

    private mutating func parseURL(_ text: String) throws {
        guard let url = URL(string: text), url.scheme == "http", let host = url.host else {
            throw UsageError("--url: expected http://HOST:PORT, got `\(text)`")
        }
        self.host = host
        self.port = url.port ?? 80
    }
}

struct UsageError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A blocking HTTP/1.1 GET over one connection (`Connection: close`), enough for a command
/// line client of our own server; plain HTTP only.
struct PlainHTTPClient {
    var host: String
    var port: Int

    /// GETs `path` and returns the envelope's `result`.
    /// - Throws: `UsageError` with the status and error message for a non-200 answer.
    func getResult(_ path: String, key: String?) throws -> JSONValue {
        let (status, body) = try get(path, key: key)
        let json = try? JSONValue.parse(body)
        guard status == 200, let result = json?["result"] else {
            let message = json?["status"]?["error"]?.stringValue
                ?? String(decoding: body, as: UTF8.self)
            throw UsageError("GET \(path): \(status) \(message)")
        }
        return result
    }

    func get(_ path: String, key: String?) throws -> (Int, [UInt8]) {
        let fd = try connect()
        defer { close(fd) }
        var head = "GET \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        if let key { head += "api-key: \(key)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else {
            throw UsageError("send to \(host):\(port) failed: errno \(errno)")
        }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            response.append(contentsOf: chunk[0..<count])
        }
        return try Self.parse(response)
    }

    private func connect() throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw UsageError("cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype, 0)
        guard fd >= 0 else { throw UsageError("socket failed: errno \(errno)") }
        guard Glibc.connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            close(fd)
            throw UsageError("cannot connect to \(host):\(port): errno \(errno)")
        }
        return fd
    }

    /// Status and body of a response; handles `Content-Length` and chunked bodies.
    static func parse(_ response: [UInt8]) throws -> (Int, [UInt8]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        guard let end = response.firstRange(of: separator) else {
            throw UsageError("malformed HTTP response (\(response.count) bytes)")
        }
        let head = String(decoding: response[..<end.lowerBound], as: UTF8.self)
        let lines = head.components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw UsageError("malformed status line: \(lines.first ?? "")")
        }
        var body = Array(response[end.upperBound...])
        let chunked = lines.dropFirst().contains {
            $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked")
        }
        if chunked { body = try dechunk(body) }
        return (status, body)
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var output: [UInt8] = []
        var index = 0
        while let lineEnd = bytes[index...].firstRange(of: [13, 10]) {
            let sizeText = String(decoding: bytes[index..<lineEnd.lowerBound], as: UTF8.self)
            guard let size = Int(sizeText.split(separator: ";").first ?? "", radix: 16) else {
                throw UsageError("malformed chunk size `\(sizeText)`")
            }
            if size == 0 { break }
            let start = lineEnd.upperBound
            guard start + size <= bytes.count else { throw UsageError("truncated chunk") }
            output.append(contentsOf: bytes[start..<start + size])
            index = start + size + 2
            guard index <= bytes.count else { break }
        }
        return output
    }
}
