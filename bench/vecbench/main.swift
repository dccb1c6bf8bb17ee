// vecbench: builds an HNSWGraph from a vector file and reports build time, recall@k and
// single-thread QPS at several ef, and peak RSS, as one JSON object on stdout.
// Driven by bench/ann/run.py; see bench/ann/RESULTS.md.
import Foundation
import VectorIndex

struct Options {
    var base = ""
    var queries = ""
    var truth = ""
    var distance = Distance.cosine
    var m = 16
    var efConstruction = 100
    var efs = [16, 32, 64, 128, 256]
    var k = 10
    var seed: UInt64 = 100
    /// Restores the graph from this file when it exists, else builds and saves it there
    /// (exercises the persistence records; speeds up search-only experiments).
    var graphCache: String?
    /// Also measure wall-clock QPS with this many threads searching at once (0: skip).
    var threads = 0

    static let usage = """
        usage: vecbench --base X.npy|.fvecs --queries Q.npy|.fvecs --truth T.npy
                        [--distance Cosine|Dot|Euclid|Manhattan] [--m 16]
                        [--ef-construction 100] [--ef 16,32,64] [--k 10] [--seed 100]
                        [--graph-cache FILE] [--threads N]
        """

    init(arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else {
                throw BenchError.usage("\(flag) needs a value")
            }
            switch flag {
            case "--base": base = value
            case "--queries": queries = value
            case "--truth": truth = value
            case "--distance":
                guard let parsed = Distance(rawValue: value) else {
                    throw BenchError.usage("unknown distance \(value)")
                }
                distance = parsed
            case "--m": m = try Self.int(value, flag)
            case "--ef-construction": efConstruction = try Self.int(value, flag)
            case "--ef":
                efs = try value.split(separator: ",").map { try Self.int(String($0), flag) }
            case "--k": k = try Self.int(value, flag)
            case "--seed": seed = UInt64(try Self.int(value, flag))
            case "--graph-cache": graphCache = value
            case "--threads": threads = try Self.int(value, flag)
            default: throw BenchError.usage("unknown option \(flag)")
            }
        }
        guard !base.isEmpty, !queries.isEmpty, !truth.isEmpty else {
            throw BenchError.usage("--base, --queries and --truth are required")
        }
    }

    private static func int(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text) else {
            throw BenchError.usage("\(flag) \(text) is not an integer")
        }
        return value
    }
}

enum BenchError: Error, CustomStringConvertible {
    case usage(String)
    case badFile(String)

    var description: String {
        switch self {
        case .usage(let message): return "\(message)\n\(Options.usage)"
        case .badFile(let message): return message
        }
    }
}

/// Rows of a 2-D matrix read from disk.
struct Matrix<T> {
    var rows: Int
    var columns: Int
    var values: [T]

    func row(_ index: Int) -> ArraySlice<T> { values[(index * columns)..<((index + 1) * columns)] }
}

/// Reads a C-order float32 or int32/int64 `.npy` (version 1–3) or a `.fvecs` file.
func readMatrix(_ path: String) throws -> (shape: [Int], descr: String, payload: Data) {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw BenchError.badFile("cannot read \(path)")
    }
    if path.hasSuffix(".fvecs") {
        let dimension = Int(data.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
        let rowBytes = 4 + 4 * dimension
        guard dimension > 0, data.count % rowBytes == 0 else {
            throw BenchError.badFile("\(path): not an .fvecs file (dimension \(dimension))")
        }
        var payload = Data(capacity: data.count / rowBytes * dimension * 4)
        for row in 0..<(data.count / rowBytes) {
            payload.append(data[(row * rowBytes + 4)..<((row + 1) * rowBytes)])
        }
        return ([data.count / rowBytes, dimension], "<f4", payload)
    }
    guard data.count > 10, data.prefix(6) == Data([0x93] + Array("NUMPY".utf8)) else {
        throw BenchError.badFile("\(path): not an .npy file")
    }
    let major = data[6]
    let headerLength = major == 1
        ? Int(data[8]) | Int(data[9]) << 8
        : Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
    let headerStart = major == 1 ? 10 : 12
    let header = String(decoding: data[headerStart..<(headerStart + headerLength)], as: UTF8.self)
    guard header.contains("'fortran_order': False") else {
        throw BenchError.badFile("\(path): Fortran-order arrays are not supported")
    }
    let descr = try field(header, "'descr': '", "'")
    let shape = try field(header, "'shape': (", ")")
        .split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    return (shape, descr, data.subdata(in: (headerStart + headerLength)..<data.count))
}

private func field(_ header: String, _ start: String, _ end: String) throws -> String {
    guard let open = header.range(of: start),
        let close = header.range(of: end, range: open.upperBound..<header.endIndex)
    else { throw BenchError.badFile("npy header without \(start): \(header)") }
    return String(header[open.upperBound..<close.lowerBound])
}

func readFloats(_ path: String) throws -> Matrix<Float> {
    let (shape, descr, payload) = try readMatrix(path)
    guard descr == "<f4", shape.count == 2 else {
        throw BenchError.badFile("\(path): need a 2-D float32 array, got \(descr) \(shape)")
    }
    let values = payload.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    return Matrix(rows: shape[0], columns: shape[1], values: values)
}

func readIDs(_ path: String) throws -> Matrix<Int> {
    let (shape, descr, payload) = try readMatrix(path)
    guard shape.count == 2 else { throw BenchError.badFile("\(path): need a 2-D array") }
    let values: [Int]
    switch descr {
    case "<i4": values = payload.withUnsafeBytes { $0.bindMemory(to: Int32.self).map(Int.init) }
    case "<i8": values = payload.withUnsafeBytes { $0.bindMemory(to: Int64.self).map(Int.init) }
    default: throw BenchError.badFile("\(path): need int32 or int64 ids, got \(descr)")
    }
    return Matrix(rows: shape[0], columns: shape[1], values: values)
}

/// CPU time this process has used, in seconds. Throughput is measured in CPU time because the
/// machine is shared: wall time would charge us for other processes' turns on the cores.
func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Peak resident set size in MiB, from the kernel's high-water mark.
func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return -1 }
    return kib / 1024
}

/// Writes the metadata and every node record, each prefixed by its length (UInt32).
func save(_ graph: HNSWGraph, to path: String, rows: Int) throws {
    var bytes: [UInt8] = []
    func append(_ record: [UInt8]) {
        withUnsafeBytes(of: UInt32(record.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: record)
    }
    append(graph.metadata.serialized())
    for row in 0..<rows { append(graph.nodeRecord(at: Slot(row))!.serialized()) }
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func restore(_ graph: HNSWGraph, from path: String, base: Matrix<Float>) throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    var offset = 0
    func next() -> [UInt8] {
        let length = bytes[offset..<(offset + 4)].enumerated()
            .reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        defer { offset += 4 + length }
        return Array(bytes[(offset + 4)..<(offset + 4 + length)])
    }
    let metadata = try HNSWGraphMetadata(bytes: next())
    var nodes: [HNSWGraph.StoredNode] = []
    for row in 0..<base.rows {
        nodes.append((Slot(row), try HNSWNodeRecord(bytes: next()), Array(base.row(row))))
    }
    try graph.restore(metadata: metadata, nodes: nodes)
}

/// Wall-clock QPS with `threads` threads sharing the queries, each searching in a loop.
func parallelQPS(
    _ graph: HNSWGraph, _ queries: [[Float]], k: Int, ef: Int, threads: Int
) throws -> Double {
    let start = Date()
    let failed = FailureFlag()
    DispatchQueue.concurrentPerform(iterations: threads) { worker in
        for index in stride(from: worker, to: queries.count, by: threads) {
            if (try? graph.search(query: queries[index], k: k, ef: ef)) == nil { failed.set() }
        }
    }
    guard !failed.isSet else { throw BenchError.badFile("a parallel search failed") }
    return Double(queries.count) / Date().timeIntervalSince(start)
}

/// A flag worker threads may set.
final class FailureFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    func set() {
        lock.lock()
        value = true
        lock.unlock()
    }

    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }
}

func run() throws {
    let options = try Options(arguments: CommandLine.arguments)
    let base = try readFloats(options.base)
    let queries = try readFloats(options.queries)
    let truth = try readIDs(options.truth)
    let parameters = HNSWParameters(
        m: options.m, efConstruction: options.efConstruction, levelSeed: options.seed)
    let graph = try HNSWGraph(
        dimension: base.columns, distance: options.distance, parameters: parameters)

    let buildStart = cpuSeconds()
    if let cache = options.graphCache, FileManager.default.fileExists(atPath: cache) {
        try restore(graph, from: cache, base: base)
    } else {
        graph.reserveCapacity(base.rows)
        for row in 0..<base.rows {
            try graph.insert(slot: Slot(row), vector: Array(base.row(row)))
        }
        if let cache = options.graphCache { try save(graph, to: cache, rows: base.rows) }
    }
    let buildSeconds = cpuSeconds() - buildStart

    let queryVectors = (0..<queries.rows).map { Array(queries.row($0)) }
    var runs: [[String: Double]] = []
    for ef in options.efs {
        var found = 0
        let start = cpuSeconds()
        let wallStart = Date()
        var results: [[ScoredSlot]] = []
        results.reserveCapacity(queryVectors.count)
        for query in queryVectors {
            results.append(try graph.search(query: query, k: options.k, ef: ef))
        }
        let seconds = cpuSeconds() - start
        let wallSeconds = Date().timeIntervalSince(wallStart)
        for (index, hits) in results.enumerated() {
            let expected = Set(truth.row(index).prefix(options.k))
            found += hits.filter { expected.contains(Int($0.slot)) }.count
        }
        let recall = Double(found) / Double(queryVectors.count * options.k)
        var run = [
            "ef": Double(ef), "recall": recall, "qps": Double(queryVectors.count) / seconds,
            "wall_qps": Double(queryVectors.count) / wallSeconds,
        ]
        if options.threads > 0 {
            run["parallel_wall_qps"] = try parallelQPS(
                graph, queryVectors, k: options.k, ef: ef, threads: options.threads)
        }
        runs.append(run)
    }
    let report: [String: Any] = [
        "engine": "vecd", "n": base.rows, "dimension": base.columns,
        "build_seconds": buildSeconds, "peak_rss_mib": peakRSSMiB(), "runs": runs,
    ]
    let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("vecbench: \(error)\n".utf8))
    exit(2)
}
