import Foundation
import VectorStore

/// Text inference for the routes: `Document` inputs become vectors with the collection's
/// embedding model, queries get the model's query instruction (B08), and rerank queries are
/// scored by a cross-encoder. Every call is one batch per request and model, is recorded in
/// the request's `InferenceTally`, and refuses what it cannot embed with a 400 that names the
/// input:
///
/// - Empty text (B28): a text with no word pieces (`""`, whitespace, zero-width characters
///   only) is refused with 400 naming the point, item or query, in single and batch input
///   alike; nothing of the request is written.
/// - Long text (B07): cut to the model's maximum length (512 tokens for BERT models: the
///   first 510 word pieces between `[CLS]` and `[SEP]`); the response's
///   `usage.inference.truncated` lists the inputs that were cut.
enum Inference {
    /// Most texts one request may have embedded: `/v1/embeddings`' `input` and the
    /// `Document` vectors of an upsert (all operations of a `points/batch` together), as
    /// OpenAI's API allows. Without a cap one request of many thousands of texts held an HTTP
    /// thread for tens of seconds; the 32 MiB body limit alone allows millions of short texts.
    static let maximumTexts = 2048

    /// The number of `Document` vectors in `inputs`.
    static func textCount(_ inputs: [PointInput]) -> Int {
        inputs.reduce(0) { total, input in
            total + input.vectors.values.filter { $0.dense == nil }.count
        }
    }

    /// Refuses more than `maximumTexts` texts (400 naming `field`) before any is embedded.
    static func checkTextCount(_ count: Int, field: String) throws {
        guard count > maximumTexts else { return }
        throw ServiceError.invalid(
            field, "has \(count) texts to embed; at most \(maximumTexts) per request")
    }

    /// Points with every `Document` embedded, all texts of one model in one embedder call.
    /// Everything that can be checked without running a model is checked first: the number
    /// of texts, each text's vector name and the model's dimension against the collection's.
    static func points(_ inputs: [PointInput], context: RouteContext, session: TenantSession)
        throws -> [Point]
    {
        try checkTextCount(textCount(inputs), field: "points")
        var texts: [(point: Int, name: String, text: String, model: String?)] = []
        for (index, input) in inputs.enumerated() {
            for (name, vector) in input.vectors.sorted(by: { $0.key < $1.key }) {
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
        let config = try session.collectionInfo(context.collection).config
        let labels = texts.map { label(point: inputs[$0.point].id, vector: $0.name) }
        // One call per distinct model (normally one): requests rarely mix models.
        let byModel = Dictionary(grouping: texts.indices) {
            texts[$0].model ?? config.embeddingModel
        }
        let provider = try embedder(context)
        for (model, positions) in byModel {
            let (name, dimension) = try provider.dimension(model: model)
            for position in positions {
                try checkDimension(dimension, name: texts[position].name, config: config,
                                   model: name, label: labels[position])
            }
        }
        for (model, positions) in byModel.sorted(by: { ($0.key ?? "") < ($1.key ?? "") }) {
            let embedded = try embed(positions.map { texts[$0].text },
                                     labels: positions.map { labels[$0] },
                                     model: model, role: .document, context: context)
            for (position, vector) in zip(positions, embedded.vectors) {
                let (point, name) = (texts[position].point, texts[position].name)
                try checkDimension(vector.count, name: name, config: config,
                                   model: embedded.model, label: labels[position])
                points[point].vectors[name] = vector
            }
        }
        return points
    }

    /// A query vector; a `Document` query is embedded as a query (with the instruction).
    static func vector(_ input: VectorInput, context: RouteContext, collectionModel: String?)
        throws -> [Float]
    {
        switch input {
        case .dense(let values): return values
        case .document(let text, let model):
            return try embed([text], labels: ["query"], model: model ?? collectionModel,
                             role: .query, context: context).vectors[0]
        }
    }

    /// Embeds `texts` (named by `labels` in errors and `usage`) and records the tokens.
    static func embed(_ texts: [String], labels: [String], model: String?, role: TextRole,
                      context: RouteContext) throws -> TextEmbeddings
    {
        let provider = try embedder(context)
        // Charged before the model runs: a refused request costs the node nothing.
        try context.chargeEmbedding(provider.tokenCount(texts, model: model))
        let embedded: TextEmbeddings
        do {
            embedded = try provider.embed(texts, model: model, role: role)
        } catch let error as EmptyTextError {
            throw ServiceError.invalid(
                labels[error.index],
                "the text is empty or only whitespace or invisible characters; nothing to embed")
        }
        guard embedded.vectors.count == texts.count else {
            throw ServiceError.inferenceFailed(
                "the embedder returned \(embedded.vectors.count) vectors for \(texts.count) texts")
        }
        context.inference.record(embedded, labels: labels)
        return embedded
    }

    /// Cross-encoder logits of `passages` for `query`, recorded as rerank pairs.
    static func rerank(query: String, passages: [String], model: String?,
                       context: RouteContext) throws -> [Float]
    {
        guard let provider = context.service.reranker else {
            throw ServiceError.inferenceUnavailable(
                InferenceConfigurationError.noReranker(known: []).description)
        }
        if isBlank(query) {
            throw ServiceError.invalid("query", "the rerank text is empty; nothing to score")
        }
        let (name, scores) = try provider.rerank(query: query, passages: passages, model: model)
        guard scores.count == passages.count else {
            throw ServiceError.inferenceFailed(
                "the reranker returned \(scores.count) scores for \(passages.count) passages")
        }
        context.inference.recordRerank(model: name, pairs: passages.count)
        return scores
    }

    /// Fills in vector sizes a collection left to its model and checks the ones it gave
    /// (`PUT /collections/{c}` with `embedding_model`): a size of 0 means "the model's".
    static func fitModel(_ config: inout CollectionConfig, context: RouteContext) throws {
        guard let model = config.embeddingModel else { return }
        guard let provider = context.service.embedder else {
            throw ServiceError.invalid(
                "embedding_model",
                "`\(model)` cannot be used: text inference is not configured on this server")
        }
        let (name, dimension) = try provider.dimension(model: model)
        config.embeddingModel = name
        for (vectorName, params) in config.vectors {
            if params.size == 0 {
                config.vectors[vectorName]?.size = dimension
            } else if params.size != dimension {
                let field = vectorName.isEmpty ? "vectors.size" : "vectors.\(vectorName).size"
                throw ServiceError.invalid(
                    field,
                    "is \(params.size) but model `\(name)` makes \(dimension)-dimensional vectors")
            }
        }
    }

    // MARK: - Helpers

    static func embedder(_ context: RouteContext) throws -> EmbedderProvider {
        guard let embedder = context.service.embedder else {
            throw ServiceError.inferenceUnavailable(
                "text inference is not configured on this server; send vectors as numbers")
        }
        return embedder
    }

    /// Whether `text` is only whitespace, control and format (zero-width) characters: what
    /// the WordPiece tokenizer drops entirely (B28).
    static func isBlank(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isWhitespace || scalar.properties.generalCategory == .format
                || scalar.properties.generalCategory == .control
        }
    }

    /// `point 7` for the default vector, `point 7, vector \`title\`` for a named one.
    static func label(point id: PointID, vector name: String) -> String {
        name == defaultVectorName ? "point \(id)" : "point \(id), vector `\(name)`"
    }

    private static func checkDimension(_ dimension: Int, name: String,
                                       config: CollectionConfig, model: String,
                                       label: String) throws {
        guard let params = config.vectors[name] else { throw StoreError.vectorNameNotFound(name) }
        guard params.size == dimension else {
            throw ServiceError.invalid(
                label,
                "model `\(model)` makes \(dimension)-dimensional vectors but the collection's "
                    + "vector has size \(params.size)")
        }
    }
}
