import Foundation
import VectorStore

/// One audited request. Holds identifiers and outcomes only: never vectors, payloads or
/// bodies, so the audit file can be kept longer and shown more widely than the data.
public struct AuditEntry: Sendable, Equatable {
    /// Wall-clock time of the request, seconds since 1970.
    public var time: Double
    /// `nil` for requests not bound to a tenant (admin API, unauthenticated failures).
    public var tenant: String?
    /// The id of the key used (never the key itself); `nil` for the admin key or none.
    public var keyID: String?
    public var method: String
    /// The route template (`/collections/{collection}/points`), never the concrete path.
    public var route: String
    /// The `{collection}` path parameter, when the route has one.
    public var collection: String?
    public var status: Int
    public var durationSeconds: Double
    public var requestID: String

    /// - Parameters: the fields above, in order.
    public init(time: Double, tenant: String?, keyID: String?, method: String, route: String,
                collection: String?, status: Int, durationSeconds: Double, requestID: String) {
        self.time = time
        self.tenant = tenant
        self.keyID = keyID
        self.method = method
        self.route = route
        self.collection = collection
        self.status = status
        self.durationSeconds = durationSeconds
        self.requestID = requestID
    }

    /// The entry as one JSON line (with its line feed), written field by field: building a
    /// `JSONValue` first cost more than the rest of the request's bookkeeping.
    public var line: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        func field(_ name: String, _ first: Bool = false) {
            out.append(contentsOf: (first ? "{\"" : ",\"").utf8)
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: "\":".utf8)
        }
        func string(_ value: String?) {
            if let value { JSONValue.writeString(value, to: &out) } else {
                out.append(contentsOf: "null".utf8)
            }
        }
        field("time", true)
        string(Self.timestamp(time))
        field("tenant")
        string(tenant)
        field("key_id")
        string(keyID)
        field("method")
        string(method)
        field("route")
        string(route)
        field("collection")
        string(collection)
        field("status")
        out.append(contentsOf: String(status).utf8)
        field("duration_ms")
        JSONValue.writeDouble((durationSeconds * 1e6).rounded() / 1e3, to: &out)
        field("request_id")
        string(requestID)
        out.append(contentsOf: "}\n".utf8)
        return out
    }

    /// The entry as one JSON object.
    public var json: JSONValue {
        [
            "time": .string(Self.timestamp(time)),
            "tenant": tenant.map(JSONValue.string) ?? .null,
            "key_id": keyID.map(JSONValue.string) ?? .null,
            "method": .string(method),
            "route": .string(route),
            "collection": collection.map(JSONValue.string) ?? .null,
            "status": .int(Int64(status)),
            "duration_ms": .double((durationSeconds * 1e6).rounded() / 1e3),
            "request_id": .string(requestID),
        ]
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2023-11-14T22:13:20.000Z`.
    ///
    /// Formatted by hand from `gmtime_r`: a Foundation date formatter costs tens of
    /// microseconds per call, more than the rest of the audit path together.
    static func timestamp(_ time: Double) -> String {
        var seconds = time_t(time.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let milliseconds = min(999, Int(((time - time.rounded(.down)) * 1000).rounded(.down)))
        func padded(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return padded(Int(parts.tm_year) + 1900, 4) + "-" + padded(Int(parts.tm_mon) + 1, 2)
            + "-" + padded(Int(parts.tm_mday), 2) + "T" + padded(Int(parts.tm_hour), 2) + ":"
            + padded(Int(parts.tm_min), 2) + ":" + padded(Int(parts.tm_sec), 2) + "."
            + padded(milliseconds, 3) + "Z"
    }
}

/// Failures of the audit file.
public enum AuditLogError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(path: String, errno: Int32)
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let code):
            return "cannot open audit log \(path): \(String(cString: strerror(code)))"
        case .invalidConfiguration(let message):
            return "invalid audit log configuration: \(message)"
        }
    }
}

/// An append-only JSON-lines audit file, rotated by size and at each UTC day change.
///
/// `record` only appends to an in-memory buffer; a serial queue writes the buffer in batches,
/// so the request thread never waits on the disk. `close()` (and `flush()`) drain that buffer,
/// so entries recorded before a graceful shutdown are on disk when it returns.
///
/// Rotation renames `audit.log` to `audit.log.1`, shifting older ones up and deleting the
/// one past `keepFiles`, the way logrotate numbers them.
public final class AuditLog: @unchecked Sendable {
    /// Tuning for one audit file.
    public struct Options: Sendable {
        /// Rotate once the current file reaches this size.
        public var maxFileBytes: Int = 64 << 20
        /// Rotated files kept besides the current one.
        public var keepFiles: Int = 7
        /// Also rotate when the UTC day changes.
        public var rotateDaily: Bool = true
        public init() {}
    }

    public let path: String
    let options: Options
    private let clock: @Sendable () -> Double
    private let queue = DispatchQueue(label: "vecd.audit")

    private let bufferLock = NSLock()
    private var buffer: [UInt8] = []
    private var isDrainScheduled = false

    // Touched only on `queue`.
    private var descriptor: Int32 = -1
    private var fileBytes = 0
    private var fileDay = 0
    private var isClosed = false

    /// Opens (appending to) or creates the file at `path`.
    /// - Parameter clock: wall-clock seconds since 1970, for the daily rotation; tests inject.
    /// - Throws: `AuditLogError.cannotOpen` naming the path.
    public init(path: String, options: Options = Options(),
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) throws {
        guard options.maxFileBytes > 0, options.keepFiles >= 0 else {
            throw AuditLogError.invalidConfiguration(
                "max file bytes \(options.maxFileBytes), keep files \(options.keepFiles)")
        }
        self.path = path
        self.options = options
        self.clock = clock
        try queue.sync { try openFile() }
    }

    deinit { close() }

    /// Queues `entry` for writing; returns at once.
    public func record(_ entry: AuditEntry) {
        let line = entry.line
        bufferLock.lock()
        buffer.append(contentsOf: line)
        let mustSchedule = !isDrainScheduled
        isDrainScheduled = true
        bufferLock.unlock()
        if mustSchedule { queue.async { self.drain() } }
    }

    /// Waits until every entry recorded so far is written to the file.
    public func flush() {
        queue.sync { drain() }
    }

    /// Writes what is buffered and closes the file; later records are dropped.
    public func close() {
        queue.sync {
            drain()
            guard !isClosed else { return }
            isClosed = true
            if descriptor >= 0 {
                fsync(descriptor)
                Foundation.close(descriptor)
                descriptor = -1
            }
        }
    }

    // MARK: - On the queue

    private func drain() {
        bufferLock.lock()
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        isDrainScheduled = false
        bufferLock.unlock()
        guard !pending.isEmpty, !isClosed else { return }

        // Rotation happens between lines, never inside one: write the whole lines that fit.
        var start = 0
        while start < pending.count {
            rotateIfNeeded(force: false)
            let room = options.maxFileBytes - fileBytes
            if let end = lastLineEnd(in: pending, from: start, within: room) {
                writeAll(pending[start..<end])
                start = end
            } else if fileBytes > 0 {
                rotateIfNeeded(force: true)
            } else {
                // One line longer than a whole file: it gets a file of its own.
                let end = (pending[start...].firstIndex(of: 0x0A) ?? pending.count - 1) + 1
                writeAll(pending[start..<end])
                start = end
            }
        }
    }

    /// The end of the last whole line starting at `start` that fits in `room` bytes.
    private func lastLineEnd(in bytes: [UInt8], from start: Int, within room: Int) -> Int? {
        var found: Int?
        var index = start
        while index < bytes.count && index - start < room {
            if bytes[index] == 0x0A { found = index + 1 }
            index += 1
        }
        return found
    }

    private func writeAll(_ bytes: ArraySlice<UInt8>) {
        guard descriptor >= 0 else { return }
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    // TODO(ops): count dropped audit bytes in a metric once someone alerts on it.
                    return
                }
                offset += written
            }
        }
        fileBytes += bytes.count
    }

    private func rotateIfNeeded(force: Bool) {
        let dayChanged = options.rotateDaily && Self.day(of: clock()) != fileDay && fileBytes > 0
        guard force || fileBytes >= options.maxFileBytes || dayChanged else { return }
        if descriptor >= 0 { Foundation.close(descriptor) }
        descriptor = -1
        shiftRotatedFiles()
        try? openFile()
    }

    private func shiftRotatedFiles() {
        let manager = FileManager.default
        guard options.keepFiles > 0 else {
            try? manager.removeItem(atPath: path)
            return
        }
        try? manager.removeItem(atPath: "\(path).\(options.keepFiles)")
        for index in stride(from: options.keepFiles - 1, through: 1, by: -1) {
            _ = rename("\(path).\(index)", "\(path).\(index + 1)")
        }
        _ = rename(path, "\(path).1")
    }

    private func openFile() throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw AuditLogError.cannotOpen(path: path, errno: errno) }
        descriptor = fd
        var info = stat()
        fileBytes = fstat(fd, &info) == 0 ? Int(info.st_size) : 0
        // An existing file continues the day of its last change, so a restart the next day
        // still rotates yesterday's entries out.
        let modified = fileBytes > 0 ? Double(info.st_mtim.tv_sec) : clock()
        fileDay = Self.day(of: modified)
    }

    static func day(of time: Double) -> Int { Int((time / 86_400).rounded(.down)) }
}
