// swift-tools-version:6.0
import PackageDescription

/// Layout (see README "Architecture"):
/// - `VecCore`: JSON values and the logger every layer shares.
/// - `VectorIndex`: pure HNSW graph and distance kernels; imports neither storage nor HTTP.
/// - `VectorStore`: tenants, collections, points, filters and payload indexes over RocksDB.
/// - `Embedder`: WordPiece tokenizer, BERT encoder on OpenBLAS, pooling, cross-encoder.
/// - `VecService`: the Qdrant-compatible REST service on libmicrohttpd, auth and routes.
/// - `VecClient`: the HTTP client, document reading and chunking behind `vecd ingest`/`query`.
/// - `vecd`: the one executable (`serve`, `ingest`, `query`).
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
        .target(name: "VectorIndex", linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "VectorStore", dependencies: ["VecCore", "CRocksDB", "VectorIndex"],
            linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "Embedder", dependencies: ["VecCore", "COpenBLAS"],
            linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "VecService",
            dependencies: ["VectorStore", "Embedder", "CMicroHTTPD", "CCrypto"]),
        .target(name: "VecClient", dependencies: ["VecCore"]),
        .executableTarget(name: "vecd", dependencies: ["VecService", "VecClient"]),
        .target(name: "TestSupport", dependencies: ["VectorStore"], path: "Tests/TestSupport"),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex"]),
        .testTarget(name: "VectorStoreTests", dependencies: ["VectorStore", "TestSupport"]),
        .testTarget(name: "EmbedderTests", dependencies: ["Embedder", "TestSupport"]),
        .testTarget(
            name: "VecServiceTests", dependencies: ["VecService", "TestSupport"]),
        .testTarget(name: "VecClientTests", dependencies: ["VecClient"]),
    ],
    // Swift 5 mode: the C handles (RocksDB, microhttpd) are shared across threads behind our own
    // locks, which strict Swift 6 checking cannot see.
    swiftLanguageModes: [.v5]
)
