import CMicroHTTPD
import Foundation
import VectorStore

#if canImport(Glibc)
    import Glibc
#endif

/// Socket-level settings of the HTTP server.
public struct HTTPServerOptions: Sendable {
    /// IPv4 address to listen on; only loopback unless the operator says otherwise.
    public var host = "127.0.0.1"
    /// 0 picks a free port (read it back from `HTTPServer.port`).
    public var port = 6333
    /// Worker threads in microhttpd's epoll pool; each runs handlers to completion. Four per
    /// core (at least 8) because a handler may hold its thread for seconds while the embedder
    /// runs: with one thread per core, two large embedding requests stalled even `/healthz`.
    public var threads = max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)
    /// Concurrent connections accepted; more wait in the kernel backlog.
    public var connectionLimit = 1024
    /// Seconds an idle keep-alive connection stays open.
    public var connectionTimeout = 30
    /// Largest request body accepted; larger ones answer 413. 32 MiB holds ~20k 384-d points.
    public var maxBodyBytes = 32 << 20

    public init() {}
}

/// Why the server could not start.
public enum HTTPServerError: Error, CustomStringConvertible {
    case badHost(String)
    case socket(call: String, errno: Int32)
    case daemonFailed

    /// What failed, naming the host or the system call and its error.
    public var description: String {
        switch self {
        case .badHost(let host): return "cannot listen on `\(host)`: not an IPv4 address"
        case .socket(let call, let code):
            return "\(call) failed: \(String(cString: strerror(code)))"
        case .daemonFailed: return "MHD_start_daemon failed"
        }
    }
}

/// HTTP/1.1 with keep-alive on libmicrohttpd's internal epoll thread pool. Bodies are gathered
/// per request in the access handler, then the handler (normally `Service.handle`) runs on the
/// pool thread. The server knows nothing of routes, so it is tested with any handler.
public final class HTTPServer: @unchecked Sendable {
    /// Answers one request; called on a pool thread, so it must be thread-safe.
    public typealias Handler = @Sendable (Request) -> Response

    /// The settings the server was made with.
    public let options: HTTPServerOptions
    private let handler: Handler
    /// The port actually bound (differs from `options.port` when that is 0).
    public private(set) var port = 0

    private var daemon: OpaquePointer?
    private var listenSocket: Int32 = -1
    private let inFlight = NSCondition()
    private var inFlightCount = 0

    /// A server that will answer with `handler` once `start()` is called.
    public init(options: HTTPServerOptions, handler: @escaping Handler) {
        self.options = options
        self.handler = handler
    }

    /// Binds, listens and starts the worker threads.
    public func start() throws {
        listenSocket = try HTTPServer.bindListeningSocket(host: options.host, port: options.port)
        port = try HTTPServer.boundPort(listenSocket)
        let context = Unmanaged.passUnretained(self).toOpaque()
        let flags = MHD_USE_EPOLL_INTERNAL_THREAD.rawValue | MHD_USE_ITC.rawValue
        let completed = unsafeBitCast(
            HTTPServer.requestCompleted as MHD_RequestCompletedCallback,
            to: UnsafeRawPointer.self
        )
        let unescape = unsafeBitCast(HTTPServer.unescape, to: UnsafeRawPointer.self)
        // Pointers travel as pointer-sized integers: Swift has no CVarArg for raw pointers here.
        let arguments: [CVarArg] = [
            MHD_OPTION.UNESCAPE_CALLBACK.rawValue, Int(bitPattern: unescape), Int(0),
            MHD_OPTION.LISTEN_SOCKET.rawValue, listenSocket,
            MHD_OPTION.THREAD_POOL_SIZE.rawValue, UInt32(options.threads),
            MHD_OPTION.CONNECTION_LIMIT.rawValue, UInt32(options.connectionLimit),
            MHD_OPTION.CONNECTION_TIMEOUT.rawValue, UInt32(options.connectionTimeout),
            MHD_OPTION.NOTIFY_COMPLETED.rawValue, Int(bitPattern: completed),
            Int(bitPattern: context),
            MHD_OPTION.END.rawValue,
        ]
        daemon = withVaList(arguments) { list in
            MHD_start_daemon_va(
                UInt32(flags),
                UInt16(0),
                nil,
                nil,
                HTTPServer.accessHandler,
                context,
                list
            )
        }
        guard daemon != nil else {
            close(listenSocket)
            throw HTTPServerError.daemonFailed
        }
    }

    /// Stops accepting, lets requests in flight finish (up to `grace` seconds), then stops
    /// the threads and closes every connection.
    public func shutdown(grace: Double = 10) {
        guard let daemon else { return }
        let socket = MHD_quiesce_daemon(daemon)
        if socket >= 0 { close(socket) }
        let deadline = Date().addingTimeInterval(grace)
        inFlight.lock()
        while inFlightCount > 0 && inFlight.wait(until: deadline) {}
        inFlight.unlock()
        MHD_stop_daemon(daemon)
        self.daemon = nil
    }

    // MARK: - Per-request state

    /// A request's body as it arrives; owned by microhttpd's `con_cls` slot until completion.
    final class Upload {
        var body: [UInt8] = []
        var isTooLarge = false
    }

    private func began() {
        inFlight.lock()
        inFlightCount += 1
        inFlight.unlock()
    }

    private func ended() {
        inFlight.lock()
        inFlightCount -= 1
        inFlight.broadcast()
        inFlight.unlock()
    }

    // MARK: - microhttpd callbacks

    private static let accessHandler: MHD_AccessHandlerCallback = {
        context,
        connection,
        url,
        method,
        _,
        data,
        size,
        slot in
        let server = Unmanaged<HTTPServer>.fromOpaque(context!).takeUnretainedValue()
        return server.access(
            connection!,
            url: url,
            method: method,
            data: data,
            size: size!,
            slot: slot!
        )
    }

    /// Decodes `%HH` escapes in the path and query in place, as microhttpd's default does,
    /// except that an escaped NUL becomes the control byte 0x01. The path reaches Swift as a C
    /// string, so a real NUL would cut it short and route `/collections/a%00/points/x` as
    /// `/collections/a`; the marker keeps the whole path, which `access` then refuses.
    private static let unescape:
        @convention(c) (
            UnsafeMutableRawPointer?, OpaquePointer?, UnsafeMutablePointer<CChar>?
        ) -> Int = { _, _, text in
            guard let text else { return 0 }
            var read = 0
            var write = 0
            func hex(_ byte: CChar) -> Int? {
                switch UInt8(bitPattern: byte) {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(byte) - 48
                case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(byte) - 87
                case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(byte) - 55
                default: return nil
                }
            }
            while text[read] != 0 {
                if text[read] == CChar(UInt8(ascii: "%")), text[read + 1] != 0,
                    let high = hex(text[read + 1]), text[read + 2] != 0, let low = hex(text[read + 2])
                {
                    let decoded = UInt8(high << 4 | low)
                    text[write] = CChar(bitPattern: decoded == 0 ? 0x01 : decoded)
                    read += 3
                } else {
                    text[write] = text[read]
                    read += 1
                }
                write += 1
            }
            text[write] = 0
            return write
        }

    private static let requestCompleted: MHD_RequestCompletedCallback = {
        context,
        _,
        slot,
        _ in
        guard let slot, let state = slot.pointee else { return }
        Unmanaged<Upload>.fromOpaque(state).release()
        slot.pointee = nil
        Unmanaged<HTTPServer>.fromOpaque(context!).takeUnretainedValue().ended()
    }

    /// Called once with headers, then once per body chunk, then once more with no data.
    private func access(
        _ connection: OpaquePointer,
        url: UnsafePointer<CChar>?,
        method: UnsafePointer<CChar>?,
        data: UnsafePointer<CChar>?,
        size: UnsafeMutablePointer<Int>,
        slot: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    ) -> MHD_Result {
        guard let state = slot.pointee else {
            slot.pointee = Unmanaged.passRetained(Upload()).toOpaque()
            began()
            if let length = HTTPServer.header(connection, "Content-Length").flatMap(Int.init),
                length > options.maxBodyBytes
            {
                return queue(
                    connection,
                    ServiceError.payloadTooLarge(limit: options.maxBodyBytes)
                        .response(elapsed: 0)
                )
            }
            return .YES
        }
        let upload = Unmanaged<Upload>.fromOpaque(state).takeUnretainedValue()
        if size.pointee > 0 {
            // Keep reading past the limit without storing, then answer 413 at the end.
            if !upload.isTooLarge, upload.body.count + size.pointee <= options.maxBodyBytes {
                data!.withMemoryRebound(to: UInt8.self, capacity: size.pointee) { bytes in
                    upload.body.append(
                        contentsOf: UnsafeBufferPointer(start: bytes, count: size.pointee)
                    )
                }
            } else {
                upload.isTooLarge = true
                upload.body = []
            }
            size.pointee = 0
            return .YES
        }
        if upload.isTooLarge {
            return queue(
                connection,
                ServiceError.payloadTooLarge(limit: options.maxBodyBytes)
                    .response(elapsed: 0)
            )
        }
        let path = url.map { String(cString: $0) } ?? "/"
        if path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            upload.body = []
            return queue(
                connection,
                ServiceError.invalid("path", "contains a NUL or control character")
                    .response(elapsed: 0)
            )
        }
        // Lower-cased here, in arrival order, so the last of repeated lines is the one kept.
        let headers = HTTPServer.fields(connection, kind: .HEADER_KIND)
            .map { (name, value) in (name.lowercased(), value) }
        var repeated = Set<String>()
        var seen = Set<String>()
        for (name, _) in headers where !seen.insert(name).inserted { repeated.insert(name) }
        let request = Request(
            method: method.map { String(cString: $0) } ?? "GET",
            path: path,
            query: HTTPServer.values(connection, kind: .GET_ARGUMENT_KIND),
            headers: Dictionary(headers, uniquingKeysWith: { _, last in last }),
            body: upload.body,
            repeatedHeaders: repeated
        )
        upload.body = []
        return queue(connection, handler(request))
    }

    private func queue(_ connection: OpaquePointer, _ response: Response) -> MHD_Result {
        let created: OpaquePointer?
        if let file = response.file, let descriptor = file.take() {
            // microhttpd reads the file as the socket drains and closes the descriptor when
            // the response is destroyed (also when creating it fails).
            created = MHD_create_response_from_fd64(file.size, descriptor)
        } else {
            created = response.body.withUnsafeBytes { bytes in
                MHD_create_response_from_buffer(
                    bytes.count,
                    UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                    .RESPMEM_MUST_COPY
                )
            }
        }
        guard let created else { return .NO }
        defer { MHD_destroy_response(created) }
        _ = MHD_add_response_header(created, "Content-Type", response.contentType)
        for (name, value) in response.headers {
            _ = MHD_add_response_header(created, name, value)
        }
        return MHD_queue_response(connection, UInt32(response.status), created)
    }

    // MARK: - Helpers

    private static func header(_ connection: OpaquePointer, _ name: String) -> String? {
        MHD_lookup_connection_value(connection, .HEADER_KIND, name).map { String(cString: $0) }
    }

    /// Collects the headers or query arguments microhttpd parsed (already URL-decoded); the
    /// last value wins for a repeated name.
    private static func values(_ connection: OpaquePointer, kind: MHD_ValueKind) -> [String: String]
    {
        Dictionary(fields(connection, kind: kind), uniquingKeysWith: { _, last in last })
    }

    /// Every (name, value) pair microhttpd parsed, in request order, repeats included.
    private static func fields(_ connection: OpaquePointer, kind: MHD_ValueKind)
        -> [(String, String)]
    {
        final class Box { var values: [(String, String)] = [] }
        let box = Box()
        let iterator: MHD_KeyValueIterator = { context, _, key, value in
            let box = Unmanaged<Box>.fromOpaque(context!).takeUnretainedValue()
            if let key {
                box.values.append((String(cString: key), value.map { String(cString: $0) } ?? ""))
            }
            return .YES
        }
        withExtendedLifetime(box) {
            _ = MHD_get_connection_values(
                connection,
                kind,
                iterator,
                Unmanaged.passUnretained(box).toOpaque()
            )
        }
        return box.values
    }

    /// A non-blocking IPv4 listening socket; binding it ourselves lets port 0 pick a free
    /// port that tests can read back.
    private static func bindListeningSocket(host: String, port: Int) throws -> Int32 {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        let name = host == "localhost" ? "127.0.0.1" : host
        guard inet_pton(AF_INET, name, &address.sin_addr) == 1 else {
            throw HTTPServerError.badHost(host)
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HTTPServerError.socket(call: "socket", errno: errno) }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(fd, 1024) == 0 else {
            let code = errno
            close(fd)
            throw HTTPServerError.socket(call: "bind/listen \(host):\(port)", errno: code)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return fd
    }

    private static func boundPort(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getsockname(fd, $0, &length)
            }
        }
        guard status == 0 else { throw HTTPServerError.socket(call: "getsockname", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
