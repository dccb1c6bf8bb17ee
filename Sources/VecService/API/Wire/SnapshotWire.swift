import Foundation
import VectorStore

/// Snapshot bodies: Qdrant's `SnapshotDescription`, `SnapshotRecover` and multipart uploads.
enum SnapshotWire {
    /// `{"name", "creation_time", "size", "checksum"}`; the time as Qdrant writes it
    /// (UTC, no zone suffix).
    static func description(_ snapshot: SnapshotDescription) -> JSONValue {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return [
            "name": .string(snapshot.name),
            "creation_time": .string(formatter.string(from: snapshot.creationTime)),
            "size": .int(Int64(snapshot.size)),
            "checksum": snapshot.checksum.map { .string($0) } ?? .null,
        ]
    }

    /// `{"location": "file:///…", "checksum": "…"?, "priority": …?}` → location, checksum.
    static func recover(_ body: WireObject) throws -> (location: String, checksum: String?) {
        let location = try body.required("location", body.string)
        let checksum = try body.string("checksum")
        if let priority = try body.string("priority"),
            !["snapshot", "replica", "no_sync"].contains(priority)
        {
            throw ServiceError.invalid("priority", "unknown priority `\(priority)`")
        }
        return (location, checksum?.lowercased())
    }

    /// The archive bytes of an upload: the `snapshot` part of a `multipart/form-data` body
    /// (what `curl -F snapshot=@file` and qdrant-client send), or the raw body otherwise.
    ///
    /// - Throws: `invalidArgument(field: "snapshot")` for a multipart body without that part.
    static func uploadedArchive(_ request: Request) throws -> [UInt8] {
        let contentType = request.header("content-type") ?? ""
        guard contentType.lowercased().hasPrefix("multipart/form-data") else {
            guard !request.body.isEmpty else {
                throw ServiceError.invalid("snapshot", "the request body is empty")
            }
            return request.body
        }
        guard let boundary = parameter("boundary", in: contentType) else {
            throw ServiceError.invalid("snapshot", "multipart body without a boundary")
        }
        guard let part = MultipartBody.part(named: "snapshot", in: request.body, boundary: boundary)
        else {
            throw ServiceError.invalid("snapshot", "multipart body has no `snapshot` part")
        }
        return part
    }

    private static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";") {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2,
                pair[0].trimmingCharacters(in: .whitespaces).lowercased() == name
            else { continue }
            return pair[1].trimmingCharacters(in: .whitespaces)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return nil
    }
}

/// Just enough of RFC 7578 to take one named file part out of a `multipart/form-data` body.
enum MultipartBody {
    /// The contents of the part whose `Content-Disposition` names `name`.
    static func part(named name: String, in body: [UInt8], boundary: String) -> [UInt8]? {
        let delimiter = Array("--\(boundary)".utf8)
        let headerEnd = Array("\r\n\r\n".utf8)
        var cursor = 0
        while let start = find(delimiter, in: body, from: cursor) {
            let headersStart = start + delimiter.count + 2
            guard headersStart <= body.count,
                let headersStop = find(headerEnd, in: body, from: headersStart)
            else { return nil }
            let headers = String(decoding: body[headersStart..<headersStop], as: UTF8.self)
            let contentStart = headersStop + headerEnd.count
            guard let next = find(Array("\r\n".utf8) + delimiter, in: body, from: contentStart)
            else { return nil }
            let disposition = headers.lowercased()
            if disposition.contains("name=\"\(name)\"") || disposition.contains("name=\(name);") {
                return Array(body[contentStart..<next])
            }
            cursor = next + 2
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count,
            start <= haystack.count - needle.count
        else { return nil }
        let first = needle[0]
        var index = start
        while index <= haystack.count - needle.count {
            if haystack[index] == first,
                haystack[index..<(index + needle.count)].elementsEqual(needle)
            {
                return index
            }
            index += 1
        }
        return nil
    }
}
