import Foundation

extension ModelHub {
    /// Tokens embedding `texts` as documents costs with `model`'s own tokenizer (special
    /// tokens included, cut at the model's maximum length as the forward pass will be), for
    /// the tenant's embedding-token budget. Falls back to the protocol's estimate when the
    /// model cannot be loaded: `embed` then fails with the loading error anyway.
    public func tokenCount(_ texts: [String], model: String?) -> Int {
        guard let embedder = try? embedder(model) else {
            return texts.reduce(0) { $0 + $1.split(whereSeparator: \.isWhitespace).count + 2 }
        }
        return texts.reduce(0) { $0 + embedder.tokenize($1).ids.count }
    }
}
