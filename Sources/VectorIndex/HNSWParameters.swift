import Foundation

/// Build and search settings of an `HNSWGraph` (Malkov & Yashunin's M, Mmax0, efConstruction).
public struct HNSWParameters: Sendable, Equatable {
    /// Paper M: neighbours kept per node on levels above 0. Qdrant's and hnswlib's default;
    /// larger values raise recall and memory (4 bytes per neighbour) and slow inserts.
    public static let defaultM = 16
    /// Paper efConstruction: candidate list size while inserting. Qdrant's default; larger
    /// values build a better graph more slowly.
    public static let defaultEfConstruction = 100
    /// Highest level a node may draw. With M = 16 a level above 12 has probability 16^-12 per
    /// node, so the cap never bites in practice; it keeps a level in one byte on disk.
    public static let maxLevel = 16
    /// Largest M accepted; lists are stored with a 16-bit count and 2·M must fit comfortably.
    public static let maxM = 512

    /// Paper M: neighbours per node on levels above 0.
    public var m: Int
    /// Paper Mmax0: neighbours per node on level 0; the paper's recommendation is 2·M.
    public var m0: Int
    /// Paper efConstruction: candidate list size while inserting.
    public var efConstruction: Int
    /// Seed of the level generator; `nil` seeds from the system's random source. A fixed seed
    /// with the same insert order builds the same graph (tests, benchmarks).
    public var levelSeed: UInt64?

    /// Creates parameters; `m0` defaults to `2 * m`.
    public init(
        m: Int = HNSWParameters.defaultM, m0: Int? = nil,
        efConstruction: Int = HNSWParameters.defaultEfConstruction, levelSeed: UInt64? = nil
    ) {
        self.m = m
        self.m0 = m0 ?? 2 * m
        self.efConstruction = efConstruction
        self.levelSeed = levelSeed
    }

    /// Paper mL = 1 / ln(M): the level multiplier that makes each level about M times smaller.
    var levelMultiplier: Double { 1 / log(Double(max(m, 2))) }

    /// Throws `IndexError.invalidParameter` naming the first setting out of range.
    func validate() throws {
        guard (2...Self.maxM).contains(m) else {
            throw IndexError.invalidParameter(name: "m", value: m, allowed: "2...\(Self.maxM)")
        }
        guard (m...(2 * Self.maxM)).contains(m0) else {
            throw IndexError.invalidParameter(
                name: "m0", value: m0, allowed: "\(m)...\(2 * Self.maxM)")
        }
        guard efConstruction >= 1 else {
            throw IndexError.invalidParameter(
                name: "efConstruction", value: efConstruction, allowed: ">= 1")
        }
    }
}

/// Draws node levels from the paper's exponential distribution, floor(-ln(U) · mL), from a
/// seeded generator so a fixed seed reproduces a build.
struct LevelGenerator {
    private var bits: SplitMix64
    private let multiplier: Double

    init(seed: UInt64?, multiplier: Double) {
        self.bits = SplitMix64(seed: seed ?? UInt64.random(in: .min ... .max))
        self.multiplier = multiplier
    }

    mutating func next() -> Int {
        // 53 random bits give a uniform double in (0, 1]; excluding 0 keeps ln finite.
        let uniform = Double((bits.next() >> 11) + 1) / Double(1 << 53)
        let level = Int(-log(uniform) * multiplier)
        return min(level, HNSWParameters.maxLevel)
    }
}

/// Steele, Lea and Flood's SplitMix64: tiny, fast and good enough for drawing levels (and for
/// the tests' reproducible vectors); not for anything that needs unpredictability.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
