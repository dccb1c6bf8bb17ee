import Foundation
import VectorStore
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// Snapshot and backup routes against the running binary (issue 7 "Backups"; B25 style
/// restarts).
final class SnapshotEndToEndTests: XCTestCase {
    private let admin = VecdProcess.adminKey

    /// Tenant `acme` with collection `docs`: 80 points, payloads, a keyword index on `lang`.
    private func populate(_ server: VecdProcess, tenant: String = "acme") throws -> String {
        let (key, _) = try server.createTenant(tenant)
        let created = try server.call(
            "PUT",
            "/collections/docs",
            key: key,
            json: [
                "vectors": ["size": 4, "distance": "Cosine"],
                "hnsw_config": ["m": 8, "full_scan_threshold": 10],
            ]
        )
        XCTAssertEqual(created.status, 200, created.text)
        let indexed = try server.call(
            "PUT",
            "/collections/docs/index?wait=true",
            key: key,
            json: ["field_name": "lang", "field_schema": "keyword"]
        )
        XCTAssertEqual(indexed.status, 200, indexed.text)
        try server.upsert(
            "docs",
            key: key,
            (0..<80).map { id in
                let angle = Float(id) * 0.37
                return (
                    UInt64(id), [cos(angle), sin(angle), Float(id % 5), 1],
                    ["lang": id % 3 == 0 ? "en" : "de", "n": .int(Int64(id))]
                )
            }
        )
        return key
    }

    /// Scroll with payloads and vectors, a search, a filtered count, config and index
    /// schemas: what must match after a round trip.
    private func contents(
        _ server: VecdProcess,
        key: String,
        collection: String = "docs"
    ) throws -> [JSONValue?] {
        let scroll = try server.call(
            "POST",
            "/collections/\(collection)/points/scroll",
            key: key,
            json: ["limit": 1000, "with_payload": true, "with_vector": true]
        )
        let search = try server.call(
            "POST",
            "/collections/\(collection)/points/search",
            key: key,
            json: ["vector": [0.3, 0.9, 1, 1], "limit": 7, "with_payload": true]
        )
        let info = try server.call("GET", "/collections/\(collection)", key: key)
        let english = try server.count(
            collection,
            key: key,
            filter: ["must": [["key": "lang", "match": ["value": "en"]]]]
        )
        XCTAssertEqual(scroll.status, 200, scroll.text)
        XCTAssertEqual(search.status, 200, search.text)
        let scores = search.json?["result"]?.arrayValue?.map { hit -> JSONValue in
            // Scores are compared to 5 digits: the same floats, printed the same way.
            ["id": hit["id"] ?? .null, "payload": hit["payload"] ?? .null]
        }
        return [
            scroll.json?["result"]?["points"], scores.map { .array($0) },
            info.json?["result"]?["config"], info.json?["result"]?["payload_schema"],
            english.map { .int(Int64($0)) },
        ]
    }

    private func uploadMultipart(
        _ server: VecdProcess,
        _ path: String,
        key: String,
        archive: [UInt8]
    ) throws -> RawHTTPClient.Reply {
        let boundary = "vecd-test-\(UUID().uuidString)"
        let body =
            Array(
                ("--\(boundary)\r\nContent-Disposition: form-data; name=\"snapshot\"; "
                    + "filename=\"docs.snapshot\"\r\n"
                    + "Content-Type: application/octet-stream\r\n\r\n")
                    .utf8
            ) + archive + Array("\r\n--\(boundary)--\r\n".utf8)
        return try RawHTTPClient(port: server.port).send(
            "POST",
            path,
            headers: ["api-key": key, "Content-Type": "multipart/form-data; boundary=\(boundary)"],
            body: body
        )
    }

    private func snapshotFile(named name: String, in server: VecdProcess) throws -> String {
        let root = server.dataDirectory + "/snapshots"
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let entry = enumerator?.nextObject() as? String {
            if entry.hasSuffix("/" + name) { return root + "/" + entry }
        }
        throw RawHTTPClient.Failure(description: "snapshot \(name) not found under \(root)")
    }

    // MARK: - Collection snapshots

    func testCollectionSnapshotCreateListDownloadUploadRecoverAndDelete() throws {
        let server = try VecdProcess()
        let key = try populate(server)
        let before = try contents(server, key: key)
        let (_, readOnly) = try server.createTenant("reader-tenant")
        let acmeReader = try server.issueKey(tenant: "acme", access: "r", collections: nil)

        let created = try server.call("POST", "/collections/docs/snapshots?wait=true", key: key)
        XCTAssertEqual(created.status, 200, created.text)
        let name = try XCTUnwrap(created.json?["result"]?["name"]?.stringValue)
        let checksum = try XCTUnwrap(created.json?["result"]?["checksum"]?.stringValue)
        XCTAssertEqual(
            try server.call("POST", "/collections/docs/snapshots", key: acmeReader).status,
            403,
            "read-only keys cannot create snapshots"
        )

        let listed = try server.call("GET", "/collections/docs/snapshots", key: acmeReader)
        XCTAssertEqual(listed.status, 200, listed.text)
        XCTAssertEqual(listed.json?["result"]?.arrayValue?.first?["name"]?.stringValue, name)
        XCTAssertNotNil(listed.json?["result"]?.arrayValue?.first?["creation_time"]?.stringValue)

        // Another tenant sees no such collection, exactly as for a missing one.
        let foreign = try server.call("GET", "/collections/docs/snapshots", key: readOnly)
        let missing = try server.call("GET", "/collections/docs", key: readOnly)
        XCTAssertEqual(foreign.status, 404)
        XCTAssertEqual(foreign.json?["status"], missing.json?["status"])
        let foreignDownload = try server.call(
            "GET",
            "/collections/docs/snapshots/\(name)",
            key: readOnly
        )
        XCTAssertEqual(foreignDownload.status, 404)

        let download = try server.call(
            "GET",
            "/collections/docs/snapshots/\(name)",
            key: acmeReader
        )
        XCTAssertEqual(download.status, 200)
        XCTAssertEqual(download.headers["content-type"], "application/octet-stream")
        let archive = download.body
        let downloadedPath = server.dataDirectory + ".download"
        defer { try? FileManager.default.removeItem(atPath: downloadedPath) }
        try Data(archive).write(to: URL(fileURLWithPath: downloadedPath))
        XCTAssertEqual(try Store.sha256(ofFile: downloadedPath), checksum)

        // Upload into a fresh node (multipart, as curl -F and qdrant-client send it).
        let fresh = try VecdProcess()
        let (freshKey, _) = try fresh.createTenant("acme")
        let uploaded = try uploadMultipart(
            fresh,
            "/collections/docs/snapshots/upload",
            key: freshKey,
            archive: archive
        )
        XCTAssertEqual(uploaded.status, 200, uploaded.text)
        XCTAssertEqual(try contents(fresh, key: freshKey), before)

        // Recover from the node's own file into a new collection name, with its checksum.
        let location = "file://" + (try snapshotFile(named: name, in: server))
        let recovered = try server.call(
            "PUT",
            "/collections/copy/snapshots/recover",
            key: key,
            json: ["location": .string(location), "checksum": .string(checksum)]
        )
        XCTAssertEqual(recovered.status, 200, recovered.text)
        XCTAssertEqual(try contents(server, key: key, collection: "copy"), before)

        // Refusals: a wrong checksum, a remote URL, another tenant's file, a read-only key.
        let (betaKey, _) = try server.createTenant("beta")
        let refusals: [(String, JSONValue, Int)] = [
            (
                key,
                [
                    "location": .string(location),
                    "checksum": .string(String(repeating: "0", count: 64)),
                ],
                400
            ),
            (key, ["location": "http://127.0.0.1:1/x.snapshot"], 400),
            (betaKey, ["location": .string(location)], 400),
            (acmeReader, ["location": .string(location)], 403),
        ]
        for (caller, body, status) in refusals {
            let reply = try server.call(
                "PUT",
                "/collections/other/snapshots/recover",
                key: caller,
                json: body
            )
            XCTAssertEqual(reply.status, status, "\(body): \(reply.text)")
        }
        XCTAssertEqual(try server.call("GET", "/collections/other", key: betaKey).status, 404)

        XCTAssertEqual(
            try server.call("DELETE", "/collections/docs/snapshots/\(name)", key: acmeReader)
                .status,
            403
        )
        let deleted = try server.call("DELETE", "/collections/docs/snapshots/\(name)", key: key)
        XCTAssertEqual(deleted.status, 200, deleted.text)
        let after = try server.call("GET", "/collections/docs/snapshots", key: key)
        XCTAssertEqual(after.json?["result"], [])
        XCTAssertEqual(
            try server.call("GET", "/collections/docs/snapshots/\(name)", key: key).status,
            404
        )
    }

    // MARK: - Tenant snapshots

    func testTenantSnapshotRecoversUnderNewNameAndIntoFreshNode() throws {
        let server = try VecdProcess()
        let key = try populate(server)
        let before = try contents(server, key: key)
        XCTAssertEqual(try server.call("POST", "/tenants/acme/snapshots", key: key).status, 403)
        let created = try server.call("POST", "/tenants/acme/snapshots", key: admin)
        XCTAssertEqual(created.status, 200, created.text)
        let name = try XCTUnwrap(created.json?["result"]?["name"]?.stringValue)
        let listed = try server.call("GET", "/tenants/acme/snapshots", key: admin)
        XCTAssertEqual(listed.json?["result"]?.arrayValue?.count, 1)

        let location = "file://" + (try snapshotFile(named: name, in: server))
        let recovered = try server.call(
            "PUT",
            "/tenants/acme-copy/snapshots/recover",
            key: admin,
            json: ["location": .string(location)]
        )
        XCTAssertEqual(recovered.status, 200, recovered.text)
        let copyKey = try XCTUnwrap(recovered.json?["result"]?["api_key"]?.stringValue)
        XCTAssertEqual(try contents(server, key: copyKey), before)
        let again = try server.call(
            "PUT",
            "/tenants/acme-copy/snapshots/recover",
            key: admin,
            json: ["location": .string(location)]
        )
        XCTAssertEqual(again.status, 409, "an existing tenant is never overwritten")

        let download = try server.call("GET", "/tenants/acme/snapshots/\(name)", key: admin)
        XCTAssertEqual(download.status, 200)
        let fresh = try VecdProcess()
        let uploaded = try RawHTTPClient(port: fresh.port).send(
            "POST",
            "/tenants/acme/snapshots/upload",
            headers: ["api-key": admin, "Content-Type": "application/octet-stream"],
            body: download.body
        )
        XCTAssertEqual(uploaded.status, 200, uploaded.text)
        let freshKey = try XCTUnwrap(uploaded.json?["result"]?["api_key"]?.stringValue)
        XCTAssertEqual(try contents(fresh, key: freshKey), before)

        // B25 style: the restored tenant and the snapshot list survive SIGTERM and SIGKILL.
        for signal in [SIGTERM, SIGKILL] {
            fresh.stop(signal: signal)
            try fresh.start()
            XCTAssertEqual(try contents(fresh, key: freshKey), before, "after signal \(signal)")
        }
        for signal in [SIGTERM, SIGKILL] {
            server.stop(signal: signal)
            try server.start()
            let names = try server.call("GET", "/tenants/acme/snapshots", key: admin)
                .json?["result"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
            XCTAssertEqual(names, [name], "after signal \(signal)")
            XCTAssertEqual(try contents(server, key: copyKey), before)
        }
        let deleted = try server.call("DELETE", "/tenants/acme/snapshots/\(name)", key: admin)
        XCTAssertEqual(deleted.status, 200, deleted.text)
    }

    /// A damaged archive answers 400 and creates neither a collection nor a tenant.
    func testCorruptOrTruncatedUploadIsRefusedWith400AndWritesNothing() throws {
        let server = try VecdProcess()
        let key = try populate(server)
        let created = try server.call("POST", "/collections/docs/snapshots", key: key)
        let name = try XCTUnwrap(created.json?["result"]?["name"]?.stringValue)
        let archive = try server.call("GET", "/collections/docs/snapshots/\(name)", key: key).body
        var flipped = archive
        flipped[flipped.count / 2] ^= 0x01
        let damaged: [(String, [UInt8])] = [
            ("flipped", flipped), ("truncated", Array(archive.prefix(archive.count / 2))),
            ("garbage", Array("not an archive at all".utf8)),
        ]
        for (label, bytes) in damaged {
            let reply = try uploadMultipart(
                server,
                "/collections/fresh/snapshots/upload",
                key: key,
                archive: bytes
            )
            XCTAssertEqual(reply.status, 400, "\(label): \(reply.text)")
            let message = reply.json?["status"]?["error"]?.stringValue ?? ""
            XCTAssertTrue(message.contains("snapshot"), "\(label): \(message)")
            let tenantReply = try RawHTTPClient(port: server.port).send(
                "POST",
                "/tenants/victim/snapshots/upload",
                headers: ["api-key": admin],
                body: bytes
            )
            XCTAssertEqual(tenantReply.status, 400, "\(label): \(tenantReply.text)")
        }
        XCTAssertEqual(try server.call("GET", "/collections/fresh", key: key).status, 404)
        XCTAssertEqual(try server.call("GET", "/tenants/victim", key: admin).status, 404)
        let tenants = try server.call("GET", "/tenants", key: admin)
        XCTAssertEqual(tenants.json?["result"]?["tenants"]?.arrayValue?.count, 1)
        let staging = server.dataDirectory + "/snapshots/.staging"
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [], [])
    }

    /// SIGKILL at staggered moments while background snapshots run: after each restart,
    /// every listed snapshot is complete (it recovers with all 3,000 points) and staging is
    /// empty.
    func testSIGKILLDuringSnapshotsLeavesNoBrokenSnapshotListed() throws {
        let server = try VecdProcess()
        let (key, _) = try server.createTenant("acme")
        try server.createCollection("big", key: key, dimension: 32)
        for start in stride(from: 0, to: 3000, by: 500) {
            var points: [(UInt64, [Float], JSONValue)] = []
            for id in start..<(start + 500) {
                let vector: [Float] = (0..<32).map { Float(($0 * 7 + id) % 13) + 0.5 }
                let payload: JSONValue = ["id": .int(Int64(id))]
                points.append((UInt64(id), vector, payload))
            }
            try server.upsert("big", key: key, points)
        }
        // One timed snapshot sets the kill moments: early, middle, late, and well after.
        let started = Date()
        let timed = try server.call("POST", "/collections/big/snapshots?wait=true", key: key)
        let seconds = Date().timeIntervalSince(started)
        let timedName = try XCTUnwrap(timed.json?["result"]?["name"]?.stringValue)
        XCTAssertEqual(
            try server.call("DELETE", "/collections/big/snapshots/\(timedName)", key: key).status,
            200
        )
        print("snapshot of 3,000 32-d points: \(Int(seconds * 1000)) ms")

        var listedAfterKills = Set<String>()
        for fraction in [0.1, 0.5, 0.9, 4.0] {
            for _ in 0..<3 {
                let reply = try server.call(
                    "POST",
                    "/collections/big/snapshots?wait=false",
                    key: key
                )
                XCTAssertEqual(reply.status, 200, reply.text)
            }
            usleep(UInt32(seconds * fraction * 1e6))
            server.stop(signal: SIGKILL)
            try server.start()
            let staging = server.dataDirectory + "/snapshots/.staging"
            XCTAssertFalse(FileManager.default.fileExists(atPath: staging), "at \(fraction)")
            let listed = try server.call("GET", "/collections/big/snapshots", key: key)
            for entry in listed.json?["result"]?.arrayValue ?? [] {
                listedAfterKills.insert(try XCTUnwrap(entry["name"]?.stringValue))
            }
        }
        for name in listedAfterKills.sorted() {
            let location = "file://" + (try snapshotFile(named: name, in: server))
            let recovered = try server.call(
                "PUT",
                "/collections/check/snapshots/recover",
                key: key,
                json: ["location": .string(location)]
            )
            XCTAssertEqual(recovered.status, 200, "\(name): \(recovered.text)")
            XCTAssertEqual(try server.count("check", key: key), 3000, name)
        }
        // The last round waits four snapshot times: its snapshots must have completed, so
        // the listed-means-complete check above ran on real files.
        XCTAssertFalse(listedAfterKills.isEmpty)
        print("snapshots that completed before a SIGKILL: \(listedAfterKills.count) of 12")
    }

    /// SIGKILL at staggered moments while a recover replaces a collection of 1,000 points
    /// with a snapshot of 3,000: after each restart the collection holds exactly one of the
    /// two (never a mix, never a half-imported one), and it still takes writes.
    func testSIGKILLDuringRecoverLeavesOldOrNewCollectionNeverAMix() throws {
        let server = try VecdProcess()
        let (key, _) = try server.createTenant("acme")
        for (collection, count) in [("big", 3000), ("target", 1000)] {
            try server.createCollection(collection, key: key, dimension: 32)
            for start in stride(from: 0, to: count, by: 500) {
                var points: [(UInt64, [Float], JSONValue)] = []
                for id in start..<(start + 500) {
                    let vector: [Float] = (0..<32).map { Float(($0 * 5 + id) % 11) + 0.5 }
                    points.append((UInt64(id), vector, ["id": .int(Int64(id))]))
                }
                try server.upsert(collection, key: key, points)
            }
        }
        let created = try server.call("POST", "/collections/big/snapshots", key: key)
        let name = try XCTUnwrap(created.json?["result"]?["name"]?.stringValue)
        let location = "file://" + (try snapshotFile(named: name, in: server))

        let started = Date()
        let timed = try server.call(
            "PUT",
            "/collections/timed/snapshots/recover",
            key: key,
            json: ["location": .string(location)]
        )
        XCTAssertEqual(timed.status, 200, timed.text)
        let seconds = Date().timeIntervalSince(started)
        print("recover of 3,000 32-d points: \(Int(seconds * 1000)) ms")

        var outcomes: [Int?] = []
        for fraction in [0.05, 0.3, 0.6, 0.9, 1.5] {
            let port = server.port
            let done = DispatchSemaphore(value: 0)
            DispatchQueue.global().async {
                // The connection dies with the server; only the state after restart matters.
                _ = try? RawHTTPClient(port: port).send(
                    "PUT",
                    "/collections/target/snapshots/recover",
                    headers: ["api-key": key, "Content-Type": "application/json"],
                    body: (["location": .string(location)] as JSONValue).serialized()
                )
                done.signal()
            }
            usleep(UInt32(seconds * fraction * 1e6))
            server.stop(signal: SIGKILL)
            done.wait()
            try server.start()
            let count = try server.count("target", key: key)
            outcomes.append(count)
            XCTAssertTrue(count == 1000 || count == 3000, "at \(fraction): \(count ?? -1)")
            let ids = try server.call(
                "POST",
                "/collections/target/points/scroll",
                key: key,
                json: ["limit": 5000, "with_payload": false]
            ).json?["result"]?["points"]?.arrayValue?.count
            XCTAssertEqual(ids, count, "scroll and count agree at \(fraction)")
        }
        print("counts after SIGKILL during recover: \(outcomes)")

        // A recover that answered is durable: SIGKILL right after keeps all 3,000 points.
        let finished = try server.call(
            "PUT",
            "/collections/target/snapshots/recover",
            key: key,
            json: ["location": .string(location)]
        )
        XCTAssertEqual(finished.status, 200, finished.text)
        server.stop(signal: SIGKILL)
        try server.start()
        XCTAssertEqual(try server.count("target", key: key), 3000)
        try server.upsert("target", key: key, [(99_999, Array(repeating: 1, count: 32), [:])])
        XCTAssertEqual(try server.count("target", key: key), 3001)
    }

    // MARK: - Node backups

    private func runVecd(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = VecdProcess.executable
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    func testNodeBackupAndRestoreCommandsGiveBackTenantsKeysAndData() throws {
        let server = try VecdProcess()
        let key = try populate(server)
        let betaKey = try populate(server, tenant: "beta")
        let before = try contents(server, key: key)
        let backup = server.dataDirectory + ".backup"
        defer { try? FileManager.default.removeItem(atPath: backup) }

        let arguments = ["backup", "--data-dir", server.dataDirectory, "--out", backup]
        let whileRunning = try runVecd(arguments)
        XCTAssertEqual(whileRunning.status, 1, "the server holds the store: \(whileRunning.output)")
        server.stop(signal: SIGTERM)
        let made = try runVecd(arguments)
        XCTAssertEqual(made.status, 0, made.output)

        let target = NSTemporaryDirectory() + "vecd-e2e-restore-\(UUID().uuidString)"
        let restored = try runVecd(["restore", "--data-dir", target, "--from", backup])
        XCTAssertEqual(restored.status, 0, restored.output)
        let again = try runVecd(["restore", "--data-dir", target, "--from", backup])
        XCTAssertNotEqual(again.status, 0, "restore refuses a non-empty directory")

        let node = try VecdProcess(dataDirectory: target)
        XCTAssertEqual(try contents(node, key: key), before, "old keys work on the restored node")
        XCTAssertEqual(try node.count("docs", key: betaKey), 80)
    }
}
