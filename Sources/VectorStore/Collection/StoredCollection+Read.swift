/// Reads. Each takes the collection's read lock, so it never sees half of a write.
extension StoredCollection {
    func makeRecord(
        _ point: PointID, _ record: PointRecord, payload: PayloadSelector, vectors: VectorSelector
    ) -> Record {
        Record(
            id: point, payload: PayloadPath.select(payload, from: record.payload),
            vectors: StoredCollection.select(vectors, from: record.vectors))
    }

    static func select(_ selector: VectorSelector, from vectors: [String: [Float]]) -> [String: [Float]]? {
        switch selector {
        case .none: return nil
        case .all: return vectors
        case .named(let names): return vectors.filter { names.contains($0.key) }
        }
    }

    /// The listed points that exist, in request order; missing ids are left out, as Qdrant does.
    func retrieve(_ ids: [PointID], payload: PayloadSelector, vectors: VectorSelector) throws
        -> [Record]
    {
        try lock.withReadLock {
            var seen = Set<PointID>()
            return try ids.compactMap { point in
                guard seen.insert(point).inserted, let record = try record(point) else { return nil }
                return makeRecord(point, record, payload: payload, vectors: vectors)
            }
        }
    }

    /// One page in id order from `request.offset`; the next page's first id when more match.
    func scroll(_ request: ScrollRequest) throws -> (points: [Record], nextOffset: PointID?) {
        guard request.limit >= 0 else {
            throw StoreError.invalidArgument(field: "limit", message: "must be at least 0, got \(request.limit)")
        }
        if let orderBy = request.orderBy {
            return (try scrollOrdered(request, key: orderBy.key, descending: orderBy.descending), nil)
        }
        return try lock.withReadLock {
            var page: [Record] = []
            var nextOffset: PointID?
            try forEachPoint(from: request.offset) { point, record in
                guard matches(request.filter, point, record) else { return true }
                if page.count == request.limit {
                    nextOffset = point
                    return false
                }
                page.append(makeRecord(point, record, payload: request.payload, vectors: request.vectors))
                return true
            }
            return (page, nextOffset)
        }
    }

    /// `order_by`: points with a number (or a string, compared as text) at `key`, sorted by it,
    /// ties by id. Qdrant returns no `next_page_offset` for ordered scrolls.
    /// TODO(storage): this sorts every match; use the payload index once `filter` lands.
    private func scrollOrdered(_ request: ScrollRequest, key: String, descending: Bool) throws
        -> [Record]
    {
        try lock.withReadLock {
            var keyed: [(value: JSONValue, point: PointID, record: PointRecord)] = []
            try forEachPoint { point, record in
                guard matches(request.filter, point, record),
                    let value = PayloadPath.values(at: key, in: record.payload).first(where: {
                        $0.numberValue != nil || $0.stringValue != nil
                    })
                else { return true }
                keyed.append((value, point, record))
                return true
            }
            keyed.sort { lhs, rhs in
                if lhs.value != rhs.value {
                    let ascending = StoredCollection.orders(lhs.value, before: rhs.value)
                    return descending ? !ascending : ascending
                }
                return lhs.point < rhs.point
            }
            return keyed.prefix(request.limit).map {
                makeRecord($0.point, $0.record, payload: request.payload, vectors: request.vectors)
            }
        }
    }

    /// Numbers before strings; numbers by value, strings by text (ISO datetimes sort right).
    static func orders(_ lhs: JSONValue, before rhs: JSONValue) -> Bool {
        switch (lhs.numberValue, rhs.numberValue) {
        case (let left?, let right?): return left < right
        case (.some, nil): return true
        case (nil, .some): return false
        case (nil, nil): return (lhs.stringValue ?? "") < (rhs.stringValue ?? "")
        }
    }

    func matches(_ filter: Filter?, _ point: PointID, _ record: PointRecord) -> Bool {
        guard let filter else { return true }
        return filter.matches(id: point, payload: record.payload, vectorNames: Set(record.vectors.keys))
    }

    /// Exact count; without a filter it is the stored counter (no scan).
    func count(filter: Filter?) throws -> Int {
        try lock.withReadLock {
            guard let filter else { return Int(counters.pointCount) }
            var total = 0
            try forEachPoint { point, record in
                if matches(filter, point, record) { total += 1 }
                return true
            }
            return total
        }
    }

    /// Distinct values of `key` among matching points with the number of points holding
    /// each (a point counts once per value), most frequent first, ties by value.
    func facet(key: String, filter: Filter?, limit: Int) throws -> [(value: JSONValue, count: Int)] {
        let counts: [JSONValue: Int] = try lock.withReadLock {
            var counts: [JSONValue: Int] = [:]
            try forEachPoint { point, record in
                guard matches(filter, point, record) else { return true }
                let values = Set(PayloadPath.values(at: key, in: record.payload).filter {
                    $0.stringValue != nil || $0.intValue != nil || $0.boolValue != nil
                })
                for value in values { counts[value, default: 0] += 1 }
                return true
            }
            return counts
        }
        let sorted = counts.sorted { lhs, rhs in
            if lhs.value != rhs.value { return lhs.value > rhs.value }
            return StoredCollection.orders(lhs.key, before: rhs.key)
        }
        return sorted.prefix(max(limit, 0)).map { (value: $0.key, count: $0.value) }
    }

    /// Config, counts, and each payload index with the number of points holding its field.
    func info() throws -> CollectionInfo {
        try lock.withReadLock {
            var covered: [String: Int] = [:]
            if !payloadSchemas.isEmpty {
                try forEachPoint { _, record in
                    for field in payloadSchemas.keys
                    where !PayloadPath.values(at: field, in: record.payload).isEmpty {
                        covered[field, default: 0] += 1
                    }
                    return true
                }
            }
            let schema = payloadSchemas.mapValues { ($0, 0) }
                .reduce(into: [String: (schema: PayloadFieldSchema, points: Int)]()) {
                    $0[$1.key] = (schema: $1.value.0, points: covered[$1.key] ?? 0)
                }
            return CollectionInfo(
                config: config, pointsCount: Int(counters.pointCount),
                indexedVectorsCount: 0, payloadSchema: schema)
        }
    }
}
