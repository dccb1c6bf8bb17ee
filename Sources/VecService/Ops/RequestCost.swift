import Foundation
import VectorStore

/// What a request costs in its rate bucket (qdrant PR#6327): a retrieve of N ids costs N, a
/// batch of N searches or queries costs N, every other request 1.
public enum RequestCost {
    /// Routes whose body lists ids or sub-requests, and the body field that holds them.
    static let countedFields: [String: String] = [
        "/collections/{collection}/points": "ids",
        "/collections/{collection}/points/search/batch": "searches",
        "/collections/{collection}/points/query/batch": "searches",
        "/collections/{collection}/points/recommend/batch": "searches",
        "/collections/{collection}/points/discover/batch": "searches",
    ]

    /// The cost of a request to `route` (a template) with method `method` and `body`.
    ///
    /// Only `POST` counts items: `PUT` on the points route is an upsert, a write costing 1.
    /// A body that does not parse costs 1: the route will refuse it anyway.
    public static func of(method: String, route: String, body: [UInt8]) -> Int {
        guard method == "POST", let field = countedFields[route], !body.isEmpty,
            let parsed = try? JSONValue.parse(body), let items = parsed[field]?.arrayValue
        else { return 1 }
        return max(1, items.count)
    }
}

/// Request ids for the audit log and the `x-request-id` response header.
public enum RequestID {
    /// Longest client-supplied id we keep; longer ones are replaced, not truncated.
    public static let maxLength = 128

    private static let lock = NSLock()
    private static var counter: UInt64 = 0
    /// Random per process, so ids of two runs of the node never collide.
    private static let prefix = String(UInt64.random(in: 0..<(1 << 40)), radix: 36)

    /// The client's `x-request-id` when it is a short token of safe characters, else a new id.
    public static func make(clientSupplied: String?) -> String {
        if let supplied = clientSupplied, (1...maxLength).contains(supplied.utf8.count),
            supplied.utf8.allSatisfy(isSafe)
        {
            return supplied
        }
        lock.lock()
        counter += 1
        let next = counter
        lock.unlock()
        return "\(prefix)-\(String(next, radix: 36))"
    }

    /// Letters, digits and `-_.:`: nothing that could break a log line or a header.
    private static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
            UInt8(ascii: "."), UInt8(ascii: ":"):
            return true
        default:
            return false
        }
    }
}
