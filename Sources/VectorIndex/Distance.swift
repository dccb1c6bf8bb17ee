// CONTRACT SCAFFOLD: the index work fills this in.

/// How two vectors are compared (Qdrant's `Distance`).
public enum Distance: String, Sendable, CaseIterable {
    case cosine = "Cosine"
    case dot = "Dot"
    case euclid = "Euclid"
    case manhattan = "Manhattan"
}
