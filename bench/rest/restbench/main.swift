// restbench: search and upsert throughput in process and over HTTP, in one run, so HTTP's
// overhead is a ratio of two figures measured on the same machine, data and concurrency.
//
// Usage: swift run -c release restbench [--points N] [--dim D] [--seconds S] [--connections C]
//                                       [--rounds R]
// Each figure is the median of R rounds, and the rounds interleave in process and HTTP runs,
// so load from other processes on a shared machine hits both sides alike.
// Needs `wrk` on PATH (apt-get install wrk). The server listens on 127.0.0.1 only.

import Foundation
import VecService
import VectorStore

struct Settings {
    var points = 10_000
    var dimension = 128
    var seconds = 10
    var connections = 16
    var rounds = 3

    init(_ arguments: [String]) {
        var index = 0
        while index + 1 < arguments.count {
            let value = Int(arguments[index + 1]) ?? 0
            switch arguments[index] {
            case "--points": points = value
            case "--dim": dimension = value
            case "--seconds": seconds = value
            case "--connections": connections = value
            case "--rounds": rounds = max(1, value)
            default: fatalError("unknown option \(arguments[index])")
            }
            index += 2
        }
    }
}

/// A deterministic pseudo-random vector (SplitMix64), so every run searches the same data.
func vector(_ seed: UInt64, dimension: Int) -> [Float] {
    var state = seed &+ 0x9E37_79B9_7F4A_7C15
    return (0..<dimension).map { _ in
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return Float(mixed >> 40) / Float(1 << 24) - 0.5
    }
}

/// Runs `work` on `threads` threads for `seconds`; returns operations per second.
func throughput(
    threads: Int,
    seconds: Int,
    _ work: @escaping @Sendable (Int, Int) -> Void
) -> Double {
    let deadline = Date().addingTimeInterval(Double(seconds))
    let lock = NSLock()
    var total = 0
    DispatchQueue.concurrentPerform(iterations: threads) { thread in
        var count = 0
        while Date() < deadline {
            work(thread, count)
            count += 1
        }
        lock.lock()
        total += count
        lock.unlock()
    }
    return Double(total) / Double(seconds)
}

/// Runs wrk with a Lua script; returns requests per second.
func wrk(port: Int, script: String, settings: Settings) throws -> Double {
    let path = NSTemporaryDirectory() + "restbench-\(UUID().uuidString).lua"
    try script.write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "wrk", "-t1", "-c\(settings.connections)", "-d\(settings.seconds)s",
        "-s", path, "http://127.0.0.1:\(port)",
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("Requests/sec:") }),
        let rate = Double(line.split(separator: " ").last ?? "")
    else { fatalError("wrk output not understood:\n\(text)") }
    if text.contains("Non-2xx") { fatalError("wrk saw errors:\n\(text)") }
    return rate
}

func luaNumbers(_ vector: [Float]) -> String {
    vector.map { String(format: "%.5f", $0) }.joined(separator: ",")
}

let settings = Settings(Array(CommandLine.arguments.dropFirst()))
let directory = NSTemporaryDirectory() + "restbench-\(UUID().uuidString)"
try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(atPath: directory) }
Logger.bootstrap(minimumLevel: .warning)

// A tenant made through the admin API, so requests authenticate with a real tenant key.
let store = try Store(directory: directory)
let adminKey = "restbench-admin"
let service = Service(store: store, adminKey: adminKey)
let created = service.handle(
    Request(
        method: "PUT",
        path: "/tenants/bench",
        headers: ["api-key": adminKey]
    )
)
guard let tenantKey = created.jsonBody?["result"]?["api_key"]?.stringValue else {
    fatalError("tenant not created: \(created.textBody)")
}
let session = try store.session(for: AccessScope(tenant: "bench", canWrite: true))
for name in ["docs", "writes"] {
    try session.createCollection(
        name,
        config: CollectionConfig(
            vectors: [defaultVectorName: VectorParams(size: settings.dimension, distance: .cosine)])
    )
}
for start in stride(from: 0, to: settings.points, by: 1000) {
    let points = (start..<min(start + 1000, settings.points)).map { id in
        Point(
            id: .number(UInt64(id)),
            vectors: [defaultVectorName: vector(UInt64(id), dimension: settings.dimension)],
            payload: ["n": .int(Int64(id))]
        )
    }
    try session.upsert("docs", points: points, durability: .buffered)
}
let queries = (0..<64).map { vector(1_000_000 + UInt64($0), dimension: settings.dimension) }
let cores = ProcessInfo.processInfo.activeProcessorCount

/// In process at the HTTP run's concurrency and at one thread per core; the better is the
/// baseline (on 2 cores, 16 threads mostly add context switches).
func bestOf(_ work: @escaping @Sendable (Int, Int) -> Void) -> Double {
    max(
        throughput(threads: settings.connections, seconds: settings.seconds, work),
        throughput(threads: cores, seconds: settings.seconds, work)
    )
}

// The store alone, and the service without sockets (auth, JSON in and out).
let storeSearch: @Sendable (Int, Int) -> Void = { thread, count in
    let request = SearchRequest(
        vector: queries[(thread + count) % queries.count],
        limit: 10,
        payload: .all
    )
    _ = try! session.search("docs", request: request)
}
let searchBodies = queries.map { query -> [UInt8] in
    (["query": .array(query.map { .double(Double($0)) }), "limit": 10, "with_payload": true]
        as JSONValue).serialized()
}
let serviceSearch: @Sendable (Int, Int) -> Void = { thread, count in
    let response = service.handle(
        Request(
            method: "POST",
            path: "/collections/docs/points/query",
            headers: ["api-key": tenantKey],
            body: searchBodies[(thread + count) % searchBodies.count]
        )
    )
    precondition(response.status == 200)
}
let storeUpsert: @Sendable (Int, Int) -> Void = { thread, count in
    let id = UInt64(10_000_000 + thread * 1_000_000 + count)
    try! session.upsert(
        "writes",
        points: [
            Point(
                id: .number(id),
                vectors: [defaultVectorName: queries[count % 64]]
            )
        ],
        durability: .buffered
    )
}
let upsertBodies = (0..<64).map { index -> [UInt8] in
    ([
        "points": [
            [
                "id": .int(Int64(30_000_000 + index)),
                "vector": .array(queries[index].map { .double(Double($0)) }),
            ]
        ]
    ] as JSONValue)
    .serialized()
}
let serviceUpsert: @Sendable (Int, Int) -> Void = { _, count in
    let response = service.handle(
        Request(
            method: "PUT",
            path: "/collections/writes/points",
            headers: ["api-key": tenantKey],
            body: upsertBodies[count % 64]
        )
    )
    precondition(response.status == 200)
}

// Over HTTP: the same service behind microhttpd, driven by wrk on the same machine.
var options = HTTPServerOptions()
options.port = 0
options.threads = cores
let server = HTTPServer(options: options, handler: service.handle)
try server.start()
let headers =
    "wrk.headers[\"api-key\"] = \"\(tenantKey)\"\n"
    + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
let searchScript =
    headers + "local bodies = {\n"
    + queries.map { "'{\"query\":[\(luaNumbers($0))],\"limit\":10,\"with_payload\":true}'" }
    .joined(separator: ",\n")
    + "}\nlocal i = 0\nrequest = function()\n  i = i + 1\n"
    + "  return wrk.format(\"POST\", \"/collections/docs/points/query\", nil, bodies[i % #bodies + 1])\nend\n"
let upsertScript =
    headers + "local vector = '[\(luaNumbers(queries[0]))]'\nlocal i = 0\n"
    + "request = function()\n  i = i + 1\n"
    + "  local body = '{\"points\":[{\"id\":' .. (20000000 + i) .. ',\"vector\":' .. vector .. '}]}'\n"
    + "  return wrk.format(\"PUT\", \"/collections/writes/points\", nil, body)\nend\n"

var figures: [String: [Double]] = [:]
for _ in 0..<settings.rounds {
    figures["search.store", default: []].append(bestOf(storeSearch))
    figures["search.service", default: []].append(bestOf(serviceSearch))
    figures["search.http", default: []].append(
        try wrk(port: server.port, script: searchScript, settings: settings)
    )
    figures["upsert.store", default: []].append(bestOf(storeUpsert))
    figures["upsert.service", default: []].append(bestOf(serviceUpsert))
    figures["upsert.http", default: []].append(
        try wrk(port: server.port, script: upsertScript, settings: settings)
    )
}
server.shutdown()
store.close()

func median(_ name: String) -> Double {
    let sorted = figures[name]!.sorted()
    return sorted[sorted.count / 2]
}
func ratio(_ top: String, _ bottom: String) -> JSONValue {
    .double((median(top) / median(bottom) * 1000).rounded() / 1000)
}
let report: JSONValue = [
    "points": .int(Int64(settings.points)), "dimension": .int(Int64(settings.dimension)),
    "connections": .int(Int64(settings.connections)), "seconds": .int(Int64(settings.seconds)),
    "rounds": .int(Int64(settings.rounds)), "cores": .int(Int64(cores)),
    "search_qps": [
        "store": .double(median("search.store").rounded()),
        "service": .double(median("search.service").rounded()),
        "http": .double(median("search.http").rounded()),
    ],
    "upsert_ops": [
        "store": .double(median("upsert.store").rounded()),
        "service": .double(median("upsert.service").rounded()),
        "http": .double(median("upsert.http").rounded()),
    ],
    "search_http_over_store": ratio("search.http", "search.store"),
    "search_http_over_service": ratio("search.http", "search.service"),
    "upsert_http_over_store": ratio("upsert.http", "upsert.store"),
    "upsert_http_over_service": ratio("upsert.http", "upsert.service"),
]
for operation in ["search", "upsert"] {
    print(
        operation
            + String(
                format: "  store %8.0f/s  service %8.0f/s  http %8.0f/s  http/store %.2f",
                median("\(operation).store"),
                median("\(operation).service"),
                median("\(operation).http"),
                median("\(operation).http") / median("\(operation).store")
            )
    )
}
print(report.jsonString)
