import Foundation
import VecCore

/// Prints query hits for people: rank, score(s), source, title and a snippet.
public enum QueryResultFormatter {
    /// Characters of chunk text shown per hit.
    public static let snippetLength = 240

    /// The text for a `POST /points/query` answer (the whole envelope).
    public static func format(_ answer: JSONValue) -> String {
        guard let points = answer["result"]?["points"]?.arrayValue ?? answer["result"]?.arrayValue
        else {
            return "no results in the answer"
        }
        if points.isEmpty { return "no hits" }
        return points.enumerated().map { rank, point in
            formatHit(point, rank: rank + 1)
        }.joined(separator: "\n")
    }

    static func formatHit(_ point: JSONValue, rank: Int) -> String {
        let payload = point["payload"]
        var header = "\(rank). " + scores(of: point)
        header += "  " + (payload?["source"]?.stringValue ?? "(no source)")
        if let chunk = payload?["chunk"]?.intValue { header += " #\(chunk)" }
        var lines = [header]
        if let title = payload?["title"]?.stringValue, !title.isEmpty {
            lines.append("   " + title)
        }
        if let text = payload?["text"]?.stringValue {
            lines.append("   " + snippet(text))
        }
        return lines.joined(separator: "\n")
    }

    /// `score 0.8123`, plus any other score the server attached (a reranked hit carries its
    /// retrieval score too; its field name is the server's choice, so every `*score*` is shown).
    static func scores(of point: JSONValue) -> String {
        var parts: [String] = []
        if let score = point["score"]?.numberValue {
            parts.append(String(format: "score %.4f", score))
        }
        for (key, value) in (point.objectValue ?? [:]).sorted(by: { $0.key < $1.key })
        where key != "score" && key.contains("score") {
            if let number = value.numberValue {
                let label = key.replacingOccurrences(of: "_", with: " ")
                parts.append(label + String(format: " %.4f", number))
            }
        }
        return parts.joined(separator: ", ")
    }

    /// The start of `text` on one line, cut at a word boundary.
    public static func snippet(_ text: String) -> String {
        let flat = text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        guard flat.count > snippetLength else { return flat }
        var cut = String(flat.prefix(snippetLength))
        if let space = cut.lastIndex(of: " ") { cut = String(cut[..<space]) }
        return cut + " …"
    }
}
