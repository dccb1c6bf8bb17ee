import Foundation
import XCTest

@testable import VectorStore

/// Throughput figures for the integrator (printed), with the results cross-checked so the
/// test still proves something: a selective filter found through an index equals a scan.
final class FilterPerformanceTests: XCTestCase {
    func testScanAndIndexedPlanAgreeOnFiftyThousandPoints() throws {
        var random = SplitMix64(seed: 99)
        let points = (0..<50_000).map { RandomPayloads.point(UInt64($0), &random) }
        let filter = try parseFilter(
            """
            {"must": [{"key": "tag", "match": {"value": "blue"}},
                      {"key": "n", "range": {"gte": 3, "lt": 6}}],
             "must_not": {"key": "flag", "match": {"value": true}}}
            """
        )

        let scanStart = Date()
        let scanned = points.filter {
            filter.matches(id: .number($0.id), payload: $0.payload, vectorNames: $0.vectors)
        }.map(\.id)
        let scanSeconds = Date().timeIntervalSince(scanStart)

        let buildStart = Date()
        let indexes = try makeIndexes(
            points,
            ["tag": #""keyword""#, "n": #""integer""#, "flag": #""bool""#]
        )
        let buildSeconds = Date().timeIntervalSince(buildStart)

        let planStart = Date()
        let candidates = try XCTUnwrap(indexes.candidateSlots(for: filter))
        let planned = candidates.filter {
            let point = points[Int($0)]
            return indexes.matches(
                filter,
                id: .number(point.id),
                payload: point.payload,
                vectorNames: point.vectors
            )
        }.map { points[Int($0)].id }
        let planSeconds = Date().timeIntervalSince(planStart)

        XCTAssertEqual(planned, scanned)

        // One keyword condition alone, for the per-condition cost.
        let single = try parseFilter(#"{"must": {"key": "tag", "match": {"value": "blue"}}}"#)
        let singleStart = Date()
        let singleCount = points.reduce(0) {
            $0 + (single.matches(id: .number($1.id), payload: $1.payload, vectorNames: []) ? 1 : 0)
        }
        let singleSeconds = Date().timeIntervalSince(singleStart)
        XCTAssertGreaterThan(singleCount, 0)

        // The same payload again and again: the cost of evaluation itself, without the cache
        // misses of walking 50 000 payload dictionaries spread over the heap.
        let hot = try XCTUnwrap(points.first { $0.payload["tag"] != nil })
        let hotStart = Date()
        var hotMatches = 0
        for _ in 0..<200_000
        where filter.matches(id: .number(1), payload: hot.payload, vectorNames: []) {
            hotMatches += 1
        }
        let hotNanos = Int(Date().timeIntervalSince(hotStart) * 1e9 / 200_000)
        XCTAssertTrue(hotMatches == 0 || hotMatches == 200_000)
        XCTAssertLessThan(candidates.count, points.count / 5)
        print(
            "filter figures: 50000 points, scan \(Int(scanSeconds * 1e3)) ms "
                + "(\(Int(scanSeconds * 1e9 / 50_000)) ns/point), index build "
                + "\(Int(buildSeconds * 1e3)) ms, plan+check \(Int(planSeconds * 1e3)) ms for "
                + "\(candidates.count) candidates, \(scanned.count) matches; one keyword "
                + "condition \(Int(singleSeconds * 1e9 / 50_000)) ns/point; full filter on a "
                + "cached payload \(hotNanos) ns"
        )
    }
}
