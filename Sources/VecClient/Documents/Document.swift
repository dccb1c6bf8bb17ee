import Foundation

/// The formats `vecd ingest` reads, chosen by file extension.
public enum DocumentFormat: String, Sendable, CaseIterable {
    case plainText = "text"
    case markdown
    case restructuredText = "rst"
    case html

    /// The format for a file name, or `nil` when the extension is not one we read.
    public init?(path: String) {
        switch (path as NSString).pathExtension.lowercased() {
        case "txt", "text": self = .plainText
        case "md", "markdown": self = .markdown
        case "rst", "rest": self = .restructuredText
        case "html", "htm", "xhtml": self = .html
        default: return nil
        }
    }
}

/// A file read for ingestion: its text ready for chunking and what identifies it.
public struct Document: Sendable {
    /// The absolute, standardized path: the `source` payload field and part of each point id.
    public var source: String
    public var format: DocumentFormat
    public var title: String
    public var text: String
    /// SHA-1 hex of the file's bytes; with the chunking settings it decides whether a file
    /// changed since the last ingest.
    public var contentHash: String
}

/// Why a file was not read.
public enum DocumentError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case binary(path: String, reason: String)

    public var path: String {
        switch self {
        case .unreadable(let path, _), .binary(let path, _): return path
        }
    }

    /// What went wrong, without the path.
    public var reason: String {
        switch self {
        case .unreadable(_, let reason): return "cannot read: \(reason)"
        case .binary(_, let reason): return "not text (\(reason)), skipped"
        }
    }

    public var description: String { "\(path): \(reason)" }
}

/// Reads files into `Document`s.
public enum DocumentReader {
    /// Share of bytes in invalid UTF-8 sequences above which a file counts as binary; a few
    /// stray Latin-1 bytes in an otherwise UTF-8 page are tolerated (replaced by U+FFFD).
    public static let maximumInvalidUTF8Share = 0.01

    /// Reads and converts one file. Files with an unknown extension are read as plain text.
    /// - Throws: `DocumentError` when the file cannot be read or is not text.
    public static func read(path: String) throws(DocumentError) -> Document {
        let source = absolutePath(path)
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: source))
        } catch {
            throw .unreadable(path: source, reason: Self.reason(for: error))
        }
        let bytes = [UInt8](data)
        let raw = try decodeText(bytes, path: source)
        let format = DocumentFormat(path: source) ?? .plainText
        let (title, text) = convert(
            raw,
            format: format,
            fileName: (source as NSString).lastPathComponent
        )
        return Document(
            source: source,
            format: format,
            title: title,
            text: text,
            contentHash: SHA1.hex(SHA1.digest(bytes))
        )
    }

    /// Title and chunkable text of decoded file content.
    public static func convert(
        _ raw: String,
        format: DocumentFormat,
        fileName: String
    )
        -> (title: String, text: String)
    {
        switch format {
        case .html:
            let extracted = HTMLTextExtractor.extract(raw)
            return (extracted.title ?? fileName, extracted.text)
        case .markdown:
            let text = normalizedLines(raw)
            return (LightMarkup.markdownTitle(text) ?? fileName, text)
        case .restructuredText:
            let text = normalizedLines(raw)
            return (LightMarkup.restructuredTextTitle(text) ?? fileName, text)
        case .plainText:
            return (fileName, normalizedLines(raw))
        }
    }

    /// Decodes UTF-8 (with or without BOM), refusing what looks binary.
    /// - Throws: `DocumentError.binary` on a NUL byte or too many invalid UTF-8 sequences.
    public static func decodeText(_ bytes: [UInt8], path: String) throws(DocumentError) -> String {
        if let nul = bytes.firstIndex(of: 0) {
            throw .binary(path: path, reason: "NUL byte at offset \(nul)")
        }
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        let invalid = invalidUTF8ByteCount(body)
        if invalid > 0 && Double(invalid) > maximumInvalidUTF8Share * Double(body.count) {
            throw .binary(
                path: path,
                reason: "\(invalid) of \(body.count) bytes are not valid UTF-8"
            )
        }
        return String(decoding: body, as: UTF8.self)
    }

    /// Bytes that belong to no valid UTF-8 sequence (each counted once).
    static func invalidUTF8ByteCount(_ bytes: ArraySlice<UInt8>) -> Int {
        var invalid = 0
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: break loop
            case .error: invalid += 1
            }
        }
        return invalid
    }

    /// `\r\n` and lone `\r` become `\n`; outer blank space is trimmed.
    static func normalizedLines(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n")
            .replacingOccurrences(of: "\r", with: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `path` made absolute against the working directory, with `.`/`..` resolved.
    ///
    /// TODO(ingest): Foundation's `standardizingPath` on Linux also resolves symbolic links,
    /// and resolves a relative link target against the working directory rather than the
    /// link's folder, so a file reached through a link gets its target's path as `source`
    /// (or, for a relative link, a path that depends on where `vecd` ran). Lexical
    /// standardization would give stable sources; changing it re-keys existing collections,
    /// so it needs a migration note.
    public static func absolutePath(_ path: String) -> String {
        let absolute =
            path.hasPrefix("/")
            ? path : FileManager.default.currentDirectoryPath + "/" + path
        return (absolute as NSString).standardizingPath
    }

    private static func reason(for error: Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return nsError.localizedDescription
    }
}
