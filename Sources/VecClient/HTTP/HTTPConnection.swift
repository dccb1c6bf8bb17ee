import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One blocking HTTP/1.1 connection: writes a request, reads one response (`Content-Length`,
/// chunked, or until close), and can be reused while the server keeps it open.
///
/// Blocking `send`/`recv` with socket timeouts, on purpose: the client has one request in
/// flight at a time and spends most of it waiting for server-side embedding, and a blocked
/// `recv` costs no CPU while it waits. (FoundationNetworking's URLSession was measured polling
/// about 1,700 times a second while the server embedded a batch whose request body exceeded
/// 64 KB: 9.6 s of system CPU in a 38 s run, taken from the two cores the server embeds on.)
final class HTTPConnection {
    private let socket: Int32
    private var buffer: [UInt8] = []
    /// Start of the unread bytes in `buffer`.
    private var readIndex = 0
    /// Whether any byte of an answer to the current request arrived: if none did, the
    /// request can be sent again elsewhere without the server having acted on it twice.
    private(set) var hasReceivedBytes = false

    /// Connects to `host:port`, trying each address the name resolves to.
    /// - Throws: `ClientError.connection` naming the address and the system error.
    init(host: String, port: Int, timeout: Double) throws(ClientError) {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let resolved = getaddrinfo(host, String(port), &hints, &list)
        guard resolved == 0, let first = list else {
            throw .connection(
                url: "http://\(host):\(port)",
                message: "cannot resolve host: \(String(cString: gai_strerror(resolved)))"
            )
        }
        defer { freeaddrinfo(list) }

        var lastError = ECONNREFUSED
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            let descriptor = Glibc.socket(
                address.pointee.ai_family,
                address.pointee.ai_socktype,
                address.pointee.ai_protocol
            )
            guard descriptor >= 0 else {
                lastError = errno
                continue
            }
            Self.configure(descriptor, timeout: timeout)
            if Glibc.connect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 {
                socket = descriptor
                return
            }
            lastError = errno
            Glibc.close(descriptor)
        }
        throw .connection(
            url: "http://\(host):\(port)",
            message: String(cString: strerror(lastError))
        )
    }

    deinit { Glibc.close(socket) }

    /// Timeouts for every `send` and `recv`, and no Nagle delay for the small requests.
    private static func configure(_ descriptor: Int32, timeout: Double) {
        var interval = timeval(
            tv_sec: Int(timeout),
            tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000)
        )
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &interval, size)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &interval, size)
        var on: Int32 = 1
        setsockopt(
            descriptor,
            Int32(IPPROTO_TCP),
            TCP_NODELAY,
            &on,
            socklen_t(MemoryLayout<Int32>.size)
        )
    }

    /// Writes all of `bytes`, starting a new request.
    func write(_ bytes: [UInt8]) throws(ClientError) {
        hasReceivedBytes = false
        // Drop what earlier answers consumed. Only here, between exchanges: while an answer is
        // being parsed, positions into the buffer must stay valid.
        buffer.removeFirst(readIndex)
        readIndex = 0
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a peer that closed must become an error here, not a SIGPIPE.
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw systemError("send")
            }
            offset += sent
        }
    }

    /// Reads one whole response, skipping interim `1xx` answers.
    /// - Returns: the response and whether the connection may carry another request.
    func readResponse(toHEAD isHEAD: Bool = false) throws(ClientError) -> (HTTPResponse, Bool) {
        try finish(try readHeadSkippingInterim(), isHEAD: isHEAD)
    }

    /// Reads one response like `readResponse`, except that a 2xx body with a
    /// `Content-Length` goes to `sink` piece by piece instead of into the answer, so a
    /// multi-GB download needs no more memory than one receive buffer.
    /// - Parameter sink: takes each piece in order; returns `false` to abandon the body.
    /// - Returns: the response (its `body` empty when streamed) and whether the connection
    ///   may carry another request; `nil` when `sink` refused a piece.
    func readResponse(
        streamingTo sink: (ArraySlice<UInt8>) -> Bool
    ) throws(ClientError) -> (HTTPResponse, Bool)? {
        let head = try readHeadSkippingInterim()
        guard (200..<300).contains(head.status), head.headers["transfer-encoding"] == nil,
            let length = head.headers["content-length"].flatMap({ Int($0) }), length >= 0
        else {
            return try finish(head, isHEAD: false)
        }
        var remaining = length
        while remaining > 0 {
            if readIndex == buffer.count {
                // Everything received was handed on: nothing points into the buffer.
                buffer.removeAll(keepingCapacity: true)
                readIndex = 0
                guard try fill() else { throw protocolError("connection closed in the body") }
            }
            let take = min(remaining, buffer.count - readIndex)
            guard sink(buffer[readIndex..<readIndex + take]) else { return nil }
            readIndex += take
            remaining -= take
        }
        let keepsAlive =
            head.version == "HTTP/1.1" && head.headers["connection"]?.lowercased() != "close"
        return (HTTPResponse(status: head.status, headers: head.headers, body: []), keepsAlive)
    }

    private func readHeadSkippingInterim() throws(ClientError) -> Head {
        while true {
            let head = try readHead()
            if !(100..<200).contains(head.status) { return head }
        }
    }

    /// The body of `head`'s answer, read whole, and whether the connection stays usable.
    private func finish(_ head: Head, isHEAD: Bool) throws(ClientError) -> (HTTPResponse, Bool) {
        let framing = head.headers["transfer-encoding"]?.lowercased() ?? ""
        var keepsAlive =
            head.version == "HTTP/1.1" && head.headers["connection"]?.lowercased() != "close"
        let body: [UInt8]
        if isHEAD || head.status == 204 || head.status == 304 {
            body = []
        } else if framing.contains("chunked") {
            body = try readChunkedBody()
        } else if let lengthText = head.headers["content-length"] {
            guard let length = Int(lengthText), length >= 0 else {
                throw protocolError("bad Content-Length '\(lengthText)'")
            }
            body = try readExactly(length)
        } else {
            body = try readToEnd()
            keepsAlive = false
        }
        return (HTTPResponse(status: head.status, headers: head.headers, body: body), keepsAlive)
    }

    // MARK: - Parsing

    private struct Head {
        var version: String
        var status: Int
        var headers: [String: String]
    }

    private func readHead() throws(ClientError) -> Head {
        let text = try readLinesUntilBlank()
        var lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        guard !lines.isEmpty else { throw protocolError("empty response") }
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2)
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/"),
            let status = Int(statusLine[1])
        else {
            throw protocolError("bad status line '\(text.prefix(80))'")
        }
        var headers: [String: String] = [:]
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { $0 + ", " + value } ?? value
        }
        return Head(version: String(statusLine[0]), status: status, headers: headers)
    }

    /// The bytes up to (not including) the next `\r\n\r\n`, consumed with it.
    private func readLinesUntilBlank() throws(ClientError) -> String {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var searchFrom = readIndex
        while true {
            if let end = find(terminator, from: searchFrom) {
                let text = String(decoding: buffer[readIndex..<end], as: UTF8.self)
                readIndex = end + terminator.count
                return text
            }
            searchFrom = max(readIndex, buffer.count - terminator.count + 1)
            guard try fill() else { throw protocolError("connection closed in the headers") }
        }
    }

    /// One `\r\n`-terminated line, consumed with its terminator.
    private func readLine() throws(ClientError) -> String {
        while true {
            if let end = find([13, 10], from: readIndex) {
                let text = String(decoding: buffer[readIndex..<end], as: UTF8.self)
                readIndex = end + 2
                return text
            }
            guard try fill() else { throw protocolError("connection closed in a chunk header") }
        }
    }

    private func readChunkedBody() throws(ClientError) -> [UInt8] {
        var body: [UInt8] = []
        while true {
            let line = try readLine()
            let sizeText = line.split(separator: ";", maxSplits: 1).first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16),
                size >= 0
            else {
                throw protocolError("bad chunk size '\(line.prefix(20))'")
            }
            if size == 0 {
                while try !readLine().isEmpty {}  // trailers end with an empty line
                return body
            }
            body += try readExactly(size)
            guard try readLine().isEmpty else { throw protocolError("chunk longer than its size") }
        }
    }

    private func readExactly(_ count: Int) throws(ClientError) -> [UInt8] {
        while buffer.count - readIndex < count {
            guard try fill() else { throw protocolError("connection closed in the body") }
        }
        let bytes = Array(buffer[readIndex..<readIndex + count])
        readIndex += count
        return bytes
    }

    private func readToEnd() throws(ClientError) -> [UInt8] {
        while try fill() {}
        let bytes = Array(buffer[readIndex...])
        readIndex = buffer.count
        return bytes
    }

    /// Receives more bytes into the buffer; `false` at end of stream.
    private func fill() throws(ClientError) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let received = chunk.withUnsafeMutableBytes {
                Glibc.recv(socket, $0.baseAddress, $0.count, 0)
            }
            if received < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK {
                    throw .connection(url: "", message: "timed out waiting for the answer")
                }
                throw systemError("recv")
            }
            if received == 0 { return false }
            hasReceivedBytes = true
            buffer.append(contentsOf: chunk[0..<received])
            return true
        }
    }

    private func find(_ pattern: [UInt8], from start: Int) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        var index = max(start, readIndex)
        while index + pattern.count <= buffer.count {
            if buffer[index] == pattern[0]
                && buffer[index..<index + pattern.count].elementsEqual(pattern)
            {
                return index
            }
            index += 1
        }
        return nil
    }

    private func systemError(_ call: String) -> ClientError {
        .connection(url: "", message: "\(call): \(String(cString: strerror(errno)))")
    }

    private func protocolError(_ message: String) -> ClientError {
        .connection(url: "", message: "malformed HTTP answer: \(message)")
    }
}
