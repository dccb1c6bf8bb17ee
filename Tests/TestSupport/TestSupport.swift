import Foundation
import VectorIndex
import VectorStore

/// Shared test helpers.
public enum TestSupportModule {}

/// A store in a fresh temporary directory, deleted (after closing the store) on deinit.
///
/// `reopen()` closes and opens the same directory, which is how restart persistence is tested.
public final class TemporaryStore {
    public let directory: String
    public private(set) var store: Store
    public let options: Store.Options

    public init(options: Store.Options = Store.Options(), function: String = #function) throws {
        let base = FileManager.default.temporaryDirectory.path
        let name = function.filter { $0.isLetter || $0.isNumber }
        directory = base + "/vecd-test-\(name)-\(UUID().uuidString.prefix(8))"
        self.options = options
        store = try Store(directory: directory, options: options, logger: Logger(label: "test"))
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Closes the store and opens the directory again, as a process restart would.
    @discardableResult
    public func reopen() throws -> Store {
        store.close()
        store = try Store(directory: directory, options: options, logger: Logger(label: "test"))
        return store
    }

    /// Creates `tenant` and returns a read-write session on it.
    public func session(tenant: String = "acme", create: Bool = true) throws -> TenantSession {
        if create, (try? store.tenant(tenant)) == nil { _ = try store.createTenant(tenant) }
        return try store.session(for: AccessScope(tenant: tenant, canWrite: true))
    }
}

/// A config with one unnamed vector space.
public func singleVectorConfig(size: Int, distance: Distance = .cosine) -> CollectionConfig {
    CollectionConfig(vectors: [defaultVectorName: VectorParams(size: size, distance: distance)])
}

/// A point with an unnamed vector.
public func point(_ id: UInt64, _ vector: [Float], _ payload: [String: JSONValue] = [:]) -> Point {
    Point(id: .number(id), vectors: [defaultVectorName: vector], payload: payload)
}

/// Deterministic pseudo-random vectors (SplitMix64), so failures reproduce.
public struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    public mutating func vector(dimension: Int) -> [Float] {
        (0..<dimension).map { _ in Float.random(in: -1...1, using: &self) }
    }
}
