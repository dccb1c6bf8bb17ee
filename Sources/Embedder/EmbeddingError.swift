/// Everything the embedder can refuse or fail at.
///
/// Loading errors (`missingFile`, `invalidFile`, `missingTensor`, `tensorShapeMismatch`,
/// `unsupportedDataType`, `invalidConfig`, `unsupportedModel`) are service faults (5xx): the
/// operator pointed the service at a directory that is not a model we can run. `unknownModel`
/// is a client fault (4xx) when the name came from a request. Each message names the file, key
/// or tensor at fault and, for shapes, both the expected and the actual value.
public enum EmbeddingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file the model directory must contain is not there; `path` is the full path looked up.
    case missingFile(path: String)
    /// A file exists but cannot be read or parsed; `reason` says what is wrong with it.
    case invalidFile(path: String, reason: String)
    /// The weights file has no tensor named `name` (after the architecture prefix is applied).
    case missingTensor(name: String, path: String)
    /// A tensor exists with the wrong shape for the configuration in `config.json`.
    case tensorShapeMismatch(name: String, expected: [Int], actual: [Int])
    /// A tensor is stored in a type we do not convert (we read F32, F16 and BF16).
    case unsupportedDataType(name: String, dataType: String)
    /// `config.json` (or another JSON file) has a missing or unusable value at `key`.
    case invalidConfig(path: String, key: String, reason: String)
    /// The model is a kind we do not run (another architecture, activation or pooling mode).
    case unsupportedModel(String)
    /// A registry lookup for a name it does not hold; `known` lists the names it does hold.
    case unknownModel(name: String, known: [String])

    public var description: String {
        switch self {
        case .missingFile(let path):
            return "model file missing: \(path)"
        case .invalidFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .missingTensor(let name, let path):
            return "tensor `\(name)` not found in \(path)"
        case .tensorShapeMismatch(let name, let expected, let actual):
            return "tensor `\(name)` has shape \(actual), expected \(expected)"
        case .unsupportedDataType(let name, let dataType):
            return "tensor `\(name)` has data type \(dataType); only F32, F16 and BF16 are read"
        case .invalidConfig(let path, let key, let reason):
            return "\(path): `\(key)` \(reason)"
        case .unsupportedModel(let reason):
            return "unsupported model: \(reason)"
        case .unknownModel(let name, let known):
            return
                "unknown model `\(name)`; known models: \(known.sorted().joined(separator: ", "))"
        }
    }
}
