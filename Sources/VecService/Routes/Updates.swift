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

/// The seam for text inference (issue 6): `Document` inputs become vectors here, with the
/// collection's embedding model; without an embedder they are refused with a 400.
enum Inference {
    static func points(
        _ inputs: [PointInput],
        context: RouteContext,
        session: TenantSession
    )
        throws -> [Point]
    {
        let needsText = inputs.contains { input in
            input.vectors.values.contains { if case .document = $0 { true } else { false } }
        }
        guard needsText else {
            return inputs.map { input in
                Point(
                    id: input.id,
                    vectors: input.vectors.compactMapValues(\.dense),
                    payload: input.payload
                )
            }
        }
        let embedder = try provider(context)
        let model = try session.collectionInfo(context.collection).config.embeddingModel
        return try inputs.map { input in
            var vectors: [String: [Float]] = [:]
            for (name, vector) in input.vectors {
                vectors[name] = try resolve(vector, embedder: embedder, model: model)
            }
            return Point(id: input.id, vectors: vectors, payload: input.payload)
        }
    }

    /// One query or point vector; documents go through the embedder.
    static func vector(
        _ input: VectorInput,
        context: RouteContext,
        collectionModel: String?
    )
        throws -> [Float]
    {
        if case .dense(let values) = input { return values }
        return try resolve(input, embedder: provider(context), model: collectionModel)
    }

    private static func resolve(
        _ input: VectorInput,
        embedder: EmbedderProvider,
        model: String?
    )
        throws -> [Float]
    {
        switch input {
        case .dense(let values): return values
        case .document(let text, let requested):
            // TODO(inference): batch all texts of a request into one embed call once the
            // embedder lands (issue 6); one call per text is correct but slow.
            guard let vector = try embedder.embed([text], model: requested ?? model).first else {
                throw ServiceError.inferenceUnavailable("the embedder returned no vector")
            }
            return vector
        }
    }

    private static func provider(_ context: RouteContext) throws -> EmbedderProvider {
        guard let embedder = context.service.embedder else {
            throw ServiceError.inferenceUnavailable(
                "text inference is not configured on this server; send vectors as numbers"
            )
        }
        return embedder
    }
}

extension VectorInput {
    var dense: [Float]? {
        if case .dense(let values) = self { return values }
        return nil
    }
}
