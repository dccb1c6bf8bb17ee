import Embedder
import Foundation
import VectorStore

/// OpenAI-compatible `POST /v1/embeddings` and Cohere/Jina-compatible `POST /v1/rerank`, so
/// LiteLLM (or any client of those APIs) can route embedding and rerank calls to vecd with a
/// tenant key. Any valid tenant credential may call them (read access suffices); the work is
/// counted in the tenant's usage. Bodies and errors follow those APIs, not Qdrant's envelope:
/// errors are `{"error": {"message", "type", "code"}}` with the status of the same error on
/// the Qdrant routes.
enum InferenceRoutes {
    static let routes: [Route] = [
        Route("POST", "/v1/embeddings", .read, embeddings),
        Route("POST", "/v1/rerank", .read, rerank),
    ]

    /// `{"input": str | [str], "model"?, "encoding_format"?: "float" | "base64",
    ///   "dimensions"?, "input_type"?: "query" | "document"}` (the last is our extension, as in
    /// Cohere and Jina: `query` adds the model's query instruction).
    static func embeddings(_ context: RouteContext) throws -> RouteResult {
        openAIErrors(context) {
            let body = try context.body()
            let texts = try inputs(body)
            let role = try role(body)
            let model = try body.string("model")
            let format = try body.string("encoding_format") ?? "float"
            guard format == "float" || format == "base64" else {
                throw ServiceError.invalid(
                    "encoding_format", "expected float or base64, got \(format)")
            }
            // Every field is checked before any model runs: a refused request costs nothing.
            if let dimensions = try body.int("dimensions", in: 1...65_536) {
                let (name, width) = try Inference.embedder(context).dimension(model: model)
                guard dimensions == width else {
                    throw ServiceError.invalid(
                        "dimensions",
                        "model `\(name)` makes \(width)-dimensional vectors, not \(dimensions)")
                }
            }
            let embedded = try Inference.embed(
                texts, labels: texts.indices.map { "input[\($0)]" }, model: model, role: role,
                context: context)
            let data = embedded.vectors.enumerated().map { index, vector -> JSONValue in
                [
                    "object": "embedding", "index": .int(Int64(index)),
                    "embedding": format == "base64" ? .string(base64(vector))
                        : .array(vector.map(Wire.float)),
                ]
            }
            let tokens = JSONValue.int(Int64(embedded.tokens))
            var result: [String: JSONValue] = [
                "object": "list", "data": .array(data), "model": .string(embedded.model),
                "usage": ["prompt_tokens": tokens, "total_tokens": tokens],
            ]
            if let truncated = context.inference.json?["truncated"] {
                result["truncated"] = truncated
            }
            return .response(.json(.object(result)))
        }
    }

    /// `{"query", "documents": [str | {"text"}], "model"?, "top_n"?, "return_documents"?}` →
    /// `{"results": [{"index", "relevance_score", "document"?: {"text"}}], "model", "usage",
    /// "meta"}`, best first. `relevance_score` is the sigmoid of the cross-encoder's logit,
    /// in (0, 1) as Cohere's is, computed in double so large logits stay ordered.
    static func rerank(_ context: RouteContext) throws -> RouteResult {
        openAIErrors(context) {
            let body = try context.body()
            let query = try body.required("query", body.string)
            let documents = try rerankDocuments(body)
            let topN = try body.int("top_n", in: 1...Int(Int32.max)) ?? documents.count
            let returnDocuments = try body.bool("return_documents") ?? false
            let model = try body.string("model")
            let scores = documents.isEmpty ? []
                : try Inference.rerank(query: query, passages: documents, model: model,
                                       context: context)
            let order = scores.indices.sorted {
                scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1
            }
            let results = order.prefix(topN).map { index -> JSONValue in
                var hit: [String: JSONValue] = [
                    "index": .int(Int64(index)),
                    "relevance_score": .double(Reranker.sigmoid(scores[index])),
                ]
                if returnDocuments { hit["document"] = ["text": .string(documents[index])] }
                return .object(hit)
            }
            let name = context.inference.pairs.keys.first ?? model ?? ""
            let pairs = JSONValue.int(Int64(documents.count))
            return .response(.json([
                "id": .string(UUID().uuidString.lowercased()), "results": .array(results),
                "model": .string(name), "usage": ["total_tokens": 0, "rerank_pairs": pairs],
                "meta": ["billed_units": ["search_units": 1]],
            ]))
        }
    }

    // MARK: - Bodies

    /// Most texts one `/v1/embeddings` request may carry (`Inference.maximumTexts`).
    static let maximumInputs = Inference.maximumTexts

    /// `input`: one string or a list of strings. Token-id arrays (OpenAI also takes them) are
    /// refused: the ids of another tokenizer mean nothing to our models.
    private static func inputs(_ body: WireObject) throws -> [String] {
        switch body["input"] {
        case .string(let text)?: return [text]
        case .array(let items)?:
            guard !items.isEmpty else { throw ServiceError.invalid("input", "is an empty list") }
            guard items.count <= maximumInputs else {
                throw ServiceError.invalid(
                    "input", "has \(items.count) texts; at most \(maximumInputs) per request")
            }
            return try items.enumerated().map { index, item in
                guard case .string(let text) = item else {
                    throw ServiceError.invalid(
                        "input[\(index)]", "expected a string, got \(item.typeName) (token ids "
                            + "are not accepted; send text)")
                }
                return text
            }
        case nil: throw ServiceError.invalid("input", "missing field `input`")
        case let other?:
            throw ServiceError.invalid(
                "input", "expected a string or a list, got \(other.typeName)")
        }
    }

    private static func role(_ body: WireObject) throws -> TextRole {
        switch try body.string("input_type") ?? "document" {
        case "query", "search_query", "retrieval.query": return .query
        case "document", "search_document", "passage", "retrieval.passage": return .document
        case let other:
            throw ServiceError.invalid("input_type", "expected query or document, got \(other)")
        }
    }

    /// `documents`: strings or `{"text": ...}` objects (Cohere v2 and Jina send both).
    private static func rerankDocuments(_ body: WireObject) throws -> [String] {
        let items = try body.required("documents", body.array)
        return try items.enumerated().map { index, item in
            switch item {
            case .string(let text): return text
            case .object(let members):
                guard case .string(let text)? = members["text"] else {
                    throw ServiceError.invalid("documents[\(index)].text", "missing text")
                }
                return text
            default:
                throw ServiceError.invalid(
                    "documents[\(index)]", "expected a string or {\"text\"}, got \(item.typeName)")
            }
        }
    }

    /// Little-endian float32 bytes in base64, as OpenAI's `encoding_format: base64`.
    private static func base64(_ vector: [Float]) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(vector.count * 4)
        for value in vector {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return Data(bytes).base64EncodedString()
    }

    /// Runs `body`, answering its errors in OpenAI's error shape.
    private static func openAIErrors(_ context: RouteContext, _ body: () throws -> RouteResult)
        -> RouteResult
    {
        do {
            return try body()
        } catch {
            let wrapped = ServiceError.wrap(error)
            let mapping = ErrorMapping.of(wrapped)
            if mapping.isServiceFault {
                context.service.logger.error("request failed", metadata: ["error": "\(wrapped)"])
            }
            let type = mapping.isServiceFault ? "server_error" : "invalid_request_error"
            return .response(.json([
                "error": ["message": .string(wrapped.description), "type": .string(type),
                          "code": .null],
            ], status: mapping.status))
        }
    }
}
