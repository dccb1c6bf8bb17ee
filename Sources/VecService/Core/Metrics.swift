import Foundation

/// Request counters and latency sums by tenant, method, route template and status, served as
/// Prometheus text on `/metrics` (Qdrant's `rest_responses_*` names plus a `tenant` label).
final class Metrics: @unchecked Sendable {
    struct Key: Hashable {
        var tenant: String
        var method: String
        var route: String
        var status: Int
    }

    struct Totals {
        var count = 0
        var seconds = 0.0
    }

    private let lock = NSLock()
    private var totals: [Key: Totals] = [:]

    func record(_ key: Key, seconds: Double) {
        lock.lock()
        totals[key, default: Totals()].count += 1
        totals[key, default: Totals()].seconds += seconds
        lock.unlock()
    }

    /// The exposition text; `tenant` limits it to one tenant's series (for tenant keys, which
    /// must not learn other tenants' names).
    func exposition(tenant: String?, version: String) -> String {
        lock.lock()
        let snapshot = totals
        lock.unlock()
        var lines = [
            "# HELP app_info information about the vecd server",
            "# TYPE app_info gauge",
            "app_info{name=\"vecd\",version=\"\(version)\"} 1",
            "# HELP rest_responses_total total number of responses",
            "# TYPE rest_responses_total counter",
        ]
        let keys = snapshot.keys.filter { tenant == nil || $0.tenant == tenant }.sorted {
            ($0.tenant, $0.route, $0.method, $0.status) < (
                $1.tenant, $1.route, $1.method, $1.status
            )
        }
        for key in keys {
            lines.append("rest_responses_total{\(labels(key))} \(snapshot[key]!.count)")
        }
        lines.append("# HELP rest_responses_duration_seconds total time spent answering")
        lines.append("# TYPE rest_responses_duration_seconds summary")
        for key in keys {
            let totals = snapshot[key]!
            lines.append("rest_responses_duration_seconds_sum{\(labels(key))} \(totals.seconds)")
            lines.append("rest_responses_duration_seconds_count{\(labels(key))} \(totals.count)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func labels(_ key: Key) -> String {
        "tenant=\"\(escaped(key.tenant))\",method=\"\(key.method)\",endpoint=\"\(escaped(key.route))\","
            + "status=\"\(key.status)\""
    }

    private func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(
            of: "\"",
            with: "\\\""
        )
    }
}
