/// Payload edits at dotted keys (`set_payload` with `key`, `delete_payload`, `with_payload`
/// include/exclude). Reading values for filters, facets and ordering uses `PayloadPath`.
///
/// TODO(storage): indexed segments (`a[0]`) and quoted keys containing dots are not parsed
/// here; they matter only for payload edits on keys that contain `.` or `[`.
enum PayloadEditing {
    /// Splits `a.b[].c` into `["a", "b[]", "c"]`.
    static func components(_ path: String) -> [String] {
        path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }

    /// Merges `values` into the object at `path`, creating objects along the way (a non-object
    /// in the way is replaced, as Qdrant's `set_payload` with `key` does).
    static func merge(
        _ values: [String: JSONValue],
        at path: String?,
        into payload: inout [String: JSONValue]
    ) {
        guard let path, !path.isEmpty else {
            payload.merge(values) { _, new in new }
            return
        }
        merge(values, at: components(path)[...], into: &payload)
    }

    private static func merge(
        _ values: [String: JSONValue],
        at path: ArraySlice<String>,
        into object: inout [String: JSONValue]
    ) {
        guard let head = path.first else {
            object.merge(values) { _, new in new }
            return
        }
        var child = object[head]?.objectValue ?? [:]
        merge(values, at: path.dropFirst(), into: &child)
        object[head] = .object(child)
    }

    /// Removes the value at `path` (a no-op when any part is missing).
    static func remove(_ path: String, from payload: inout [String: JSONValue]) {
        remove(components(path)[...], from: &payload)
    }

    private static func remove(_ path: ArraySlice<String>, from object: inout [String: JSONValue]) {
        guard let head = path.first else { return }
        if path.count == 1 {
            object.removeValue(forKey: head)
            return
        }
        guard var child = object[head]?.objectValue else { return }
        remove(path.dropFirst(), from: &child)
        object[head] = .object(child)
    }

    /// Applies `with_payload`.
    static func select(
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
            for path in paths { remove(path, from: &remaining) }
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
}
