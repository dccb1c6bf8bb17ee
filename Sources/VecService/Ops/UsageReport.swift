import Foundation
import VectorStore

/// The `vecd usage` table: per tenant, what it stores and consumes and its share of the node,
/// the input for per-tenant pricing.
public struct UsageReport {
    /// One tenant's row, as `GET /tenants/{tenant}/usage` reports it.
    public struct Row: Equatable {
        public var tenant: String
        public var points: Int64
        public var bytes: Int64
        public var queries: Int64
        public var writes: Int64
        public var embeddingTokens: Int64
        public var rerankPairs: Int64

        /// Reads the `result` of `GET /tenants/{tenant}/usage` for `window`.
        public init(tenant: String, usageResult result: JSONValue, window: String) {
            self.tenant = tenant
            points = result["stored"]?["points"]?.intValue ?? 0
            bytes = result["stored"]?["bytes"]?.intValue ?? 0
            let counters = UsageCounters(json: result["usage"]?[window] ?? .null)
            queries = counters.queries
            writes = counters.writes
            embeddingTokens = counters.embeddingTokens
            rerankPairs = counters.rerankPairs
        }
    }

    public var rows: [Row]
    /// The usage window the consumption columns cover (`total`, `last_day`, …).
    public var window: String

    /// - Parameters: the rows (any order; printed by tenant name) and their window.
    public init(rows: [Row], window: String) {
        self.rows = rows.sorted { $0.tenant < $1.tenant }
        self.window = window
    }

    /// The share of each tenant in a column: its value over the column's total, in percent.
    /// Shares are 0 when the whole column is 0.
    static func shares(_ values: [Int64]) -> [Double] {
        let total = values.reduce(0, +)
        return values.map { total == 0 ? 0 : Double($0) * 100 / Double(total) }
    }

    /// The table as text: one line per tenant, each count with its share, then a total line.
    public func render() -> String {
        let columns: [(String, (Row) -> Int64)] = [
            ("points", { $0.points }), ("bytes", { $0.bytes }), ("queries", { $0.queries }),
            ("writes", { $0.writes }), ("embed_tokens", { $0.embeddingTokens }),
            ("rerank_pairs", { $0.rerankPairs }),
        ]
        let shares = columns.map { Self.shares(rows.map($0.1)) }
        var table: [[String]] = [["tenant"] + columns.map(\.0)]
        for (index, row) in rows.enumerated() {
            table.append([row.tenant] + columns.enumerated().map { column, entry in
                "\(entry.1(row)) (\(String(format: "%.1f", shares[column][index]))%)"
            })
        }
        table.append(["TOTAL"] + columns.map { entry in String(rows.map(entry.1).reduce(0, +)) })
        let widths = (0..<table[0].count).map { column in
            table.map { $0[column].count }.max() ?? 0
        }
        let lines = table.map { cells in
            cells.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
        }
        return "usage window: \(window)\n" + lines.joined(separator: "\n") + "\n"
    }
}
