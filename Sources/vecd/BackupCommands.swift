import Foundation
import VecClient
import VecService
import VectorStore

/// `vecd backup` and `vecd restore`: whole-node backups (registry and every tenant).
let backupUsage = """
    usage: vecd backup --url URL --api-key ADMIN_KEY --out FILE [--keep-on-server true]
           vecd backup --data-dir DIR --out FILE
           vecd restore --data-dir DIR --from FILE

    backup   writes the registry (tenants, limits, key hashes) and every tenant database
             into FILE.
             With --url it asks a running server for it (POST /snapshots, admin key; also
             $VECD_URL and $VECD_ADMIN_KEY): writes go on meanwhile, each tenant is captured
             consistently and no tenant is created or deleted while it runs. The file is
             downloaded, its SHA-256 checked, and the server's copy deleted (kept with
             --keep-on-server true).
             With --data-dir it reads DIR directly; no server may be using DIR (it is
             refused, naming the server's process, rather than copying a torn state).
    restore  unpacks FILE (from either form) into DIR, which must be empty or absent, after
             verifying the SHA-256 of every file in it; a damaged FILE leaves DIR empty.
    """

/// Reads `--name value` pairs; every flag in `required` must be present.
private func options(_ arguments: [String], required: [String]) throws -> [String: String] {
    var values: [String: String] = [:]
    var index = 0
    while index < arguments.count {
        let flag = arguments[index]
        guard flag.hasPrefix("--"), index + 1 < arguments.count else {
            throw StoreError.invalidArgument(field: flag, message: "expected `--flag value`")
        }
        values[String(flag.dropFirst(2))] = arguments[index + 1]
        index += 2
    }
    for name in required where values[name] == nil {
        throw StoreError.invalidArgument(field: "--\(name)", message: "is required")
    }
    return values
}

private func fail(_ command: String, _ error: Error) -> Int32 {
    FileHandle.standardError.write(Data("vecd \(command): \(error)\n".utf8))
    return 1
}

/// `vecd backup --data-dir D --out FILE`.
func runBackup(arguments: [String]) -> Int32 {
    if arguments.contains("--help") {
        print(backupUsage)
        return 0
    }
    let environment = ProcessInfo.processInfo.environment
    do {
        var values = try options(arguments, required: ["out"])
        if values["data-dir"] == nil {
            values["url"] = values["url"] ?? environment["VECD_URL"]
            values["api-key"] = values["api-key"] ?? environment["VECD_ADMIN_KEY"]
        }
        if values["url"] != nil { return try runOnlineBackup(values) }
        guard let directory = values["data-dir"] else {
            throw StoreError.invalidArgument(
                field: "--data-dir", message: "or --url is required")
        }
        // A server holding DIR writes while we would copy: refuse instead of a torn backup.
        if let holder = Store.lockHolder(ofDataDirectory: directory) {
            throw StoreError.invalidArgument(
                field: "--data-dir",
                message: "\(directory) is in use by a running vecd server (process \(holder) "
                    + "holds \(directory)/registry/LOCK). Stop it first, or back it up while it "
                    + "runs: vecd backup --url URL --api-key ADMIN_KEY --out FILE"
            )
        }
        // Opening a store creates an empty node; a mistyped path must not back that up.
        guard FileManager.default.fileExists(atPath: values["data-dir"]! + "/registry") else {
            throw StoreError.invalidArgument(
                field: "--data-dir",
                message: "\(values["data-dir"]!) holds no vecd node (no registry)"
            )
        }
        let store = try Store(directory: values["data-dir"]!, logger: Logger(label: "vecd.backup"))
        defer { store.close() }
        let summary = try store.backup(to: values["out"]!)
        print(
            "backup of \(summary.tenants.count) tenants written to \(values["out"]!) "
                + "(\(summary.size) bytes, sha256 \(summary.checksum))"
        )
        return 0
    } catch {
        return fail("backup", error)
    }
}

/// `vecd backup --url URL --api-key KEY --out FILE`: a node snapshot made by the running
/// server, downloaded to FILE (via `FILE.partial`, renamed once its checksum matched).
private func runOnlineBackup(_ values: [String: String]) throws -> Int32 {
    let url = values["url"]!
    guard let apiKey = values["api-key"] else {
        throw StoreError.invalidArgument(
            field: "--api-key", message: "the admin key is required with --url")
    }
    let out = values["out"]!
    // Making the archive takes as long as writing the whole node to disk once.
    let http = try HTTPClient(baseURL: url, apiKey: apiKey, timeout: 3600)
    let created = try http.sendJSON("POST", "/snapshots")
    guard let name = created["result"]?["name"]?.stringValue,
        let checksum = created["result"]?["checksum"]?.stringValue
    else {
        throw ClientError.invalidResponse(
            method: "POST", path: "/snapshots", message: "no result.name or result.checksum")
    }
    let partial = out + ".partial"
    defer { try? FileManager.default.removeItem(atPath: partial) }
    let size = try http.download("/snapshots/" + name, to: partial)
    let actual = try Store.sha256(ofFile: partial)
    guard actual == checksum else {
        throw StoreError.invalidArgument(
            field: "snapshot",
            message: "downloaded \(name) has SHA-256 \(actual), the server said \(checksum)")
    }
    if FileManager.default.fileExists(atPath: out) {
        try FileManager.default.removeItem(atPath: out)
    }
    try FileManager.default.moveItem(atPath: partial, toPath: out)
    if values["keep-on-server"] != "true" {
        _ = try http.sendJSON("DELETE", "/snapshots/" + name)
    }
    print("online backup \(name) written to \(out) (\(size) bytes, sha256 \(checksum))")
    return 0
}

/// `vecd restore --data-dir D --from FILE`.
func runRestore(arguments: [String]) -> Int32 {
    if arguments.contains("--help") {
        print(backupUsage)
        return 0
    }
    do {
        let values = try options(arguments, required: ["data-dir", "from"])
        let tenants = try Store.restoreBackup(from: values["from"]!, into: values["data-dir"]!)
        print("restored \(tenants.count) tenants into \(values["data-dir"]!)")
        return 0
    } catch {
        return fail("restore", error)
    }
}
