import VectorIndex

/// Reads. Each takes the collection's read lock, so it never sees half of a write.
extension StoredCollection {
    func makeRecord(
        _ point: PointID,
        _ record: PointRecord,
        payload: PayloadSelector,
        vectors: VectorSelector
    ) throws -> Record {
        Record(
            id: point,
            payload: PayloadEditing.select(payload, from: record.payload),
            vectors: try selectedVectors(vectors, of: record),
            version: record.version
        )
    }

    /// Refuses a `with_vector` list naming a vector the collection does not have, as Qdrant
    /// does (400), instead of answering an empty map as if the point had no such vector.
    func checkVectorNames(_ selector: VectorSelector) throws {
        guard case .named(let names) = selector else { return }
        for name in names where config.vectors[name] == nil {
            throw StoreError.vectorNameNotFound(name)
        }
    }

    func selectedVectors(
        _ selector: VectorSelector,
        of record: PointRecord
    ) throws -> [String: [Float]]? {
        switch selector {
        case .none: return nil
        case .all: return try vectors(of: record)
        case .named(let names): return try vectors(of: record, names: names)
        }
    }

    /// The listed points that exist, in request order; missing ids are left out, as Qdrant does.
    func retrieve(
        _ ids: [PointID],
        payload: PayloadSelector,
        vectors: VectorSelector
    ) throws
        -> [Record]
    {
        try checkVectorNames(vectors)
        return try lock.withReadLock {
            var seen = Set<PointID>()
            return try ids.compactMap { point in
                guard seen.insert(point).inserted, let record = try record(point) else {
                    return nil
                }
                return try makeRecord(point, record, payload: payload, vectors: vectors)
            }
        }
    }

    /// One page in id order from `request.offset`; the next page's first id when more match.
    func scroll(_ request: ScrollRequest) throws -> (points: [Record], nextOffset: PointID?) {
        try checkVectorNames(request.vectors)
        // Qdrant's minimum is 1; a page of 0 would still name a next page and loop a client.
        guard request.limit >= 1 else {
            throw StoreError.invalidArgument(
                field: "limit",
                message: "must be at least 1, got \(request.limit)"
            )
        }
        if let orderBy = request.orderBy {
            return (
                try scrollOrdered(request, key: orderBy.key, descending: orderBy.descending), nil
            )
        }
        return try lock.withReadLock {
            var page: [Record] = []
            var nextOffset: PointID?
            try forEachMatch(request.filter, from: request.offset) { point, record in
                if page.count == request.limit {
                    nextOffset = point
                    return false
                }
                page.append(
                    try makeRecord(
                        point,
                        record,
                        payload: request.payload,
                        vectors: request.vectors
                    )
                )
                return true
            }
            return (page, nextOffset)
        }
    }

    /// `order_by`: one entry per number or datetime a point holds at `key` (Qdrant lists a
    /// point once per value), sorted by value then id, starting at `orderStartFrom`. Qdrant
    /// returns no `next_page_offset` for ordered scrolls.
    /// TODO(storage): sorts every match; walk the numeric payload index instead when large.
    private func scrollOrdered(
        _ request: ScrollRequest,
        key: String,
        descending: Bool
    ) throws -> [Record] {
        let path: PayloadPath
        do { path = try PayloadPath(key) } catch {
            throw StoreError.invalidArgument(field: "order_by.key", message: "\(error)")
        }
        return try lock.withReadLock {
            var keyed: [(value: OrderValue, point: PointID, record: PointRecord)] = []
            try forEachMatch(request.filter) { point, record in
                for value in OrderValue.values(at: path, in: record.payload) {
                    if let start = request.orderStartFrom {
                        guard descending ? !(start < value) : !(value < start) else { continue }
                    }
                    keyed.append((value, point, record))
                }
                return true
            }
            keyed.sort { lhs, rhs in
                if lhs.value != rhs.value {
                    return descending ? rhs.value < lhs.value : lhs.value < rhs.value
                }
                return lhs.point < rhs.point
            }
            return try keyed.prefix(request.limit).map {
                try makeRecord(
                    $0.point,
                    $0.record,
                    payload: request.payload,
                    vectors: request.vectors
                )
            }
        }
    }

    /// Exact count; without a filter it is the stored counter (no scan).
    func count(filter: Filter?) throws -> Int {
        try lock.withReadLock {
            guard let filter else { return Int(counters.pointCount) }
            if let (state, answer) = try indexAnswer(for: filter), answer.isExact {
                return answer.slots.reduce(0) { $0 + (state.point(at: $1) == nil ? 0 : 1) }
            }
            var total = 0
            try forEachMatch(filter, matchOnly: true) { _, _ in
                total += 1
                return true
            }
            return total
        }
    }

    /// Distinct values of `key` among matching points with the number of points holding
    /// each (a point counts once per value), most frequent first, ties by value.
    func facet(key: String, filter: Filter?, limit: Int) throws -> [(value: JSONValue, count: Int)]
    {
        var counter = try FacetCounter(
            key: key,
            normalizesUUIDs: payloadSchemas[key]?.kind == .uuid
        )
        try lock.withReadLock {
            try forEachMatch(filter) { _, record in
                counter.add(record.payload)
                return true
            }
        }
        return counter.hits(limit: limit).map { (value: $0.value.json, count: $0.count) }
    }

    /// Config, counts, vectors in graphs, and each payload index with the points it covers.
    func info() throws -> CollectionInfo {
        try lock.withReadLock {
            let state = try loadedState()
            var schema: [String: (schema: PayloadFieldSchema, points: Int)] = [:]
            for (field, fieldSchema) in payloadSchemas {
                let points = state.payloadIndexes.index(field: field)?.indexedSlots.count ?? 0
                schema[field] = (schema: fieldSchema, points: points)
            }
            return CollectionInfo(
                config: config,
                pointsCount: Int(counters.pointCount),
                indexedVectorsCount: state.graphs.values.reduce(0) { $0 + $1.count },
                payloadSchema: schema
            )
        }
    }
}
