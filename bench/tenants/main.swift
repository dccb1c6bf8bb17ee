// tenantbench: many small tenants on one node (issue 2).
//
// `tenantbench all <dir> <tenants>` creates the tenants (each: one 384-d Cosine collection of
// 100 points), then re-runs itself in fresh processes to measure start-up and memory, then
// deletes a sample of tenants. Every figure is printed as `name value unit` lines.
// Sub-modes (`create`, `serve`, `delete`) are what `all` spawns.

import Foundation
import VectorIndex
import VectorStore

let dimension = 384
let pointsPerTenant = 100

func residentKilobytes() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func report(_ name: String, _ value: Double, _ unit: String) {
    print(String(format: "%@ %.3f %@", name, value, unit))
    fflush(stdout)
}

func tenantName(_ index: Int) -> String { "tenant\(index)" }

struct Generator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
    mutating func vector() -> [Float] {
        (0..<dimension).map { _ in Float.random(in: -1...1, using: &self) }
    }
}

func openStore(_ directory: String) throws -> Store {
    try Store(directory: directory, options: Store.Options(), logger: Logger(label: "bench"))
}

func elapsed(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

/// Creates `count` tenants; reports registry-only creation time, creation of the collection
/// (which opens the tenant database), and ingestion of 100 points.
func create(directory: String, count: Int) throws {
    let store = try openStore(directory)
    var generator = Generator(state: 42)
    var registryTime = 0.0
    var collectionTime = 0.0
    var upsertTime = 0.0
    let start = DispatchTime.now()
    for index in 0..<count {
        var mark = DispatchTime.now()
        _ = try store.createTenant(tenantName(index))
        registryTime += elapsed(since: mark)
        let session = try store.session(for: AccessScope(tenant: tenantName(index), canWrite: true))
        mark = DispatchTime.now()
        try session.createCollection(
            "docs",
            config: CollectionConfig(vectors: [
                defaultVectorName: VectorParams(size: dimension, distance: .cosine)
            ])
        )
        collectionTime += elapsed(since: mark)
        let points = (0..<pointsPerTenant).map {
            Point(
                id: .number(UInt64($0)),
                vectors: [defaultVectorName: generator.vector()],
                payload: ["n": .int(Int64($0)), "tenant": .string(tenantName(index))]
            )
        }
        mark = DispatchTime.now()
        try session.upsert("docs", points: points, durability: .synced)
        upsertTime += elapsed(since: mark)
        if index > 0 && index % 1000 == 0 {
            FileHandle.standardError.write("created \(index) tenants\n".data(using: .utf8)!)
        }
    }
    let total = elapsed(since: start)
    store.close()
    report("create.tenant_registry_ms", registryTime / Double(count) * 1000, "ms/tenant")
    report("create.collection_incl_db_open_ms", collectionTime / Double(count) * 1000, "ms/tenant")
    report("create.upsert_100_synced_ms", upsertTime / Double(count) * 1000, "ms/tenant")
    report("create.total_per_tenant_ms", total / Double(count) * 1000, "ms/tenant")
    report("create.total_s", total, "s")
}

/// Run in a fresh process: start-up to first answered query, then memory with every tenant
/// idle, with `maxOpenTenants` tenants queried once, and after querying every tenant.
func serve(directory: String, count: Int, queried: Int, sweepAll: Bool = true) throws {
    let processStart = ProcessInfo.processInfo.systemUptime
    let baseline = residentKilobytes()
    let store = try openStore(directory)
    var generator = Generator(state: 7)
    let query = generator.vector()
    if count > 0 {
        let session = try store.session(
            for: AccessScope(tenant: tenantName(count / 2), canWrite: false)
        )
        let hits = try session.search("docs", request: SearchRequest(vector: query, limit: 10))
        precondition(hits.count == 10, "tenant \(count / 2) answered \(hits.count) hits")
    }
    report(
        "serve.main_to_first_query_ms",
        (ProcessInfo.processInfo.systemUptime - processStart) * 1000,
        "ms"
    )
    print("READY")
    fflush(stdout)
    report("serve.rss_before_store_kb", Double(baseline), "KB")
    let idle = residentKilobytes()
    report("serve.rss_all_idle_kb", Double(idle), "KB")
    guard count > 0 else { return }
    // One query on each of `queried` tenants; they stay open (queried <= maxOpenTenants).
    let sample = min(queried, count)
    // First only open them (a count reads a counter, no points), then query each once.
    for index in 0..<sample {
        let session = try store.session(
            for: AccessScope(tenant: tenantName(index), canWrite: false)
        )
        _ = try session.count("docs", filter: nil, exact: true)
    }
    let afterOpen = residentKilobytes()
    report(
        "serve.rss_per_open_unqueried_tenant_kb",
        Double(afterOpen - idle) / Double(sample),
        "KB/tenant"
    )
    let searchStart = DispatchTime.now()
    for index in 0..<sample {
        let session = try store.session(
            for: AccessScope(tenant: tenantName(index), canWrite: false)
        )
        _ = try session.search("docs", request: SearchRequest(vector: query, limit: 10))
    }
    report("serve.cold_query_ms", elapsed(since: searchStart) / Double(sample) * 1000, "ms/tenant")
    let afterQuery = residentKilobytes()
    report("serve.rss_after_one_query_each_kb", Double(afterQuery), "KB")
    report(
        "serve.rss_per_open_queried_tenant_kb",
        Double(afterQuery - idle) / Double(sample),
        "KB/tenant"
    )
    report("serve.open_tenants", Double(store.openTenantCount), "handles")
    guard sweepAll else {
        store.close()
        return
    }
    // Every tenant once: the pool stays bounded, so memory should not follow the count.
    let sweepStart = DispatchTime.now()
    for index in 0..<count {
        let session = try store.session(
            for: AccessScope(tenant: tenantName(index), canWrite: false)
        )
        _ = try session.search("docs", request: SearchRequest(vector: query, limit: 10))
    }
    report(
        "serve.query_every_tenant_ms",
        elapsed(since: sweepStart) / Double(count) * 1000,
        "ms/tenant"
    )
    report("serve.rss_after_querying_all_kb", Double(residentKilobytes()), "KB")
    report("serve.open_tenants_after_all", Double(store.openTenantCount), "handles")
    store.close()
}

/// Deletes `sample` tenants (the last ones) and reports the caller-visible time of each.
func delete(directory: String, count: Int, sample: Int) throws {
    let store = try openStore(directory)
    var times: [Double] = []
    for index in stride(from: count - 1, to: max(count - 1 - sample, -1), by: -1) {
        // Open it first so the delete also closes a live database.
        let session = try store.session(
            for: AccessScope(tenant: tenantName(index), canWrite: false)
        )
        _ = try session.count("docs", filter: nil, exact: true)
        let mark = DispatchTime.now()
        try store.deleteTenant(tenantName(index))
        times.append(elapsed(since: mark) * 1000)
    }
    store.waitForBackgroundWork()
    times.sort()
    report("delete.median_ms", times[times.count / 2], "ms")
    report("delete.p95_ms", times[min(times.count - 1, times.count * 95 / 100)], "ms")
    report("delete.max_ms", times.last ?? 0, "ms")
    store.close()
}

func diskKilobytes(_ path: String) -> Int {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/du")
    process.arguments = ["-sk", path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try? process.run()
    process.waitUntilExit()
    let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    return Int(text.split(separator: "\t").first ?? "0") ?? 0
}

/// Runs this executable with `arguments`, echoing its output; when `timeToReady` is given, also
/// reports the wall time from spawning the process to its `READY` line.
func runChild(_ arguments: [String], timeToReady: String? = nil) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    let spawned = DispatchTime.now()
    try process.run()
    var pending = ""
    while true {
        let data = pipe.fileHandleForReading.availableData
        if data.isEmpty { break }
        pending += String(decoding: data, as: UTF8.self)
        while let newline = pending.firstIndex(of: "\n") {
            let line = String(pending[..<newline])
            pending = String(pending[pending.index(after: newline)...])
            if line == "READY" {
                if let timeToReady { report(timeToReady, elapsed(since: spawned) * 1000, "ms") }
            } else {
                print(line)
            }
        }
    }
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        fatalError("child \(arguments) failed with status \(process.terminationStatus)")
    }
}

let arguments = CommandLine.arguments
guard arguments.count >= 4, let count = Int(arguments[3]) else {
    print("usage: tenantbench all|create|serve|delete <dir> <tenants> [quick]")
    exit(2)
}
let mode = arguments[1]
let directory = arguments[2]
switch mode {
case "create": try create(directory: directory, count: count)
case "serve":
    // `serve <dir> <n> quick`: start-up and the 200-tenant figures only.
    let quick = arguments.count > 4 && arguments[4] == "quick"
    try serve(directory: directory, count: count, queried: 200, sweepAll: !quick)
case "delete": try delete(directory: directory, count: count, sample: min(200, count))
case "all":
    report("tenants", Double(count), "tenants")
    try runChild(["create", directory, String(count)])
    let disk = diskKilobytes(directory + "/tenants")
    report("disk.tenants_total_kb", Double(disk), "KB")
    report("disk.per_tenant_kb", Double(disk) / Double(count), "KB/tenant")
    let empty = directory + "-empty"
    try runChild(["serve", empty, "0"], timeToReady: "serve.empty_spawn_to_ready_ms")
    // Twice: the first start after creation may find files outside the page cache.
    for _ in 0..<2 {
        try runChild(
            ["serve", directory, String(count)],
            timeToReady: "serve.spawn_to_first_query_ms"
        )
    }
    try runChild(["delete", directory, String(count)])
    try? FileManager.default.removeItem(atPath: empty)
default:
    print("unknown mode \(mode)")
    exit(2)
}
