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
    /// Points with every `Document` embedded, all texts of the request in one embedder call.
    static func points(_ inputs: [PointInput], context: RouteContext, session: TenantSession)
        throws -> [Point]
    {
        var texts: [(point: Int, name: String, text: String, model: String?)] = []
        for (index, input) in inputs.enumerated() {
            for (name, vector) in input.vectors {
                if case .document(let text, let model) = vector {
                    texts.append((index, name, text, model))
                }
            }
        }
        var points = inputs.map { input in
            Point(id: input.id, vectors: input.vectors.compactMapValues(\.dense),
                  payload: input.payload)
        }
        guard !texts.isEmpty else { return points }
        let embedder = try provider(context)
        let collectionModel = try session.collectionInfo(context.collection).config.embeddingModel
        // One call per distinct model (normally one): requests rarely mix models.
        let byModel = Dictionary(grouping: texts.indices) { texts[$0].model ?? collectionModel }
        for (model, positions) in byModel {
            let batch = positions.map { texts[$0].text }
            try context.chargeEmbedding(embedder.tokenCount(batch, model: model))
            let vectors = try embedder.embed(batch, model: model, role: .document)
            guard vectors.count == positions.count else {
                throw ServiceError.inferenceUnavailable("the embedder returned too few vectors")
            }
            for (position, vector) in zip(positions, vectors) {
                points[texts[position].point].vectors[texts[position].name] = vector
            }
        }
        return points
    }

    /// A query vector; a `Document` query goes through the embedder as a query.
    static func vector(_ input: VectorInput, context: RouteContext, collectionModel: String?)
        throws -> [Float]
    {
        switch input {
        case .dense(let values): return values
        case .document(let text, let model):
            let embedder = try provider(context)
            try context.chargeEmbedding(
                embedder.tokenCount([text], model: model ?? collectionModel))
            let vectors = try embedder.embed(
                [text], model: model ?? collectionModel, role: .query)
            guard let vector = vectors.first else {
                throw ServiceError.inferenceUnavailable("the embedder returned no vector")
            }
            return vector
        }
    }

    private static func provider(_ context: RouteContext) throws -> EmbedderProvider {
        guard let embedder = context.service.embedder else {
            throw ServiceError.inferenceUnavailable(
                "text inference is not configured on this server; send vectors as numbers")
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
