// In-memory payload indexes, one per indexed key. Each kind indexes exactly the payload values
// that can satisfy the conditions it answers, so its answer is always a superset of the points
// a condition matches; the caller still checks every candidate with `Filter.matches`, and an
// index can therefore never change a result, only how fast it is found.

/// What an index returns for a condition: candidate slots, and whether every candidate is
/// known to match (so a count needs no payload checks).
public struct IndexAnswer: Sendable {
    public var slots: SlotSet
    public var isExact: Bool
}

/// One payload index: a key, its schema, and the structure for the schema's kind.
public struct PayloadIndex: Sendable {
    public let path: PayloadPath
    public let schema: PayloadFieldSchema
    /// Slots with at least one indexed value (Qdrant's `points` in `payload_schema`).
    public private(set) var indexedSlots = SlotSet()
    private var storage: any FieldIndexStorage

    /// An empty index; feed it every existing point with `add(slot:payload:)`.
    public init(path: PayloadPath, schema: PayloadFieldSchema) {
        self.path = path
        self.schema = schema
        switch schema.kind {
        case .keyword: storage = KeywordStorage()
        case .integer, .float: storage = NumericStorage()
        case .datetime: storage = DatetimeStorage()
        case .bool: storage = BoolStorage()
        case .uuid: storage = UUIDStorage()
        case .text: storage = TextStorage(tokenizer: schema.tokenizer)
        case .geo: storage = GeoStorage()
        }
    }

    /// Indexes the values the point holds at `path`.
    ///
    /// - Complexity: O(values × log n) for ordered kinds, O(values) for hashed ones.
    public mutating func add(slot: UInt32, payload: [String: JSONValue]) {
        var indexedAny = false
        for value in path.flattenedValues(in: payload) where storage.add(value, slot: slot) {
            indexedAny = true
        }
        if indexedAny { indexedSlots.insert(slot) }
    }

    /// Forgets the point; `payload` must be the payload it was added with.
    public mutating func remove(slot: UInt32, payload: [String: JSONValue]) {
        for value in path.flattenedValues(in: payload) { storage.remove(value, slot: slot) }
        indexedSlots.remove(slot)
    }

    /// The candidates for a field condition on this index's key; `nil` when this index
    /// cannot answer it (then every point is a candidate).
    public func answer(_ condition: FieldCondition) -> IndexAnswer? {
        // These tests take precedence in evaluation and are not indexed.
        guard condition.valuesCount == nil, condition.isEmpty == nil, condition.isNull == nil
        else { return nil }
        var answers: [IndexAnswer] = []
        if let match = condition.match {
            guard let answer = storage.answer(match) else { return nil }
            answers.append(answer)
        }
        if let range = condition.range {
            guard let answer = storage.answer(range) else { return nil }
            answers.append(answer)
        }
        for shape in GeoShape.all(of: condition) {
            guard let answer = storage.answer(shape) else { return nil }
            answers.append(answer)
        }
        // The value tests of one condition are alternatives.
        guard var combined = answers.first else { return nil }
        for answer in answers.dropFirst() {
            combined.slots.formUnion(answer.slots)
            combined.isExact = combined.isExact && answer.isExact
        }
        return combined
    }
}

/// The geo tests of a field condition, as one type for the index.
enum GeoShape {
    case box(GeoBoundingBox)
    case radius(GeoRadius)
    case polygon(GeoPolygon)

    static func all(of condition: FieldCondition) -> [GeoShape] {
        var shapes: [GeoShape] = []
        if let box = condition.geoBoundingBox { shapes.append(.box(box)) }
        if let radius = condition.geoRadius { shapes.append(.radius(radius)) }
        if let polygon = condition.geoPolygon { shapes.append(.polygon(polygon)) }
        return shapes
    }

    func contains(_ point: GeoPoint) -> Bool {
        switch self {
        case .box(let box): return box.contains(point)
        case .radius(let radius): return radius.contains(point)
        case .polygon(let polygon): return polygon.contains(point)
        }
    }

    /// Latitudes outside this band cannot be inside the shape.
    var latitudeBand: (Double, Double) {
        switch self {
        case .box(let box):
            return (box.bottomRight.lat, box.topLeft.lat)
        case .radius(let radius):
            // No point closer than `radius` differs in latitude by more than radius / R
            // radians: the meridian is the shortest path between two latitudes.
            let degrees = radius.radius / meanEarthRadiusMetres * 180 / Double.pi + 1e-9
            return (radius.center.lat - degrees, radius.center.lat + degrees)
        case .polygon(let polygon):
            let bounds = polygon.bounds
            return (bounds.minLat, bounds.maxLat)
        }
    }
}

/// The per-kind structure behind a `PayloadIndex`.
protocol FieldIndexStorage: Sendable {
    /// Indexes one value (already taken out of a leaf array); false when the kind ignores it.
    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool
    mutating func remove(_ value: JSONValue, slot: UInt32)
    func answer(_ match: MatchCondition) -> IndexAnswer?
    func answer(_ range: RangeCondition) -> IndexAnswer?
    func answer(_ shape: GeoShape) -> IndexAnswer?
}

extension FieldIndexStorage {
    func answer(_ match: MatchCondition) -> IndexAnswer? { nil }
    func answer(_ range: RangeCondition) -> IndexAnswer? { nil }
    func answer(_ shape: GeoShape) -> IndexAnswer? { nil }
}

/// Slot sets keyed by a hashable value, shared by the keyword, uuid and text kinds.
struct Postings<Value: Hashable & Sendable>: Sendable {
    private(set) var sets: [Value: SlotSet] = [:]

    mutating func add(_ value: Value, _ slot: UInt32) {
        sets[value, default: SlotSet()].insert(slot)
    }

    mutating func remove(_ value: Value, _ slot: UInt32) {
        guard sets[value]?.remove(slot) == true else { return }
        if sets[value]?.isEmpty == true { sets[value] = nil }
    }

    subscript(value: Value) -> SlotSet { sets[value] ?? SlotSet() }

    func union(_ values: some Sequence<Value>) -> SlotSet {
        var result = SlotSet()
        for value in values { if let slots = sets[value] { result.formUnion(slots) } }
        return result
    }
}

/// `keyword`: string values. Answers equality, `any` and `prefix`.
struct KeywordStorage: FieldIndexStorage {
    var postings = Postings<String>()

    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool {
        guard case .string(let text) = value else { return false }
        postings.add(text, slot)
        return true
    }

    mutating func remove(_ value: JSONValue, slot: UInt32) {
        if case .string(let text) = value { postings.remove(text, slot) }
    }

    func answer(_ match: MatchCondition) -> IndexAnswer? {
        switch match {
        case .keyword(let text): return IndexAnswer(slots: postings[text], isExact: true)
        case .anyKeyword(let texts): return IndexAnswer(slots: postings.union(texts), isExact: true)
        case .prefix(let prefix):
            // TODO(filter): a sorted key list would make this O(log n + hits) for the keyword
            // `prefix` option; a scan of the distinct values is fine up to ~10^5 of them.
            let keys = postings.sets.keys.filter { $0.utf8.starts(with: prefix.utf8) }
            return IndexAnswer(slots: postings.union(keys), isExact: true)
        default:
            return nil
        }
    }
}

/// `integer` and `float`: every numeric value, ordered as a double, for numeric ranges; and
/// the JSON integers apart, by exact value, for integer equality and `any`.
struct NumericStorage: FieldIndexStorage {
    var entries = SortedEntries<Double>()
    /// Only `.int` values: `match` compares integers exactly and never matches a float 3.0
    /// for `value: 3`, so equality answered from here needs no payload check.
    var integers = SortedEntries<Int64>()

    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool {
        guard let number = value.numberValue else { return false }
        entries.insert(.init(key: number, slot: slot))
        if case .int(let integer) = value { integers.insert(.init(key: integer, slot: slot)) }
        return true
    }

    mutating func remove(_ value: JSONValue, slot: UInt32) {
        guard let number = value.numberValue else { return }
        entries.remove(.init(key: number, slot: slot))
        if case .int(let integer) = value { integers.remove(.init(key: integer, slot: slot)) }
    }

    func answer(_ match: MatchCondition) -> IndexAnswer? {
        switch match {
        case .integer(let number):
            return IndexAnswer(slots: slots(equalTo: number), isExact: true)
        case .anyInteger(let numbers):
            var result = SlotSet()
            for number in numbers { result.formUnion(slots(equalTo: number)) }
            return IndexAnswer(slots: result, isExact: true)
        default:
            return nil
        }
    }

    func answer(_ range: RangeCondition) -> IndexAnswer? {
        guard case .number(let bounds) = range else { return nil }
        return IndexAnswer(slots: entries.slots(in: bounds), isExact: true)
    }

    private func slots(equalTo number: Int64) -> SlotSet {
        integers.slots(in: Bounds(gte: number, lte: number))
    }
}

/// `datetime`: strings that parse as datetimes, in microseconds. Answers datetime ranges.
struct DatetimeStorage: FieldIndexStorage {
    var entries = SortedEntries<Int64>()

    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool {
        guard let micros = value.stringValue.flatMap(PayloadDatetime.microseconds) else {
            return false
        }
        entries.insert(.init(key: micros, slot: slot))
        return true
    }

    mutating func remove(_ value: JSONValue, slot: UInt32) {
        guard let micros = value.stringValue.flatMap(PayloadDatetime.microseconds) else { return }
        entries.remove(.init(key: micros, slot: slot))
    }

    func answer(_ range: RangeCondition) -> IndexAnswer? {
        guard case .datetime(let bounds) = range else { return nil }
        return IndexAnswer(slots: entries.slots(in: bounds), isExact: true)
    }
}

/// `bool`: answers `value: true/false`.
struct BoolStorage: FieldIndexStorage {
    var postings = Postings<Bool>()

    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool {
        guard case .bool(let flag) = value else { return false }
        postings.add(flag, slot)
        return true
    }

    mutating func remove(_ value: JSONValue, slot: UInt32) {
        if case .bool(let flag) = value { postings.remove(flag, slot) }
    }

    func answer(_ match: MatchCondition) -> IndexAnswer? {
        guard case .bool(let flag) = match else { return nil }
        return IndexAnswer(slots: postings[flag], isExact: true)
    }
}

/// `uuid`: strings that parse as UUIDs, by value. Answers equality and `any` on UUID strings;
/// candidates are not exact because `match` compares the spelling.
struct UUIDStorage: FieldIndexStorage {
    var postings = Postings<PointID>()

    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool {
        guard let uuid = value.stringValue.flatMap(PointID.init(uuidString:)) else { return false }
        postings.add(uuid, slot)
        return true
    }

    mutating func remove(_ value: JSONValue, slot: UInt32) {
        if let uuid = value.stringValue.flatMap(PointID.init(uuidString:)) {
            postings.remove(uuid, slot)
        }
    }

    func answer(_ match: MatchCondition) -> IndexAnswer? {
        let texts: [String]
        switch match {
        case .keyword(let text): texts = [text]
        case .anyKeyword(let set): texts = Array(set)
        default: return nil
        }
        // A string that is not a UUID may still equal an unindexed (non-UUID) stored value.
        let uuids = texts.compactMap(PointID.init(uuidString:))
        guard uuids.count == texts.count else { return nil }
        return IndexAnswer(slots: postings.union(uuids), isExact: false)
    }
}

/// `text`: token postings under the index's tokenizer. Answers `text` (all tokens),
/// `text_any` (any token) and `phrase` (all tokens; order is checked on the payload).
struct TextStorage: FieldIndexStorage {
    let tokenizer: TextTokenizer
    var postings = Postings<String>()

    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool {
        guard case .string(let text) = value else { return false }
        for token in Set(tokenizer.documentTokens(text)) { postings.add(token, slot) }
        return true
    }

    mutating func remove(_ value: JSONValue, slot: UInt32) {
        guard case .string(let text) = value else { return }
        for token in Set(tokenizer.documentTokens(text)) { postings.remove(token, slot) }
    }

    func answer(_ match: MatchCondition) -> IndexAnswer? {
        switch match {
        case .text(let query), .phrase(let query):
            let tokens = tokenizer.queryTokens(query.text)
            guard var result = tokens.first.map({ postings[$0] }) else {
                return IndexAnswer(slots: SlotSet(), isExact: true)
            }
            for token in tokens.dropFirst() { result.formIntersection(postings[token]) }
            // Several strings of one point may share the tokens between them.
            return IndexAnswer(slots: result, isExact: false)
        case .textAny(let query):
            let slots = postings.union(tokenizer.queryTokens(query.text))
            return IndexAnswer(slots: slots, isExact: true)
        default:
            return nil
        }
    }
}

/// `geo`: points ordered by latitude, so a shape scans only its latitude band and tests each
/// point exactly. Points with out-of-range coordinates are kept apart and always tested.
struct GeoStorage: FieldIndexStorage {
    struct Key: Comparable, Sendable {
        var lat: Double
        var lon: Double

        static func < (lhs: Key, rhs: Key) -> Bool {
            lhs.lat < rhs.lat || (lhs.lat == rhs.lat && lhs.lon < rhs.lon)
        }
    }

    var entries = SortedEntries<Key>()
    var outliers = SortedEntries<Key>()

    mutating func add(_ value: JSONValue, slot: UInt32) -> Bool {
        guard let point = GeoPoint(payload: value) else { return false }
        let entry = SortedEntries<Key>.Entry(key: Key(lat: point.lat, lon: point.lon), slot: slot)
        if GeoStorage.isOnEarth(point) { entries.insert(entry) } else { outliers.insert(entry) }
        return true
    }

    mutating func remove(_ value: JSONValue, slot: UInt32) {
        guard let point = GeoPoint(payload: value) else { return }
        let entry = SortedEntries<Key>.Entry(key: Key(lat: point.lat, lon: point.lon), slot: slot)
        if GeoStorage.isOnEarth(point) { entries.remove(entry) } else { outliers.remove(entry) }
    }

    func answer(_ shape: GeoShape) -> IndexAnswer? {
        let (south, north) = shape.latitudeBand
        var result = SlotSet()
        let band = Bounds(
            gte: Key(lat: south, lon: -Double.infinity),
            lte: Key(lat: north, lon: .infinity)
        )
        let test = { (entry: SortedEntries<Key>.Entry) in
            if shape.contains(GeoPoint(lon: entry.key.lon, lat: entry.key.lat)) {
                result.insert(entry.slot)
            }
        }
        entries.forEach(in: band, test)
        outliers.forEach(in: Bounds(), test)
        return IndexAnswer(slots: result, isExact: true)
    }

    private static func isOnEarth(_ point: GeoPoint) -> Bool {
        (-90...90).contains(point.lat) && (-180...180).contains(point.lon)
    }
}
