import Foundation
import VectorStore

/// What one request spent on models: tokens per embedding model, pairs per reranker, and
/// which inputs were cut to the model's maximum length (B07). Filled by `Inference` while the
/// handler runs; `Service` reports it in the envelope's `usage` and records it in the
/// tenant's usage ledger (`Operations.recordInference`).
///
/// A class so that every copy of the request's `RouteContext` adds to the same tally; the lock
/// is there because nothing stops a handler from embedding on several threads.
final class InferenceTally: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var tokens: [String: Int] = [:]
    private(set) var pairs: [String: Int] = [:]
    private(set) var truncated: [String] = []

    /// Records an embedder call; `labels` name its inputs (`points[3]`, `input[0]`, `query`).
    func record(_ embeddings: TextEmbeddings, labels: [String]) {
        lock.lock()
        defer { lock.unlock() }
        tokens[embeddings.model, default: 0] += embeddings.tokens
        truncated += embeddings.truncated.map { labels[$0] }
    }

    /// Records a reranker call of `count` query/passage pairs.
    func recordRerank(model: String, pairs count: Int) {
        lock.lock()
        defer { lock.unlock() }
        pairs[model, default: 0] += count
    }

    var isEmpty: Bool {
        lock.lock()
        defer { lock.unlock() }
        return tokens.isEmpty && pairs.isEmpty
    }

    /// Qdrant's `InferenceUsage` (`{"models": {name: {"tokens": n}}}`) plus our
    /// `rerank_pairs` per reranker and `truncated` (labels of inputs cut at the model's
    /// maximum length); `nil` when no model ran.
    var json: JSONValue? {
        lock.lock()
        defer { lock.unlock() }
        guard !tokens.isEmpty || !pairs.isEmpty else { return nil }
        var models: [String: JSONValue] = [:]
        for (model, count) in tokens { models[model] = ["tokens": .int(Int64(count))] }
        for (model, count) in pairs {
            var entry = models[model]?.objectValue ?? ["tokens": 0]
            entry["rerank_pairs"] = .int(Int64(count))
            models[model] = .object(entry)
        }
        var result: [String: JSONValue] = ["models": .object(models)]
        if !truncated.isEmpty { result["truncated"] = .array(truncated.map(JSONValue.string)) }
        return .object(result)
    }
}

/// A tenant's all-time inference totals, read from the usage ledger's `total` window: the
/// ledger is the one record of inference (fed once per successful request by
/// `Operations.recordInference`), so `GET /tenants/{t}` and `GET /tenants/{t}/usage` cannot
/// disagree. The ledger persists in the registry, survives restarts and forgets a deleted
/// tenant.
public final class InferenceMeter: Sendable {
    /// One tenant's totals.
    public struct Counts: Sendable, Equatable {
        /// Tokens embedded (documents, queries, `/v1/embeddings`).
        public var embedTokens = 0
        /// Query/passage pairs scored by a reranker.
        public var rerankPairs = 0
        /// Requests that ran a model.
        public var requests = 0
    }

    private let store: Store
    private let ledger: UsageLedger

    init(store: Store, ledger: UsageLedger) {
        self.store = store
        self.ledger = ledger
    }

    /// The totals of `tenant` (zeros for a tenant that never ran a model).
    ///
    /// - Throws: `tenantNotFound` for an unknown tenant.
    public func counts(tenant: String) throws -> Counts {
        _ = try store.tenant(tenant)
        let total = ledger.usage(of: tenant)["total"] ?? UsageCounters()
        return Counts(embedTokens: Int(total.embeddingTokens),
                      rerankPairs: Int(total.rerankPairs),
                      requests: Int(total.inferenceRequests))
    }
}
