import VectorStore

/// Runs `UpdateOperation`s against a session; shared by the single routes and `points/batch`.
struct Updates {
    let context: RouteContext
    let session: TenantSession
    let durability: WriteDurability

    init(_ context: RouteContext) throws {
        self.context = context
        self.session = try context.session()
        self.durability = try context.durability()
    }

    func apply(_ operation: UpdateOperation) throws {
        let collection = context.collection
        switch operation {
        case .upsert(let inputs):
            let points = try Inference.points(inputs, context: context, session: session)
            try session.upsert(collection, points: points, durability: durability)
        case .delete(let selection):
            try session.delete(collection, selection: selection, durability: durability)
        case .setPayload(let payload, let selection, let key):
            try session.setPayload(
                collection,
                payload: payload,
                selection: selection,
                key: key,
                durability: durability
            )
        case .overwritePayload(let payload, let selection):
            try session.overwritePayload(
                collection,
                payload: payload,
                selection: selection,
                durability: durability
            )
        case .deletePayload(let keys, let selection):
            try session.deletePayload(
                collection,
                keys: keys,
                selection: selection,
                durability: durability
            )
        case .clearPayload(let selection):
            try session.clearPayload(collection, selection: selection, durability: durability)
        }
    }

    /// Checks a batch before any operation runs, so a wrong vector name or dimension, or a
    /// payload edit of a point that will not exist, rejects the batch with nothing written.
    func validate(_ operations: [UpdateOperation]) throws {
        var texts = 0
        for case .upsert(let inputs) in operations { texts += Inference.textCount(inputs) }
        try Inference.checkTextCount(texts, field: "operations")
        try validateVectors(operations)
        try validatePointsExist(operations)
    }

    /// Every id a payload edit lists must exist when that operation runs: stored already or
    /// upserted earlier in the batch, and not deleted by id since. After a delete by filter
    /// which points remain is not known here; later edits are left to the store's own check
    /// (Qdrant applies a batch in order and stops at the first error, as the store does then).
    private func validatePointsExist(_ operations: [UpdateOperation]) throws {
        var listed: [PointID] = []
        for operation in operations {
            if let ids = operation.editedIDs { listed += ids }
        }
        guard !listed.isEmpty else { return }
        let stored = try session.retrieve(
            context.collection, ids: listed, payload: .none, vectors: .none)
        var existing = Set(stored.map(\.id))
        for operation in operations {
            switch operation {
            case .upsert(let inputs): existing.formUnion(inputs.map(\.id))
            case .delete(.ids(let ids)): existing.subtract(ids)
            case .delete(.filter): return
            default:
                if let missing = operation.editedIDs?.first(where: { !existing.contains($0) }) {
                    throw StoreError.pointNotFound(missing)
                }
            }
        }
    }

    private func validateVectors(_ operations: [UpdateOperation]) throws {
        let config = try session.collectionInfo(context.collection).config
        for case .upsert(let inputs) in operations {
            for input in inputs {
                for (name, vector) in input.vectors {
                    guard let params = config.vectors[name] else {
                        throw StoreError.vectorNameNotFound(name)
                    }
                    if case .dense(let values) = vector, values.count != params.size {
                        throw StoreError.dimensionMismatch(
                            vector: name,
                            expected: params.size,
                            actual: values.count
                        )
                    }
                }
            }
        }
    }

    /// The `UpdateResult` for this request's durability.
    func result() -> JSONValue { context.updateResult(durability) }
}

extension UpdateOperation {
    /// The ids a payload edit lists; `nil` for other operations and edits by filter.
    var editedIDs: [PointID]? {
        switch self {
        case .setPayload(_, .ids(let ids), _), .overwritePayload(_, .ids(let ids)),
            .deletePayload(_, .ids(let ids)), .clearPayload(.ids(let ids)):
            return ids
        default:
            return nil
        }
    }
}

extension VectorInput {
    var dense: [Float]? {
        if case .dense(let values) = self { return values }
        return nil
    }
}
