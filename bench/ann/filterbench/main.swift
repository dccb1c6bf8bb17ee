// filterbench: the filtered-search half of bench/ann, through VectorStore as users get it.
//
// Loads base vectors into one collection of a fresh Store (RocksDB, M / ef_construct as
// given, integer payload indexes on `b100` = id % 100 and `b10` = id % 10, and `u10` = id % 10
// without an index), then answers the queries with no filter, with `b100 == 0` (1% of points),
// `b10 == 0` (10%) and `u10 == 0` (10%, the payload read for each visited point), through
// `TenantSession.search` with `hnsw_ef` at each ef. The collection's planner decides between a
// filtered graph walk and an exact scan of the matching points, as it does in the service.
// Prints one JSON object: build CPU seconds, peak RSS and, per filter and ef, recall@k
// against the exact (filtered) neighbours in the --truth-* files and single-thread CPU QPS.
//
//     filterbench --base B.npy --queries Q.npy --truth T.npy --truth-1 T1.npy
//                 --truth-10 T10.npy --dir STORE_DIR [--m 16] [--ef-construction 100]
//                 [--ef 16,32,64] [--k 10]
import Foundation
import VecCore
import VectorIndex
import VectorStore

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct Options {
    var paths: [String: String] = [:]
    var m = 16
    var efConstruction = 100
    var efs = [16, 32, 64, 128, 256]
    var k = 10

    static let required = ["--base", "--queries", "--truth", "--truth-1", "--truth-10", "--dir"]

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        while let flag = iterator.next() {
            guard let value = iterator.next() else { throw BenchError("\(flag) needs a value") }
            switch flag {
            case "--m": m = try Self.int(value, flag)
            case "--ef-construction": efConstruction = try Self.int(value, flag)
            case "--k": k = try Self.int(value, flag)
            case "--ef":
                efs = try value.split(separator: ",").map { try Self.int(String($0), flag) }
            case _ where Self.required.contains(flag): paths[flag] = value
            default: throw BenchError("unknown option \(flag)")
            }
        }
        for flag in Self.required where paths[flag] == nil {
            throw BenchError("\(flag) is required")
        }
    }

    private static func int(_ text: String, _ flag: String) throws -> Int {
        guard let value = Int(text) else { throw BenchError("\(flag) \(text) is not an integer") }
        return value
    }
}

/// A C-order 2-D `.npy` array (v1-3): shape, dtype and raw little-endian payload.
func readNpy(_ path: String) throws -> (rows: Int, columns: Int, descr: String, payload: Data) {
    guard let data = FileManager.default.contents(atPath: path), data.count > 10,
        data.prefix(6) == Data([0x93] + Array("NUMPY".utf8))
    else { throw BenchError("\(path): not a readable .npy file") }
    let major = data[6]
    let headerLength = major == 1
        ? Int(data[8]) | Int(data[9]) << 8
        : Int(data[8]) | Int(data[9]) << 8 | Int(data[10]) << 16 | Int(data[11]) << 24
    let start = major == 1 ? 10 : 12
    let header = String(decoding: data[start..<(start + headerLength)], as: UTF8.self)
    guard let descrStart = header.range(of: "'descr': '"),
        let descrEnd = header.range(of: "'", range: descrStart.upperBound..<header.endIndex),
        let shapeStart = header.range(of: "'shape': ("),
        let shapeEnd = header.range(of: ")", range: shapeStart.upperBound..<header.endIndex),
        header.contains("'fortran_order': False")
    else { throw BenchError("\(path): unsupported npy header \(header)") }
    let shape = header[shapeStart.upperBound..<shapeEnd.lowerBound].split(separator: ",")
        .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard shape.count == 2 else { throw BenchError("\(path): need a 2-D array, got \(shape)") }
    let descr = String(header[descrStart.upperBound..<descrEnd.lowerBound])
    return (shape[0], shape[1], descr, data.subdata(in: (start + headerLength)..<data.count))
}

func readFloatRows(_ path: String) throws -> [[Float]] {
    let (rows, columns, descr, payload) = try readNpy(path)
    guard descr == "<f4" else { throw BenchError("\(path): need float32, got \(descr)") }
    let values = payload.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    return (0..<rows).map { Array(values[($0 * columns)..<(($0 + 1) * columns)]) }
}

func readIDRows(_ path: String) throws -> [[Int]] {
    let (rows, columns, descr, payload) = try readNpy(path)
    guard descr == "<i8" else { throw BenchError("\(path): need int64, got \(descr)") }
    let values = payload.withUnsafeBytes { $0.bindMemory(to: Int64.self).map(Int.init) }
    return (0..<rows).map { Array(values[($0 * columns)..<(($0 + 1) * columns)]) }
}

/// CPU seconds of the whole process (RocksDB's background threads included).
func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

func peakRSSMiB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kib = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return -1 }
    return kib / 1024
}

func log(_ message: String) { FileHandle.standardError.write(Data((message + "\n").utf8)) }

/// Creates the collection and its payload indexes, then upserts every base vector.
func build(_ session: TenantSession, base: [[Float]], options: Options) throws {
    let hnsw = HNSWConfig(m: options.m, efConstruct: options.efConstruction)
    let config = CollectionConfig(
        vectors: [defaultVectorName: VectorParams(size: base[0].count, distance: .cosine)],
        hnsw: hnsw)
    try session.createCollection("bench", config: config)
    for field in ["b100", "b10"] {
        try session.createPayloadIndex(
            "bench", field: field, schema: PayloadFieldSchema(kind: .integer),
            durability: .buffered)
    }
    for start in stride(from: 0, to: base.count, by: 1000) {
        let points = (start..<min(start + 1000, base.count)).map { (row: Int) -> Point in
            let payload: [String: JSONValue] = [
                "b100": .int(Int64(row % 100)), "b10": .int(Int64(row % 10)),
                "u10": .int(Int64(row % 10)),
            ]
            return Point(
                id: .number(UInt64(row)), vectors: [defaultVectorName: base[row]],
                payload: payload)
        }
        try session.upsert("bench", points: points, durability: .buffered)
        if start % 20000 == 0 { log("upserted \(start + points.count)") }
    }
}

func filter(field: String) throws -> Filter {
    try Filter(json: JSONValue.parse(#"{"must": [{"key": "\#(field)", "match": {"value": 0}}]}"#))
}

func run() throws {
    let options = try Options(CommandLine.arguments)
    let base = try readFloatRows(options.paths["--base"]!)
    let queries = try readFloatRows(options.paths["--queries"]!)
    let directory = options.paths["--dir"]!
    try? FileManager.default.removeItem(atPath: directory)
    let store = try Store(directory: directory)
    defer { store.close() }
    _ = try store.createTenant("bench")
    let session = try store.session(for: AccessScope(tenant: "bench", canWrite: true))

    let buildStart = cpuSeconds()
    let wallStart = Date()
    try build(session, base: base, options: options)
    let buildSeconds = cpuSeconds() - buildStart
    let buildWall = Date().timeIntervalSince(wallStart)

    let cases: [(name: String, filter: Filter?, truth: String)] = [
        ("none", nil, "--truth"), ("1%", try filter(field: "b100"), "--truth-1"),
        ("10%", try filter(field: "b10"), "--truth-10"),
        ("10% unindexed", try filter(field: "u10"), "--truth-10"),
    ]
    var runs: [[String: Any]] = []
    for (name, filter, truthFlag) in cases {
        let truth = try readIDRows(options.paths[truthFlag]!)
        for ef in options.efs {
            let start = cpuSeconds()
            let wall = Date()
            var results: [[ScoredPoint]] = []
            results.reserveCapacity(queries.count)
            for query in queries {
                let request = SearchRequest(vector: query, filter: filter, limit: options.k, ef: ef)
                results.append(try session.search("bench", request: request))
            }
            let seconds = cpuSeconds() - start
            let wallSeconds = Date().timeIntervalSince(wall)
            var found = 0
            for (index, hits) in results.enumerated() {
                let expected = Set(truth[index].prefix(options.k))
                found += hits.filter {
                    if case .number(let id) = $0.id { return expected.contains(Int(id)) }
                    return false
                }.count
            }
            runs.append([
                "filter": name, "ef": ef,
                "recall": Double(found) / Double(queries.count * options.k),
                "qps": Double(queries.count) / seconds,
                "wall_qps": Double(queries.count) / wallSeconds,
            ])
            log("\(name) ef \(ef): \(runs.last!)")
        }
    }
    let report: [String: Any] = [
        "engine": "vecd", "n": base.count, "dimension": base[0].count,
        "build_seconds": buildSeconds, "build_wall_seconds": buildWall,
        "peak_rss_mib": peakRSSMiB(), "runs": runs,
    ]
    let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
    print(String(decoding: json, as: UTF8.self))
}

do {
    try run()
} catch {
    log("filterbench: \(error)")
    exit(2)
}
