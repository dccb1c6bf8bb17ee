// swift-tools-version:6.0
import Foundation
import PackageDescription

/// Code generation for the hot loops: the index's distance kernels and graph walk, and the
/// embedder's attention, softmax, GELU and layer norm. Swift targets baseline x86-64 (SSE2) by
/// default; when the machine that builds has AVX2 and FMA (every x86 server CPU since
/// 2013-2015, and the project's machines) these targets are compiled for `haswell`, which
/// roughly halves distance time and makes long-text encoding ~15% faster. The choice reads the
/// build host's own /proc/cpuinfo, so it never emits an instruction the build host lacks; set
/// `VECD_PORTABLE_BUILD=1` to build a binary for older x86 machines.
let hostCodegen: [SwiftSetting] = {
    #if arch(x86_64) && os(Linux)
    if ProcessInfo.processInfo.environment["VECD_PORTABLE_BUILD"] == "1" { return [] }
    guard let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
          let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })
    else { return [] }
    let names = Set(flags.split(separator: " ").map(String.init))
    guard names.isSuperset(of: ["avx2", "fma", "f16c", "bmi2", "movbe"]) else { return [] }
    return [.unsafeFlags(["-target-cpu", "haswell"]), .define("VECD_HOST_FMA")]
    #else
    return []
    #endif
}()

/// The index is optimised in debug builds too, so tests that build real graphs stay fast.
let vectorIndexSettings: [SwiftSetting] =
    [.unsafeFlags(["-O"], .when(configuration: .debug))] + hostCodegen

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
        .target(
            name: "VectorIndex", swiftSettings: vectorIndexSettings,
            linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "VectorStore", dependencies: ["VecCore", "CRocksDB", "VectorIndex", "CCrypto"],
            linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "Embedder", dependencies: ["VecCore", "COpenBLAS"],
            swiftSettings: hostCodegen, linkerSettings: [.linkedLibrary("m")]),
        .target(
            name: "VecService",
            dependencies: ["VectorStore", "Embedder", "CMicroHTTPD", "CCrypto"]),
        .target(name: "VecClient", dependencies: ["VecCore"]),
        .executableTarget(name: "vecd", dependencies: ["VecService", "VecClient"]),
        // ANN benchmark driven by bench/ann/run.py; not a product.
        .executableTarget(name: "vecbench", dependencies: ["VectorIndex"], path: "bench/vecbench"),
        // Embeds a sentence file into a .npy for bench/ann on real embeddings; not a product.
        .executableTarget(
            name: "embedcorpus", dependencies: ["Embedder"], path: "bench/embedcorpus"),
        // Filtered search through VectorStore for bench/ann (filtered run); not a product.
        .executableTarget(
            name: "filterbench", dependencies: ["VectorStore", "VecCore"],
            path: "bench/ann/filterbench"),
        // Tenant-scaling benchmark (bench/tenants); not a product.
        .executableTarget(
            name: "tenantbench", dependencies: ["VectorStore"], path: "bench/tenants",
            exclude: [
                "RESULTS.md", "qdrant_edge_bench.py", "run-qdrant-edge-10000.txt",
                "run-vecd-10000.txt",
            ]),
        // REST throughput, in process and over HTTP, driven by bench/rest; not a product.
        .executableTarget(
            name: "restbench", dependencies: ["VecService"], path: "bench/rest/restbench"),
        // Throughput benchmark of the embedder (bench/embed/README.md); not part of `vecd`.
        .executableTarget(
            name: "embed-bench", dependencies: ["Embedder", "COpenBLAS"], path: "bench/embed/Sources"),
        .target(name: "TestSupport", dependencies: ["VectorStore"], path: "Tests/TestSupport"),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex"]),
        .testTarget(name: "VectorStoreTests", dependencies: ["VectorStore", "TestSupport"]),
        .testTarget(name: "EmbedderTests", dependencies: ["Embedder", "TestSupport"]),
        .testTarget(
            name: "VecServiceTests", dependencies: ["VecService", "Embedder", "TestSupport"],
            // Python scripts the end-to-end tests run against the built binary.
            exclude: ["e2e"]),
        // Embedder for chunking with the model's real tokenizer; TestSupport for the synthetic
        // cross-encoder the end-to-end rerank test serves.
        .testTarget(name: "VecClientTests", dependencies: ["VecClient", "Embedder", "TestSupport"]),
    ],
    // Swift 5 mode: the C handles (RocksDB, microhttpd) are shared across threads behind our own
    // locks, which strict Swift 6 checking cannot see.
    swiftLanguageModes: [.v5]
)
