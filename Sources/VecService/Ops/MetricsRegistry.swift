import Foundation

/// The metric types of the Prometheus text format that we emit.
public enum MetricType: String, Sendable {
    case counter, gauge, histogram
}

/// One family: a name, help text, fixed label names and the series under them.
///
/// Label sets are bounded: past `maxSeries` distinct label sets a new one is folded into a
/// single series whose every label value is `MetricFamily.overflowValue`, so a runaway label
/// (a bug feeding a collection name, say) cannot grow memory or the scrape without bound.
public final class MetricFamily: @unchecked Sendable {
    /// The label value of the series that absorbs label sets past the bound.
    public static let overflowValue = "_overflow"

    public let name: String
    public let help: String
    public let type: MetricType
    public let labelNames: [String]
    /// Upper bounds of a histogram's buckets, ascending, without `+Inf`.
    public let buckets: [Double]
    let maxSeries: Int

    private let lock = NSLock()
    private var series: [[String]: Series] = [:]
    /// For callback-fed families: the samples as of the scrape.
    private let collect: (@Sendable () -> [([String], Double)])?

    struct Series {
        var value: Double = 0
        var bucketCounts: [UInt64] = []
        var count: UInt64 = 0
    }

    init(name: String, help: String, type: MetricType, labelNames: [String], buckets: [Double],
         maxSeries: Int, collect: (@Sendable () -> [([String], Double)])?) {
        precondition(Self.isValidName(name), "invalid metric name \(name)")
        precondition(labelNames.allSatisfy(Self.isValidName), "invalid label in \(labelNames)")
        precondition(buckets == buckets.sorted(), "histogram buckets must ascend")
        self.name = name
        self.help = help
        self.type = type
        self.labelNames = labelNames
        self.buckets = buckets
        self.maxSeries = maxSeries
        self.collect = collect
    }

    /// Adds `amount` (never negative for a counter) to the series at `labels`.
    public func add(_ amount: Double = 1, _ labels: [String] = []) {
        precondition(type != .counter || amount >= 0, "a counter only goes up")
        update(labels) { $0.value += amount }
    }

    /// Sets a gauge's series at `labels`.
    public func set(_ value: Double, _ labels: [String] = []) {
        precondition(type == .gauge, "set on \(type) \(name)")
        update(labels) { $0.value = value }
    }

    /// Records one observation in a histogram.
    public func observe(_ value: Double, _ labels: [String] = []) {
        precondition(type == .histogram, "observe on \(type) \(name)")
        let index = buckets.firstIndex { value <= $0 } ?? buckets.count
        update(labels) { series in
            if series.bucketCounts.isEmpty {
                series.bucketCounts = Array(repeating: 0, count: self.buckets.count + 1)
            }
            series.bucketCounts[index] += 1
            series.count += 1
            series.value += value
        }
    }

    /// The current value of a counter or gauge series (0 if absent); for tests and usage.
    public func value(_ labels: [String] = []) -> Double {
        lock.lock()
        defer { lock.unlock() }
        return series[labels]?.value ?? 0
    }

    /// Removes every series whose label `label` equals `value` (a deleted tenant).
    public func removeSeries(where label: String, equals value: String) {
        guard let position = labelNames.firstIndex(of: label) else { return }
        lock.lock()
        series = series.filter { $0.key[position] != value }
        lock.unlock()
    }

    private func update(_ labels: [String], _ body: (inout Series) -> Void) {
        precondition(labels.count == labelNames.count,
                     "\(name) takes labels \(labelNames), got \(labels.count) values")
        lock.lock()
        defer { lock.unlock() }
        var key = labels
        if series[key] == nil && series.count >= maxSeries {
            key = Array(repeating: Self.overflowValue, count: labels.count)
        }
        body(&series[key, default: Series()])
    }

    /// The series to render, sorted by label values so scrapes are stable.
    func snapshot() -> [(labels: [String], series: Series)] {
        if let collect {
            return collect().map { (labels: $0.0, series: Series(value: $0.1)) }
                .sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
        }
        lock.lock()
        let copy = series
        lock.unlock()
        return copy.map { (labels: $0.key, series: $0.value) }
            .sorted { $0.labels.lexicographicallyPrecedes($1.labels) }
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !("0"..."9").contains(first) else {
            return false
        }
        return name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "_" || $0 == ":"
        }
    }
}

/// Counters, gauges and histograms rendered in the Prometheus text exposition format 0.0.4.
public final class MetricsRegistry: @unchecked Sendable {
    /// The `Content-Type` of `render()`'s output.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Default bound on label sets per family: tenants × routes × statuses stay well under it
    /// for the tenant counts one node serves (hundreds), and a scrape stays a few MB at most.
    public static let defaultMaxSeries = 20_000

    private let lock = NSLock()
    private var families: [MetricFamily] = []
    private let maxSeries: Int

    /// - Parameter maxSeries: the bound on label sets per family.
    public init(maxSeries: Int = MetricsRegistry.defaultMaxSeries) {
        self.maxSeries = maxSeries
    }

    /// Registers a counter family.
    public func counter(_ name: String, help: String, labels: [String] = []) -> MetricFamily {
        register(MetricFamily(name: name, help: help, type: .counter, labelNames: labels,
                              buckets: [], maxSeries: maxSeries, collect: nil))
    }

    /// Registers a gauge family whose values the caller sets.
    public func gauge(_ name: String, help: String, labels: [String] = []) -> MetricFamily {
        register(MetricFamily(name: name, help: help, type: .gauge, labelNames: labels,
                              buckets: [], maxSeries: maxSeries, collect: nil))
    }

    /// Registers a histogram family with the given bucket upper bounds (`+Inf` is implied).
    public func histogram(_ name: String, help: String, labels: [String] = [],
                          buckets: [Double]) -> MetricFamily {
        register(MetricFamily(name: name, help: help, type: .histogram, labelNames: labels,
                              buckets: buckets, maxSeries: maxSeries, collect: nil))
    }

    /// Registers a counter or gauge family whose samples `collect` returns at each scrape
    /// (label values in `labels` order, then the value).
    public func callback(
        _ name: String, help: String, type: MetricType, labels: [String] = [],
        collect: @escaping @Sendable () -> [([String], Double)]
    ) -> MetricFamily {
        precondition(type != .histogram, "callback families are counters or gauges")
        return register(MetricFamily(name: name, help: help, type: type, labelNames: labels,
                                     buckets: [], maxSeries: maxSeries, collect: collect))
    }

    private func register(_ family: MetricFamily) -> MetricFamily {
        lock.lock()
        defer { lock.unlock() }
        precondition(!families.contains { $0.name == family.name }, "\(family.name) twice")
        families.append(family)
        return family
    }

    /// The exposition text. With `tenant`, only series labelled with that tenant appear
    /// (families without a `tenant` label are left out: they describe the whole node).
    public func render(tenant: String? = nil) -> String {
        lock.lock()
        let current = families
        lock.unlock()
        var out = ""
        for family in current {
            let tenantPosition = family.labelNames.firstIndex(of: "tenant")
            if tenant != nil && tenantPosition == nil { continue }
            var rows = family.snapshot()
            if let tenant, let position = tenantPosition {
                rows = rows.filter { $0.labels[position] == tenant }
            }
            out += "# HELP \(family.name) \(Self.escapeHelp(family.help))\n"
            out += "# TYPE \(family.name) \(family.type.rawValue)\n"
            for row in rows { Self.write(row.labels, row.series, of: family, to: &out) }
        }
        return out
    }

    private static func write(
        _ labels: [String], _ series: MetricFamily.Series, of family: MetricFamily,
        to out: inout String
    ) {
        let pairs = zip(family.labelNames, labels).map { ($0, $1) }
        guard family.type == .histogram else {
            out += "\(family.name)\(labelText(pairs)) \(format(series.value))\n"
            return
        }
        var cumulative: UInt64 = 0
        for (index, bound) in family.buckets.enumerated() {
            cumulative += series.bucketCounts.isEmpty ? 0 : series.bucketCounts[index]
            let le = pairs + [("le", format(bound))]
            out += "\(family.name)_bucket\(labelText(le)) \(cumulative)\n"
        }
        out += "\(family.name)_bucket\(labelText(pairs + [("le", "+Inf")])) \(series.count)\n"
        out += "\(family.name)_sum\(labelText(pairs)) \(format(series.value))\n"
        out += "\(family.name)_count\(labelText(pairs)) \(series.count)\n"
    }

    private static func labelText(_ pairs: [(String, String)]) -> String {
        guard !pairs.isEmpty else { return "" }
        return "{" + pairs.map { "\($0.0)=\"\(escapeLabel($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// Label values escape backslash, double quote and line feed (format 0.0.4).
    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    /// Help text escapes backslash and line feed only.
    static func escapeHelp(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// Integers print without a fraction; infinities and NaN as Prometheus spells them.
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}
