/// Errors of the vector index. Input errors name the value that was refused.
public enum IndexError: Error, CustomStringConvertible, Equatable {
    /// A vector or query had `actual` components where the graph holds `expected`.
    case dimensionMismatch(expected: Int, actual: Int)
    /// A vector or query component is NaN or infinite.
    case nonFiniteComponent(index: Int, value: Float)
    /// The slot is the reserved sentinel `Slot.max`.
    case slotOutOfRange(Slot)
    /// A graph parameter is outside its allowed range.
    case invalidParameter(name: String, value: Int, allowed: String)
    /// A persisted node or metadata record could not be decoded or does not fit the graph.
    case corruptRecord(String)
    /// `checkInvariants()` found the graph in a state the algorithm never produces.
    case invariantViolated(String)

    /// A message that names the refused value.
    public var description: String {
        switch self {
        case .dimensionMismatch(let expected, let actual):
            return "vector dimension error: expected dim: \(expected), got \(actual)"
        case .nonFiniteComponent(let index, let value):
            return "vector component \(index) is \(value); only finite numbers are allowed"
        case .slotOutOfRange(let slot):
            return "slot \(slot) is out of range (must be below \(Slot.max))"
        case .invalidParameter(let name, let value, let allowed):
            return "HNSW parameter \(name) = \(value) is invalid; allowed: \(allowed)"
        case .corruptRecord(let reason):
            return "corrupt HNSW record: \(reason)"
        case .invariantViolated(let reason):
            return "HNSW invariant violated: \(reason)"
        }
    }
}
