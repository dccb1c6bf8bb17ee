import Foundation
import VecService
import VectorStore

/// `vecd backup` and `vecd restore`: whole-node backups (registry and every tenant).
let backupUsage = """
    usage: vecd backup --data-dir DIR --out FILE
           vecd restore --data-dir DIR --from FILE

    backup   checkpoints the registry and every tenant database of DIR into FILE. Run it
             while no server uses DIR (the store's lock refuses it otherwise), so every
             tenant is captured at the same moment.
    restore  unpacks FILE into DIR, which must be empty or absent, after verifying the
             SHA-256 of every file in it; a damaged FILE leaves DIR empty.
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
    do {
        let values = try options(arguments, required: ["data-dir", "out"])
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
