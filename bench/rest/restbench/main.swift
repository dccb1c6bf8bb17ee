// restbench: search and upsert throughput in process and over HTTP, in one run, so HTTP's
// overhead is a ratio of two figures measured on the same machine, data and concurrency.
//
// Usage: swift run -c release restbench [--points N] [--dim D] [--seconds S] [--connections C]
// Needs `wrk` on PATH (apt-get install wrk). The server listens on 127.0.0.1 only.

import Foundation
import VecService
import VectorStore

struct Settings {
    var points = 10_000
    var dimension = 128
    var seconds = 10
    var connections = 16

    init(_ arguments: [String]) {
        var index = 0
        while index + 1 < arguments.count {
            let value = Int(arguments[index + 1]) ?? 0
            switch arguments[index] {
            case "--points": points = value
            case "--dim": dimension = value
            case "--seconds": seconds = value
            case "--connections": connections = value
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
func throughput(threads: Int, seconds: Int, _ work: @escaping @Sendable (Int, Int) -> Void) -> Double {
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
    process.arguments = ["wrk", "-t1", "-c\(settings.connections)", "-d\(settings.seconds)s",
                         "-s", path, "http://127.0.0.1:\(port)"]
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

let store = try Store(directory: directory)
let adminKey = "restbench-admin"
let service = Service(store: store, adminKey: adminKey)
_ = try store.createTenant("bench")
let scope = AccessScope(tenant: "bench", canWrite: true)
let session = try store.session(for: scope)
try session.createCollection("docs", config: CollectionConfig(
    vectors: [defaultVectorName: VectorParams(size: settings.dimension, distance: .cosine)]))
for start in stride(from: 0, to: settings.points, by: 1000) {
    let points = (start..<min(start + 1000, settings.points)).map { id in
        Point(id: .number(UInt64(id)), vectors: [defaultVectorName: vector(UInt64(id), dimension: settings.dimension)],
              payload: ["n": .int(Int64(id))])
    }
    try session.upsert("docs", points: points, durability: .buffered)
}
let queries = (0..<64).map { vector(1_000_000 + UInt64($0), dimension: settings.dimension) }

// In process: the store alone, then the service without sockets (JSON in and out). Each at
// the HTTP run's concurrency and at one thread per core; the better figure is the baseline.
let cores = ProcessInfo.processInfo.activeProcessorCount
func bestOf(_ work: @escaping @Sendable (Int, Int) -> Void) -> Double {
    max(throughput(threads: settings.connections, seconds: settings.seconds, work),
        throughput(threads: cores, seconds: settings.seconds, work))
}
let searchInProcess = bestOf { thread, count in
    let request = SearchRequest(vector: queries[(thread + count) % queries.count], limit: 10, payload: .all)
    _ = try! session.search("docs", request: request)
}
let searchBodies = queries.map { query -> [UInt8] in
    (["query": .array(query.map { .double(Double($0)) }), "limit": 10, "with_payload": true] as JSONValue)
        .serialized()
}
let searchService = bestOf { thread, count in
    let response = service.handle(Request(
        method: "POST", path: "/collections/docs/points/query",
        headers: ["api-key": adminKey, "vecd-tenant": "bench"],
        body: searchBodies[(thread + count) % searchBodies.count]))
    precondition(response.status == 200)
}
// Over HTTP: the same service behind microhttpd, driven by wrk on the same machine.
var options = HTTPServerOptions()
options.port = 0
options.threads = ProcessInfo.processInfo.activeProcessorCount
let server = HTTPServer(options: options, handler: service.handle)
try server.start()
let headers = "wrk.headers[\"api-key\"] = \"\(adminKey)\"\nwrk.headers[\"vecd-tenant\"] = \"bench\"\n"
    + "wrk.headers[\"Content-Type\"] = \"application/json\"\n"
let searchScript = headers + "local bodies = {\n"
    + queries.map { "'{\"query\":[\(luaNumbers($0))],\"limit\":10,\"with_payload\":true}'" }
        .joined(separator: ",\n")
    + "}\nlocal i = 0\nrequest = function()\n  i = i + 1\n"
    + "  return wrk.format(\"POST\", \"/collections/docs/points/query\", nil, bodies[i % #bodies + 1])\nend\n"
let searchHTTP = try wrk(port: server.port, script: searchScript, settings: settings)

// Upserts go to their own collection, so they never grow the one searched above.
try session.createCollection("writes", config: CollectionConfig(
    vectors: [defaultVectorName: VectorParams(size: settings.dimension, distance: .cosine)]))
let upsertBase = 10_000_000
let upsertInProcess = bestOf { thread, count in
    let id = UInt64(upsertBase + thread * 1_000_000 + count)
    try! session.upsert("writes", points: [Point(id: .number(id), vectors: [defaultVectorName: queries[count % 64]])],
                        durability: .buffered)
}

let upsertScript = headers + "local vector = '[\(luaNumbers(queries[0]))]'\nlocal i = 0\n"
    + "request = function()\n  i = i + 1\n"
    + "  local body = '{\"points\":[{\"id\":' .. (20000000 + i) .. ',\"vector\":' .. vector .. '}]}'\n"
    + "  return wrk.format(\"PUT\", \"/collections/writes/points\", nil, body)\nend\n"
let upsertHTTP = try wrk(port: server.port, script: upsertScript, settings: settings)
let upsertBodies = (0..<64).map { index -> [UInt8] in
    (["points": [["id": .int(Int64(30_000_000 + index)), "vector": .array(queries[index].map {
        .double(Double($0)) })]]] as JSONValue).serialized()
}
let upsertService = bestOf { thread, count in
    let response = service.handle(Request(
        method: "PUT", path: "/collections/writes/points",
        headers: ["api-key": adminKey, "vecd-tenant": "bench"], body: upsertBodies[count % 64]))
    precondition(response.status == 200)
}
server.shutdown()
store.close()

let report: JSONValue = [
    "points": .int(Int64(settings.points)), "dimension": .int(Int64(settings.dimension)),
    "connections": .int(Int64(settings.connections)), "seconds": .int(Int64(settings.seconds)),
    "cores": .int(Int64(ProcessInfo.processInfo.activeProcessorCount)),
    "search_qps": ["store": .double(searchInProcess.rounded()), "service": .double(searchService.rounded()),
                   "http": .double(searchHTTP.rounded())],
    "upsert_ops": ["store": .double(upsertInProcess.rounded()), "service": .double(upsertService.rounded()),
                   "http": .double(upsertHTTP.rounded())],
    "search_http_over_store": .double((searchHTTP / searchInProcess * 1000).rounded() / 1000),
    "search_http_over_service": .double((searchHTTP / searchService * 1000).rounded() / 1000),
    "upsert_http_over_store": .double((upsertHTTP / upsertInProcess * 1000).rounded() / 1000),
]
print(String(format: "search  store %8.0f/s  service %8.0f/s  http %8.0f/s  http/store %.2f",
             searchInProcess, searchService, searchHTTP, searchHTTP / searchInProcess))
print(String(format: "upsert  store %8.0f/s  service %8.0f/s  http %8.0f/s  http/store %.2f",
             upsertInProcess, upsertService, upsertHTTP, upsertHTTP / upsertInProcess))
print(report.jsonString)
