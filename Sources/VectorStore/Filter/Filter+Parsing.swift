// JSON -> Filter. Strict like Qdrant's `deny_unknown_fields`: every object is checked against
// the keys its schema allows, and errors name the offending key and where it was found
// (`filter.must[1].match`), so a typo never silently widens a result set.

/// Parses one filter; `nestedPrefix` is set inside a `nested` condition.
struct FilterParser {
    /// The array path of the enclosing `nested` conditions, to name payload indexes.
    var nestedPrefix: PayloadPath?

    private static let filterKeys = ["must", "should", "must_not", "min_should"]
    private static let fieldKeys = [
        "key", "match", "range", "geo_bounding_box", "geo_radius", "geo_polygon",
        "values_count", "is_empty", "is_null",
    ]
    private static let matchKeys = [
        "value", "text", "text_any", "phrase", "prefix", "any", "except",
    ]
    private static let boundKeys = ["gt", "gte", "lt", "lte"]

    mutating func filter(_ json: JSONValue, at location: String) throws -> Filter {
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: FilterParser.filterKeys, in: "filter", at: location)
        var filter = Filter()
        filter.must = try clause(members["must"], at: location + ".must")
        filter.should = try clause(members["should"], at: location + ".should")
        filter.mustNot = try clause(members["must_not"], at: location + ".must_not")
        if let minShould = members["min_should"], !minShould.isNull {
            filter.minShould = try self.minShould(minShould, at: location + ".min_should")
        }
        return filter
    }

    /// A clause: absent or null, one condition, or an array of conditions.
    private mutating func clause(_ json: JSONValue?, at location: String) throws -> [Condition]? {
        switch json {
        case nil, .null?:
            return nil
        case .array(let items)?:
            return try items.enumerated().map { try condition($1, at: "\(location)[\($0)]") }
        case .object?:
            return [try condition(json!, at: location)]
        case let other?:
            throw invalid(location, "must be a condition or an array of conditions", other)
        }
    }

    private mutating func minShould(_ json: JSONValue, at location: String) throws -> MinShould {
        let members = try object(json, at: location)
        try rejectUnknown(
            members,
            allowed: ["conditions", "min_count"],
            in: "min_should",
            at: location
        )
        guard case .array(let items)? = members["conditions"] else {
            throw invalid(
                location + ".conditions",
                "must be an array of conditions",
                members["conditions"]
            )
        }
        guard let count = members["min_count"]?.intValue, count >= 1 else {
            throw invalid(
                location + ".min_count",
                "must be an integer of at least 1",
                members["min_count"]
            )
        }
        let conditions = try items.enumerated().map {
            try condition($1, at: "\(location).conditions[\($0)]")
        }
        return MinShould(conditions: conditions, minCount: Int(count))
    }

    // MARK: - Conditions

    /// Decides the condition kind by its distinguishing key, as Qdrant's untagged enum does.
    private mutating func condition(_ json: JSONValue, at location: String) throws -> Condition {
        let members = try object(json, at: location)
        if members["key"] != nil { return .field(try fieldCondition(members, at: location)) }
        if let value = members["is_empty"] {
            try rejectUnknown(
                members,
                allowed: ["is_empty"],
                in: "is_empty condition",
                at: location
            )
            return .isEmpty(try payloadField(value, at: location + ".is_empty"))
        }
        if let value = members["is_null"] {
            try rejectUnknown(members, allowed: ["is_null"], in: "is_null condition", at: location)
            return .isNull(try payloadField(value, at: location + ".is_null"))
        }
        if let value = members["has_id"] {
            try rejectUnknown(members, allowed: ["has_id"], in: "has_id condition", at: location)
            return try hasID(value, at: location + ".has_id")
        }
        if let value = members["has_vector"] {
            try rejectUnknown(
                members,
                allowed: ["has_vector"],
                in: "has_vector condition",
                at: location
            )
            guard case .string(let name) = value else {
                throw invalid(location + ".has_vector", "must be a vector name", value)
            }
            return .hasVector(name)
        }
        if let value = members["slice"] {
            try rejectUnknown(members, allowed: ["slice"], in: "slice condition", at: location)
            return try slice(value, at: location + ".slice")
        }
        if let value = members["nested"] {
            try rejectUnknown(members, allowed: ["nested"], in: "nested condition", at: location)
            return .nested(try nested(value, at: location + ".nested"))
        }
        // Anything else must be a filter; an empty object is an empty filter.
        if let unknown = members.keys.sorted().first(where: {
            !FilterParser.filterKeys.contains($0)
        }) {
            throw StoreError.invalidFilter(
                "unknown field `\(unknown)` at \(location), expected a condition (`key`, "
                    + "`is_empty`, `is_null`, `has_id`, `has_vector`, `nested`, `slice`) or a "
                    + "filter (`must`, `should`, `must_not`, `min_should`)"
            )
        }
        return .filter(try filter(json, at: location))
    }

    private func payloadField(_ json: JSONValue, at location: String) throws -> PayloadPath {
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: ["key"], in: "payload field", at: location)
        return try path(members["key"], at: location + ".key")
    }

    private func hasID(_ json: JSONValue, at location: String) throws -> Condition {
        guard nestedPrefix == nil else {
            throw StoreError.invalidFilter(
                "has_id is not allowed inside a nested filter (\(location))"
            )
        }
        guard case .array(let items) = json else {
            throw invalid(location, "must be an array of point ids", json)
        }
        var ids = Set<PointID>()
        for (position, item) in items.enumerated() {
            do {
                ids.insert(try PointID(json: item))
            } catch {
                throw StoreError.invalidFilter("\(location)[\(position)]: \(error)")
            }
        }
        return .hasID(ids)
    }

    private func slice(_ json: JSONValue, at location: String) throws -> Condition {
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: ["total", "index"], in: "slice", at: location)
        guard let total = members["total"]?.intValue, (1...Int64(UInt32.max)).contains(total) else {
            throw invalid(
                location + ".total",
                "must be an integer from 1 to 4294967295",
                members["total"]
            )
        }
        guard let index = members["index"]?.intValue, (0..<total).contains(index) else {
            throw invalid(
                location + ".index",
                "must be an integer from 0 to \(total - 1)",
                members["index"]
            )
        }
        return .slice(total: UInt32(total), index: UInt32(index))
    }

    private mutating func nested(_ json: JSONValue, at location: String) throws -> NestedCondition {
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: ["key", "filter"], in: "nested", at: location)
        let key = try path(members["key"], at: location + ".key")
        guard let filterJSON = members["filter"] else {
            throw invalid(location + ".filter", "is required", nil)
        }
        // Inner keys are relative to each array element; their index names are not.
        var inner = FilterParser(nestedPrefix: fullPath(key).arrayElements)
        let filter = try inner.filter(filterJSON, at: location + ".filter")
        return NestedCondition(path: key.arrayElements, filter: filter)
    }

    private func fullPath(_ key: PayloadPath) -> PayloadPath {
        nestedPrefix.map { $0.appending(key) } ?? key
    }

    // MARK: - Field conditions

    private func fieldCondition(
        _ members: [String: JSONValue],
        at location: String
    ) throws
        -> FieldCondition
    {
        let key = try path(members["key"], at: location + ".key")
        let context = "field condition for key `\(key)`"
        try rejectUnknown(members, allowed: FilterParser.fieldKeys, in: context, at: location)
        let here = { (name: String) in location + "." + name }
        let condition = FieldCondition(
            key: key,
            indexKey: fullPath(key).description,
            match: try present(members["match"]).map { try match($0, at: here("match")) },
            range: try present(members["range"]).map { try range($0, at: here("range")) },
            geoBoundingBox: try present(members["geo_bounding_box"]).map {
                try boundingBox($0, at: here("geo_bounding_box"))
            },
            geoRadius: try present(members["geo_radius"]).map {
                try radius($0, at: here("geo_radius"))
            },
            geoPolygon: try present(members["geo_polygon"]).map {
                try polygon($0, at: here("geo_polygon"))
            },
            valuesCount: try present(members["values_count"]).map {
                ValuesCount(bounds: try countBounds($0, at: here("values_count")))
            },
            isEmpty: try present(members["is_empty"]).map { try bool($0, at: here("is_empty")) },
            isNull: try present(members["is_null"]).map { try bool($0, at: here("is_null")) }
        )
        guard condition.hasAnyTest else {
            throw StoreError.invalidFilter(
                "\(context) at \(location) must specify at least one of `match`, `range`, "
                    + "`geo_bounding_box`, `geo_radius`, `geo_polygon`, `values_count`, "
                    + "`is_empty`, `is_null`"
            )
        }
        return condition
    }

    private func match(_ json: JSONValue, at location: String) throws -> MatchCondition {
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: FilterParser.matchKeys, in: "match", at: location)
        guard members.count == 1, let (name, value) = members.first else {
            throw StoreError.invalidFilter(
                "match at \(location) must have exactly one of `value`, `text`, `text_any`, "
                    + "`phrase`, `prefix`, `any`, `except`; got "
                    + (members.isEmpty
                        ? "none"
                        : members.keys.sorted().map { "`\($0)`" }
                            .joined(separator: ", "))
            )
        }
        let here = location + "." + name
        switch name {
        case "value":
            switch value {
            case .string(let text): return .keyword(text)
            case .int(let number): return .integer(number)
            case .bool(let flag): return .bool(flag)
            default: throw invalid(here, "must be a string, an integer or a boolean", value)
            }
        case "text": return .text(TextQuery(try string(value, at: here)))
        case "text_any": return .textAny(TextQuery(try string(value, at: here)))
        case "phrase": return .phrase(TextQuery(try string(value, at: here)))
        case "prefix": return .prefix(try string(value, at: here))
        case "any":
            return try valueList(
                value,
                at: here,
                strings: MatchCondition.anyKeyword,
                integers: MatchCondition.anyInteger
            )
        default:
            return try valueList(
                value,
                at: here,
                strings: MatchCondition.exceptKeyword,
                integers: MatchCondition.exceptInteger
            )
        }
    }

    /// `any`/`except` lists: all strings or all integers; an empty list counts as strings, as
    /// in Qdrant.
    private func valueList(
        _ json: JSONValue,
        at location: String,
        strings: (Set<String>) -> MatchCondition,
        integers: (Set<Int64>) -> MatchCondition
    ) throws -> MatchCondition {
        guard case .array(let items) = json else {
            throw invalid(location, "must be an array of strings or of integers", json)
        }
        let texts = items.compactMap(\.stringValue)
        if texts.count == items.count { return strings(Set(texts)) }
        let numbers = items.compactMap { item -> Int64? in
            if case .int(let number) = item { return number }
            return nil
        }
        if numbers.count == items.count { return integers(Set(numbers)) }
        throw invalid(location, "must be an array of strings or of integers, not a mix", json)
    }

    private func range(_ json: JSONValue, at location: String) throws -> RangeCondition {
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: FilterParser.boundKeys, in: "range", at: location)
        let given = members.filter { !$0.value.isNull }
        if given.values.contains(where: { $0.stringValue != nil }) {
            return .datetime(
                try bounds(given, at: location) { value, here in
                    guard case .string(let text) = value else {
                        throw invalid(
                            here,
                            "must be an RFC 3339 datetime like the other bounds",
                            value
                        )
                    }
                    guard let micros = PayloadDatetime.microseconds(from: text) else {
                        throw StoreError.invalidFilter(
                            "\(here): '\(text)' is not in a supported date/time format, please use "
                                + "RFC 3339"
                        )
                    }
                    return micros
                }
            )
        }
        return .number(
            try bounds(given, at: location) { value, here in
                guard let number = value.numberValue else {
                    throw invalid(here, "must be a number or an RFC 3339 datetime", value)
                }
                return number
            }
        )
    }

    private func countBounds(_ json: JSONValue, at location: String) throws -> Bounds<Int> {
        let members = try object(json, at: location)
        try rejectUnknown(
            members,
            allowed: FilterParser.boundKeys,
            in: "values_count",
            at: location
        )
        return try bounds(members.filter { !$0.value.isNull }, at: location) { value, here in
            guard let count = value.intValue, count >= 0 else {
                throw invalid(here, "must be a non-negative integer", value)
            }
            return Int(clamping: count)
        }
    }

    private func bounds<Value>(
        _ members: [String: JSONValue],
        at location: String,
        _ read: (JSONValue, String) throws -> Value
    ) throws -> Bounds<Value> {
        func bound(_ name: String) throws -> Value? {
            try members[name].map { try read($0, location + "." + name) }
        }
        return Bounds(
            gt: try bound("gt"),
            gte: try bound("gte"),
            lt: try bound("lt"),
            lte: try bound("lte")
        )
    }

    // MARK: - Geo

    private func geoPoint(_ json: JSONValue?, at location: String) throws -> GeoPoint {
        guard let json else { throw invalid(location, "is required", nil) }
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: ["lon", "lat"], in: "geo point", at: location)
        guard let lon = members["lon"]?.numberValue, let lat = members["lat"]?.numberValue else {
            throw invalid(location, "must have numeric `lon` and `lat`", json)
        }
        // `contains` is false for NaN and infinities too.
        guard (-180...180).contains(lon) else {
            throw invalid(
                location + ".lon", "must be a longitude within [-180, 180]", members["lon"])
        }
        guard (-90...90).contains(lat) else {
            throw invalid(location + ".lat", "must be a latitude within [-90, 90]", members["lat"])
        }
        return GeoPoint(lon: lon, lat: lat)
    }

    private func boundingBox(_ json: JSONValue, at location: String) throws -> GeoBoundingBox {
        let members = try object(json, at: location)
        try rejectUnknown(
            members,
            allowed: ["top_left", "bottom_right"],
            in: "geo_bounding_box",
            at: location
        )
        return GeoBoundingBox(
            topLeft: try geoPoint(members["top_left"], at: location + ".top_left"),
            bottomRight: try geoPoint(members["bottom_right"], at: location + ".bottom_right")
        )
    }

    private func radius(_ json: JSONValue, at location: String) throws -> GeoRadius {
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: ["center", "radius"], in: "geo_radius", at: location)
        let center = try geoPoint(members["center"], at: location + ".center")
        // Qdrant itself takes any number here; a negative radius matches nothing and an
        // infinite one poisons the distance maths, so both are refused.
        guard let radius = members["radius"]?.numberValue, radius.isFinite, radius >= 0 else {
            throw invalid(
                location + ".radius", "must be a finite, non-negative number of metres",
                members["radius"])
        }
        return GeoRadius(center: center, radius: radius)
    }

    private func polygon(_ json: JSONValue, at location: String) throws -> GeoPolygon {
        let members = try object(json, at: location)
        try rejectUnknown(
            members,
            allowed: ["exterior", "interiors"],
            in: "geo_polygon",
            at: location
        )
        let exterior = try ring(members["exterior"], at: location + ".exterior")
        var interiors: [[GeoPoint]] = []
        if let value = members["interiors"], !value.isNull {
            guard case .array(let rings) = value else {
                throw invalid(location + ".interiors", "must be an array of line strings", value)
            }
            interiors = try rings.enumerated().map {
                try ring($1, at: "\(location).interiors[\($0)]")
            }
        }
        return GeoPolygon(exterior: exterior, interiors: interiors)
    }

    /// A closed line string `{"points": [...]}` of at least 4 points.
    private func ring(_ json: JSONValue?, at location: String) throws -> [GeoPoint] {
        guard let json else { throw invalid(location, "is required", nil) }
        let members = try object(json, at: location)
        try rejectUnknown(members, allowed: ["points"], in: "line string", at: location)
        guard case .array(let items)? = members["points"] else {
            throw invalid(location + ".points", "must be an array of geo points", members["points"])
        }
        let points = try items.enumerated().map {
            try geoPoint($1, at: "\(location).points[\($0)]")
        }
        guard points.count >= 4 else {
            throw StoreError.invalidFilter(
                "\(location): polygon invalid, the size must be at least 4, got \(points.count)"
            )
        }
        guard points.first == points.last else {
            throw StoreError.invalidFilter(
                "\(location): polygon invalid, the first and the last points should be the same "
                    + "to form a closed line"
            )
        }
        return points
    }

    // MARK: - Primitives

    private func present(_ json: JSONValue?) -> JSONValue? {
        guard let json, !json.isNull else { return nil }
        return json
    }

    private func object(_ json: JSONValue, at location: String) throws -> [String: JSONValue] {
        guard case .object(let members) = json else {
            throw invalid(location, "must be an object", json)
        }
        return members
    }

    private func path(_ json: JSONValue?, at location: String) throws -> PayloadPath {
        guard case .string(let text)? = json else {
            throw invalid(location, "must be a payload key (a string)", json)
        }
        do {
            return try PayloadPath(text)
        } catch {
            throw StoreError.invalidFilter("\(location): \(error)")
        }
    }

    private func string(_ json: JSONValue, at location: String) throws -> String {
        guard case .string(let text) = json else {
            throw invalid(location, "must be a string", json)
        }
        return text
    }

    private func bool(_ json: JSONValue, at location: String) throws -> Bool {
        guard case .bool(let flag) = json else {
            throw invalid(location, "must be a boolean", json)
        }
        return flag
    }

    private func rejectUnknown(
        _ members: [String: JSONValue],
        allowed: [String],
        in context: String,
        at location: String
    ) throws {
        guard let unknown = members.keys.sorted().first(where: { !allowed.contains($0) }) else {
            return
        }
        throw StoreError.invalidFilter(
            "unknown field `\(unknown)` in \(context) at \(location), expected one of "
                + allowed.map { "`\($0)`" }.joined(separator: ", ")
        )
    }

    private func invalid(_ location: String, _ expectation: String, _ got: JSONValue?) -> StoreError
    {
        // A long value is cut: the message should name it, not echo a whole request body.
        let shown =
            got.map { value -> String in
                let text = value.jsonString
                return value.typeName + " " + (text.count > 80 ? text.prefix(80) + "…" : text)
            } ?? "nothing"
        return StoreError.invalidFilter("\(location) \(expectation), got \(shown)")
    }
}
