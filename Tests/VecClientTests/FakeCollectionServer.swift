import Foundation
import VecCore

@testable import VecClient

/// An in-memory stand-in for the service's collection endpoints, enough for the ingest loop:
/// exists, create, payload index, upsert, count, delete by filter. It speaks the same JSON as
/// the real server (Qdrant envelope), so the client code under test runs unchanged.
final class FakeCollectionServer: HTTPTransport {
    struct Request { var method: String; var path: String; var body: JSONValue? }

    /// Points by id, per collection.
    var collections: [String: [String: JSONValue]] = [:]
    var createBodies: [String: JSONValue] = [:]
    var indexedFields: [String] = []
    private(set) var requests: [Request] = []
    /// Statuses to answer the next requests with, before handling anything normally.
    var scriptedStatuses: [Int] = []
    /// Headers of those scripted answers (e.g. `retry-after`, lower-cased as the client keys
    /// them).
    var scriptedHeaders: [String: String] = [:]
    /// Upserts left before the fake "goes down" (every request then fails to connect).
    var upsertsBeforeOutage: Int?
    var upsertStatusOverride: Int?

    var upserts: [Request] { requests.filter { $0.method == "PUT" && $0.path.contains("/points") } }

    func points(_ collection: String) -> [JSONValue] {
        (collections[collection] ?? [:]).sorted { $0.key < $1.key }.map(\.value)
    }

    func send(
        _ method: String,
        _ path: String,
        body: JSONValue?
    ) throws(ClientError) -> HTTPResponse {
        requests.append(Request(method: method, path: path, body: body))
        if let remaining = upsertsBeforeOutage, remaining <= 0 {
            throw .connection(url: "http://fake", message: "Connection refused")
        }
        if !scriptedStatuses.isEmpty {
            let status = scriptedStatuses.removeFirst()
            var answer = error(status, "scripted failure")
            answer.headers = scriptedHeaders
            return answer
        }
        let route = path.split(separator: "?")[0].split(separator: "/").map(String.init)
        guard route.count >= 2, route[0] == "collections" else { return error(404, "no route") }
        let name = route[1].removingPercentEncoding ?? route[1]
        let rest = Array(route.dropFirst(2))
        if method == "GET" && rest == ["exists"] {
            return ok(["exists": .bool(collections[name] != nil)])
        }
        if method == "PUT" && rest.isEmpty {
            guard collections[name] == nil else { return error(409, "exists") }
            collections[name] = [:]
            createBodies[name] = body
            return ok(true)
        }
        guard collections[name] != nil else {
            return error(404, "Not found: Collection `\(name)` doesn't exist!")
        }
        return handlePoints(method, rest, collection: name, body: body ?? .null)
    }

    private func handlePoints(
        _ method: String,
        _ rest: [String],
        collection: String,
        body: JSONValue
    )
        -> HTTPResponse
    {
        switch (method, rest) {
        case ("PUT", ["index"]):
            indexedFields.append(body["field_name"]?.stringValue ?? "?")
            return ok(["status": "completed"])
        case ("PUT", ["points"]):
            if let remaining = upsertsBeforeOutage { upsertsBeforeOutage = remaining - 1 }
            if let status = upsertStatusOverride { return error(status, "Bad request: refused") }
            for point in body["points"]?.arrayValue ?? [] {
                guard let id = point["id"]?.stringValue,
                    point["vector"]?["text"]?.stringValue != nil
                else { return error(400, "Bad request: point without id or vector.text") }
                collections[collection]![id] = point
            }
            return ok(["status": "completed"])
        case ("POST", ["points", "count"]):
            let count = points(collection).filter { matches($0, body["filter"]) }.count
            return ok(["count": .int(Int64(count))])
        case ("POST", ["points", "scroll"]):
            // Pages in id order; `offset` is the first id of the page, as Qdrant's.
            let limit = Int(body["limit"]?.intValue ?? 10)
            let first = body["offset"]?.stringValue ?? ""
            let matching = collections[collection]!.sorted { $0.key < $1.key }
                .filter { $0.key >= first && matches($0.value, body["filter"]) }
            let page = matching.prefix(limit).map { id, point -> JSONValue in
                ["id": .string(id), "payload": point["payload"] ?? .null]
            }
            let next: JSONValue = matching.count > limit ? .string(matching[limit].key) : .null
            return ok(["points": .array(Array(page)), "next_page_offset": next])
        case ("POST", ["points", "delete"]):
            for (id, point) in collections[collection]! where matches(point, body["filter"]) {
                collections[collection]![id] = nil
            }
            return ok(["status": "completed"])
        default:
            return error(404, "no route \(method) \(rest)")
        }
    }

    /// `must` of `match.value` and `range.gte` conditions: what `IngestFilters` produces.
    private func matches(_ point: JSONValue, _ filter: JSONValue?) -> Bool {
        for condition in filter?["must"]?.arrayValue ?? [] {
            let value = point["payload"]?[condition["key"]?.stringValue ?? ""]
            if let expected = condition["match"]?["value"], value != expected { return false }
            if let gte = condition["range"]?["gte"]?.numberValue {
                guard let number = value?.numberValue, number >= gte else { return false }
            }
        }
        return true
    }

    private func ok(_ result: JSONValue) -> HTTPResponse {
        HTTPResponse(
            status: 200,
            body: (["result": result, "status": "ok", "time": 0.001] as JSONValue).serialized()
        )
    }

    private func error(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(
            status: status,
            body: (["status": ["error": .string(message)], "time": 0.0] as JSONValue).serialized()
        )
    }
}
