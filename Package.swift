// swift-tools-version:6.0
import PackageDescription

/// Layout (see README "Architecture"):
/// - `VecCore`: JSON values and the logger every layer shares.
/// - `VectorIndex`: pure HNSW graph and distance kernels; imports neither storage nor HTTP.
/// - `VectorStore`: tenants, collections, points, filters and payload indexes over RocksDB.
/// - `Embedder`: WordPiece tokenizer, BERT encoder on OpenBLAS, pooling, cross-encoder.
/// - `VecService`: the Qdrant-compatible REST service on libmicrohttpd, auth and routes.
/// - `vecd`: the one executable (`serve`, `ingest`, `query`).
/// The index's distance kernels and graph loops are the hot path of every search. They are
/// optimised in debug builds too, so tests that build real graphs stay fast, and on x86-64 they
/// target Haswell-class CPUs (AVX2 + FMA, every x86 server since 2013) instead of the SSE2
/// baseline, which roughly halves distance time. Set VECD_PORTABLE=1 to build for the baseline.
var vectorIndexSettings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#if arch(x86_64)
if Context.environment["VECD_PORTABLE"] == nil {
    vectorIndexSettings.append(.unsafeFlags(["-target-cpu", "haswell"]))
}
#endif

let package = Package(
    name: "vecd",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "vecd", targets: ["vecd"]),
        .library(name: "VectorStore", targets: ["VectorStore"]),
        .library(name: "Embedder", targets: ["Embedder"]),
    ],
    targets: [
        .systemLibrary(name: "CRocksDB", pkgConfig: "rocksdb"),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas"),
        .systemLibrary(name: "CMicroHTTPD", pkgConfig: "libmicrohttpd"),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto"),
        .target(name: "VecCore"),
        .target(
            name: "VectorIndex", swiftSettings: vectorIndexSettings,
            linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "VectorStore", dependencies: ["VecCore", "CRocksDB", "VectorIndex"],
            linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "Embedder", dependencies: ["VecCore", "COpenBLAS"],
            linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "VecService",
            dependencies: ["VectorStore", "Embedder", "CMicroHTTPD", "CCrypto"]),
        .executableTarget(name: "vecd", dependencies: ["VecService"]),
        // ANN benchmark driven by bench/ann/run.py; not a product.
        .executableTarget(name: "vecbench", dependencies: ["VectorIndex"], path: "bench/vecbench"),
        .target(name: "TestSupport", dependencies: ["VectorStore"], path: "Tests/TestSupport"),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex"]),
        .testTarget(name: "VectorStoreTests", dependencies: ["VectorStore", "TestSupport"]),
        .testTarget(name: "EmbedderTests", dependencies: ["Embedder", "TestSupport"]),
        .testTarget(
            name: "VecServiceTests", dependencies: ["VecService", "TestSupport"]),
    ],
    // Swift 5 mode: the C handles (RocksDB, microhttpd) are shared across threads behind our own
    // locks, which strict Swift 6 checking cannot see.
    swiftLanguageModes: [.v5]
)
