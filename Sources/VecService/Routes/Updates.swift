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

    /// Checks every upsert of a batch against the collection's vector spaces before any
    /// operation runs, so a wrong name or dimension rejects the batch with nothing written.
    func validate(_ operations: [UpdateOperation]) throws {
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

extension VectorInput {
    var dense: [Float]? {
        if case .dense(let values) = self { return values }
        return nil
    }
}
