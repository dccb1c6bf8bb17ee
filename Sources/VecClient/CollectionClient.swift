import VecCore

/// The REST calls `vecd ingest` and `vecd query` make against one collection, with retries.
///
/// Wire names are Qdrant's (see `shared/contract/qdrant-rest.md` §1.3) plus our inference
/// extension: points and queries may carry `{"text": …}` instead of a vector, and the server
/// embeds them.
public final class CollectionClient: @unchecked Sendable {
    public let http: any HTTPTransport
    public let collection: String
    public var retry: RetryPolicy
    /// Told about each transient failure before the retry wait (for progress output).
    public var onRetry: (ClientError, Double) -> Void = { _, _ in }

    public init(http: any HTTPTransport, collection: String, retry: RetryPolicy = .standard) {
        self.http = http
        self.collection = collection
        self.retry = retry
    }

    /// `/collections/{name}` with the name percent-encoded as one path segment.
    var collectionPath: String { "/collections/" + Self.encodePathSegment(collection) }

    /// Whether the collection exists (`GET /collections/{c}/exists`).
    public func exists() throws(ClientError) -> Bool {
        let path = collectionPath + "/exists"
        let json = try call("GET", path)
        guard let exists = json["result"]?["exists"]?.boolValue else {
            throw .invalidResponse(method: "GET", path: path, message: "no result.exists")
        }
        return exists
    }

    /// Creates the collection for server-side embedding with Cosine distance.
    /// - Parameters:
    ///   - dimension: the embedding model's output size.
    ///   - model: sent as our `embedding_model` extension; `nil` leaves the server's default.
    public func create(dimension: Int, model: String?) throws(ClientError) {
        var body: [String: JSONValue] = [
            "vectors": ["size": .int(Int64(dimension)), "distance": "Cosine"]
        ]
        if let model { body["embedding_model"] = .string(model) }
        _ = try call("PUT", collectionPath, body: .object(body))
    }

    /// Declares a keyword payload index (`PUT /collections/{c}/index`) so that the per-file
    /// filters of the ingest loop do not scan the whole collection.
    public func createKeywordIndex(field: String) throws(ClientError) {
        let body: JSONValue = ["field_name": .string(field), "field_schema": "keyword"]
        _ = try call("PUT", collectionPath + "/index?wait=true", body: body)
    }

    /// Upserts points and waits until they are applied, so that a following count sees them.
    public func upsert(points: [JSONValue]) throws(ClientError) {
        _ = try call("PUT", collectionPath + "/points?wait=true", body: ["points": .array(points)])
    }

    /// Deletes every point that matches `filter`.
    public func delete(filter: JSONValue) throws(ClientError) {
        _ = try call("POST", collectionPath + "/points/delete?wait=true", body: ["filter": filter])
    }

    /// The exact number of points that match `filter`.
    /// - Parameter filter: `nil` counts every point.
    public func count(filter: JSONValue? = nil) throws(ClientError) -> Int {
        let path = collectionPath + "/points/count"
        var body: [String: JSONValue] = ["exact": true]
        if let filter { body["filter"] = filter }
        let json = try call("POST", path, body: .object(body))
        guard let count = json["result"]?["count"]?.intValue else {
            throw .invalidResponse(method: "POST", path: path, message: "no result.count")
        }
        return Int(count)
    }

    /// The `source` of every file stored by `vecd ingest`: the payload of each file's chunk 0,
    /// scrolled `pageSize` points at a time.
    public func storedSources(pageSize: Int = 1000) throws(ClientError) -> [String] {
        let path = collectionPath + "/points/scroll"
        var sources: [String] = []
        var offset: JSONValue?
        repeat {
            var body: [String: JSONValue] = [
                "limit": .int(Int64(pageSize)), "with_payload": ["source"], "with_vector": false,
                "filter": ["must": [["key": "chunk", "match": ["value": 0]]]],
            ]
            if let offset { body["offset"] = offset }
            let json = try call("POST", path, body: .object(body))
            guard let points = json["result"]?["points"]?.arrayValue else {
                throw .invalidResponse(method: "POST", path: path, message: "no result.points")
            }
            sources += points.compactMap { $0["payload"]?["source"]?.stringValue }
            // Spelled out: `JSONValue` takes `nil` as a literal for `.null`, so a closure
            // returning `nil` here would make `.some(.null)` and page from the start forever.
            if let next = json["result"]?["next_page_offset"], !next.isNull {
                offset = next
            } else {
                offset = nil
            }
        } while offset != nil
        return sources
    }

    /// Runs a `POST /points/query` body and returns the whole answer (envelope included).
    public func query(_ body: JSONValue) throws(ClientError) -> JSONValue {
        try call("POST", collectionPath + "/points/query", body: body)
    }

    private func call(
        _ method: String,
        _ path: String,
        body: JSONValue? = nil
    )
        throws(ClientError) -> JSONValue
    {
        try retry.run(onRetry: onRetry) { () throws(ClientError) -> JSONValue in
            try http.sendJSON(method, path, body: body)
        }
    }

    /// Percent-encodes everything outside RFC 3986's unreserved set, so a collection name can
    /// never add path segments or a query string.
    static func encodePathSegment(_ segment: String) -> String {
        var out = ""
        for byte in segment.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = Array("0123456789ABCDEF")
                out += "%" + String(hex[Int(byte >> 4)]) + String(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}

/// Filters the ingest loop sends, in Qdrant's filter language.
public enum IngestFilters {
    /// Points of one source file.
    public static func source(_ source: String) -> JSONValue {
        ["must": [sourceCondition(source)]]
    }

    /// Points of one source file stored from content with hash `hash`.
    public static func source(_ source: String, hash: String) -> JSONValue {
        [
            "must": [
                sourceCondition(source), ["key": "source_hash", "match": ["value": .string(hash)]],
            ]
        ]
    }

    /// Points of one source file whose chunk number is `first` or more: the stale tail left
    /// when a changed file now has fewer chunks.
    public static func source(_ source: String, chunksFrom first: Int) -> JSONValue {
        [
            "must": [
                sourceCondition(source), ["key": "chunk", "range": ["gte": .int(Int64(first))]],
            ]
        ]
    }

    private static func sourceCondition(_ source: String) -> JSONValue {
        ["key": "source", "match": ["value": .string(source)]]
    }
}
