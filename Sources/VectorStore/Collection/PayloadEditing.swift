/// Payload edits at Qdrant JSON paths (`set_payload` with `key`, `delete_payload` keys), and
/// the dotted selection of `with_payload` include/exclude. Reading values for filters, facets
/// and ordering uses `PayloadPath`.
///
/// Edits follow Qdrant's JSON-path semantics (`lib/segment/src/json_path`): `a.b` is a nested
/// key, `a[2]` one array element, `a[]` every element, `"a.b"` a key with a dot in it.
///
/// TODO(storage): `with_payload` include/exclude still split on dots only (`a[0]` there is a
/// literal key); it matters only for selections of array elements.
public enum PayloadEditing {
    /// The largest array index a `set_payload` key may name. Qdrant pads an array with nulls
    /// up to the index; without a bound one request could ask for billions of elements.
    public static let maximumSetIndex = 65_535

    /// Parses a key for an edit, naming `field` when it is not a valid path.
    ///
    /// - Throws: `StoreError.invalidArgument` naming `field`.
    public static func path(_ text: String, field: String) throws -> PayloadPath {
        do {
            return try PayloadPath(text)
        } catch {
            throw StoreError.invalidArgument(
                field: field,
                message: "`\(text)` is not a valid JSON path (keys joined by `.`, `[n]` for an "
                    + "array element, `[]` for every element, `\"...\"` around other keys)"
            )
        }
    }

    /// Parses the `key` of `set_payload`, refusing indexes past `maximumSetIndex`.
    ///
    /// - Throws: `StoreError.invalidArgument` naming `field`.
    public static func setPath(_ text: String, field: String) throws -> PayloadPath {
        let parsed = try path(text, field: field)
        for case .index(let index) in parsed.segments where index > maximumSetIndex {
            throw StoreError.invalidArgument(
                field: field,
                message: "array index \(index) in `\(text)` is past the largest one set_payload "
                    + "fills, \(maximumSetIndex)"
            )
        }
        return parsed
    }

    // MARK: - Set

    /// Merges `values` into the object at `path` (the payload itself when `nil`), as Qdrant's
    /// `set_payload` does: missing or non-object values along a key path become objects, an
    /// index pads its array with nulls, and `[]` merges into every element of an array (a
    /// non-array there becomes an empty array).
    static func merge(
        _ values: [String: JSONValue],
        at path: PayloadPath?,
        into payload: inout [String: JSONValue]
    ) {
        guard let path, case .key(let first) = path.segments[0] else {
            payload.merge(values) { _, new in new }
            return
        }
        var value = payload[first] ?? .null
        merge(values, at: path.segments[1...], into: &value)
        payload[first] = value
    }

    private static func merge(
        _ values: [String: JSONValue],
        at path: ArraySlice<PayloadPath.Segment>,
        into value: inout JSONValue
    ) {
        guard let head = path.first else {
            var object = value.objectValue ?? [:]
            object.merge(values) { _, new in new }
            value = .object(object)
            return
        }
        let rest = path.dropFirst()
        switch head {
        case .key(let key):
            var object = value.objectValue ?? [:]
            var child = object[key] ?? .null
            // Released before the recursion so the child is edited in place, not copied.
            object[key] = nil
            merge(values, at: rest, into: &child)
            object[key] = child
            value = .object(object)
        case .index(let index):
            var elements = value.arrayValue ?? []
            value = .null
            if index >= elements.count {
                elements.append(contentsOf: repeatElement(.null, count: index + 1 - elements.count))
            }
            merge(values, at: rest, into: &elements[index])
            value = .array(elements)
        case .wildcard:
            guard var elements = value.arrayValue else {
                value = .array([])
                return
            }
            value = .null
            for position in elements.indices { merge(values, at: rest, into: &elements[position]) }
            value = .array(elements)
        }
    }

    // MARK: - Delete

    /// Removes what `path` names, as Qdrant's `delete_payload`: a key, one array element
    /// (`a[1]`, later elements move up), every element (`a[]` leaves an empty array), or a
    /// key inside each element (`a[].b`). A path that names nothing changes nothing.
    static func remove(_ path: PayloadPath, from payload: inout [String: JSONValue]) {
        guard case .key(let first) = path.segments[0] else { return }
        let rest = path.segments[1...]
        guard let head = rest.first else {
            payload.removeValue(forKey: first)
            return
        }
        guard var value = payload[first] else { return }
        payload[first] = nil
        remove(head, rest.dropFirst(), from: &value)
        payload[first] = value
    }

    private static func remove(
        _ head: PayloadPath.Segment,
        _ rest: ArraySlice<PayloadPath.Segment>,
        from value: inout JSONValue
    ) {
        if let next = rest.first {
            switch (head, value) {
            case (.key(let key), .object(var object)):
                guard var child = object[key] else { return }
                value = .null
                object[key] = nil
                remove(next, rest.dropFirst(), from: &child)
                object[key] = child
                value = .object(object)
            case (.index(let index), .array(var elements)):
                guard index < elements.count else { return }
                value = .null
                remove(next, rest.dropFirst(), from: &elements[index])
                value = .array(elements)
            case (.wildcard, .array(var elements)):
                value = .null
                for position in elements.indices {
                    remove(next, rest.dropFirst(), from: &elements[position])
                }
                value = .array(elements)
            default:
                return
            }
            return
        }
        switch (head, value) {
        case (.key(let key), .object(var object)):
            guard object[key] != nil else { return }
            object[key] = nil
            value = .object(object)
        case (.index(let index), .array(var elements)):
            guard index < elements.count else { return }
            elements.remove(at: index)
            value = .array(elements)
        case (.wildcard, .array):
            value = .array([])
        default:
            return
        }
    }

    // MARK: - Select

    /// Splits `a.b.c` into `["a", "b", "c"]` (selection only).
    static func components(_ path: String) -> [String] {
        path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// Applies `with_payload`: top-level keys and dotted paths (`a.b`) to include or exclude.
    public static func select(
        _ selector: PayloadSelector,
        from payload: [String: JSONValue]
    )
        -> [String: JSONValue]?
    {
        switch selector {
        case .none:
            return nil
        case .all:
            return payload
        case .include(let paths):
            var selected: [String: JSONValue] = [:]
            for path in paths { copy(components(path)[...], from: payload, into: &selected) }
            return selected
        case .exclude(let paths):
            var remaining = payload
            for path in paths { removeDotted(components(path)[...], from: &remaining) }
            return remaining
        }
    }

    private static func copy(
        _ path: ArraySlice<String>,
        from source: [String: JSONValue],
        into target: inout [String: JSONValue]
    ) {
        guard let head = path.first, let value = source[head] else { return }
        if path.count == 1 {
            target[head] = value
            return
        }
        guard let child = value.objectValue else { return }
        var targetChild = target[head]?.objectValue ?? [:]
        copy(path.dropFirst(), from: child, into: &targetChild)
        if !targetChild.isEmpty { target[head] = .object(targetChild) }
    }

    private static func removeDotted(
        _ path: ArraySlice<String>,
        from object: inout [String: JSONValue]
    ) {
        guard let head = path.first else { return }
        if path.count == 1 {
            object.removeValue(forKey: head)
            return
        }
        guard var child = object[head]?.objectValue else { return }
        removeDotted(path.dropFirst(), from: &child)
        object[head] = .object(child)
    }
}
