import VectorIndex

/// The name of the unnamed default vector, as Qdrant spells it on the wire.
public let defaultVectorName = ""

/// A point as written: an id, one vector per configured name, and a JSON payload.
public struct Point: Sendable, Equatable {
    public var id: PointID
    /// Vectors by name; the unnamed default vector is under `defaultVectorName`.
    public var vectors: [String: [Float]]
    public var payload: [String: JSONValue]

    public init(id: PointID, vectors: [String: [Float]], payload: [String: JSONValue] = [:]) {
        self.id = id
        self.vectors = vectors
        self.payload = payload
    }
}

/// A point as read back (Qdrant's `Record`): payload and vectors only when asked for.
public struct Record: Sendable, Equatable {
    public var id: PointID
    public var payload: [String: JSONValue]?
    public var vectors: [String: [Float]]?
    /// The operation that last wrote the point (Qdrant's `version`); not part of a REST
    /// `Record`, but a query ordered by payload answers `ScoredPoint`s, which carry it.
    public var version: UInt64

    public init(
        id: PointID,
        payload: [String: JSONValue]?,
        vectors: [String: [Float]]?,
        version: UInt64 = 0
    ) {
        self.id = id
        self.payload = payload
        self.vectors = vectors
        self.version = version
    }
}

/// A search hit (Qdrant's `ScoredPoint`).
public struct ScoredPoint: Sendable, Equatable {
    public var id: PointID
    /// Higher is better for Cosine and Dot; a distance (lower is better) for Euclid and
    /// Manhattan, as Qdrant reports them. Always finite.
    public var score: Float
    public var version: UInt64
    public var payload: [String: JSONValue]?
    public var vectors: [String: [Float]]?
    /// After a rerank, the score the point had in the search that found it (`score` is then
    /// the reranker's); `nil` otherwise.
    public var retrievalScore: Float?

    public init(
        id: PointID, score: Float, version: UInt64 = 0, payload: [String: JSONValue]? = nil,
        vectors: [String: [Float]]? = nil, retrievalScore: Float? = nil
    ) {
        self.id = id
        self.score = score
        self.version = version
        self.payload = payload
        self.vectors = vectors
        self.retrievalScore = retrievalScore
    }
}

/// Which payload fields a read returns (`with_payload`).
public enum PayloadSelector: Sendable, Equatable {
    case none
    case all
    case include([String])
    case exclude([String])
}

/// Which vectors a read returns (`with_vector`).
public enum VectorSelector: Sendable, Equatable {
    case none
    case all
    case named([String])
}

/// The points an update applies to: listed ids, or every point a filter matches.
public enum PointSelection: Sendable {
    case ids([PointID])
    case filter(Filter)
}

/// How durable a write must be before it is acknowledged.
public enum WriteDurability: Sendable {
    /// `wait=true`: the write is in the synced WAL and visible before the call returns.
    case synced
    /// `wait=false`: the write is applied in order but the WAL is not synced first.
    case buffered
}
