import Foundation
import XCTest

@testable import VecService
import VectorStore

final class OpsRequestCostTests: XCTestCase {
    private let points = "/collections/{collection}/points"

    func testB22RetrieveOfNIDsCostsN() {
        let body = Array(#"{"ids":[1,2,3,4,5],"with_payload":true}"#.utf8)
        XCTAssertEqual(RequestCost.of(method: "POST", route: points, body: body), 5)
    }

    func testBatchSearchCostsOnePerSearchAndOtherRequestsOne() {
        let batch = Array(#"{"searches":[{"vector":[1]},{"vector":[2]},{"vector":[3]}]}"#.utf8)
        XCTAssertEqual(RequestCost.of(method: "POST", route: points + "/search/batch",
                                      body: batch), 3)
        let upsert = Array(#"{"points":[{"id":1},{"id":2}],"ids":[1,2]}"#.utf8)
        XCTAssertEqual(RequestCost.of(method: "PUT", route: points, body: upsert), 1,
                       "an upsert is one write request")
        XCTAssertEqual(RequestCost.of(method: "POST", route: points, body: Array("{".utf8)), 1)
        XCTAssertEqual(RequestCost.of(method: "POST", route: points, body: []), 1)
        XCTAssertEqual(RequestCost.of(method: "POST", route: points,
                                      body: Array(#"{"ids":[]}"#.utf8)), 1)
        XCTAssertEqual(RequestCost.of(method: "GET", route: "/collections", body: []), 1)
    }

    func testRequestIDKeepsSafeClientIDsAndReplacesOthers() {
        XCTAssertEqual(RequestID.make(clientSupplied: "abc-123_x.y:z"), "abc-123_x.y:z")
        let replaced = RequestID.make(clientSupplied: "bad id\nwith newline")
        XCTAssertFalse(replaced.contains(" "))
        XCTAssertNotEqual(RequestID.make(clientSupplied: nil), RequestID.make(clientSupplied: nil))
        let long = String(repeating: "a", count: RequestID.maxLength + 1)
        XCTAssertNotEqual(RequestID.make(clientSupplied: long), long)
    }

    func testUsageReportShowsEachTenantsShareAndTotals() {
        func result(points: Int64, bytes: Int64, queries: Int64) -> JSONValue {
            ["stored": ["points": .int(points), "bytes": .int(bytes)],
             "usage": ["total": ["queries": .int(queries)]]]
        }
        let report = UsageReport(rows: [
            .init(tenant: "zeta", usageResult: result(points: 300, bytes: 1_000, queries: 1),
                  window: "total"),
            .init(tenant: "alpha", usageResult: result(points: 100, bytes: 3_000, queries: 3),
                  window: "total"),
        ], window: "total")
        let lines = report.render().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 5, report.render())
        XCTAssertTrue(lines[1].hasPrefix("tenant"))
        XCTAssertTrue(lines[2].hasPrefix("alpha"), "rows are sorted by tenant")
        XCTAssertTrue(lines[2].contains("100 (25.0%)") && lines[2].contains("3000 (75.0%)"),
                      lines[2])
        XCTAssertTrue(lines[3].contains("300 (75.0%)") && lines[3].contains("1 (25.0%)"),
                      lines[3])
        XCTAssertTrue(lines[4].hasPrefix("TOTAL") && lines[4].contains("4000"), lines[4])
        XCTAssertTrue(lines[3].contains("0 (0.0%)"), "an all-zero column shares 0%")
    }
}
