import VectorStore
import XCTest

@testable import VecService

final class RouterTests: XCTestCase {
    let router = Router(routes: Service.routes)

    private func template(_ method: String, _ path: String) -> String? {
        if case .found(let route, _) = router.match(method: method, path: path) {
            return route.pattern.template
        }
        return nil
    }

    func testLiteralSegmentsWinOverParameters() {
        XCTAssertEqual(
            template("POST", "/collections/docs/points/search"),
            "/collections/{collection}/points/search"
        )
        XCTAssertEqual(
            template("GET", "/collections/docs/points/42"),
            "/collections/{collection}/points/{id}"
        )
        XCTAssertEqual(
            template("POST", "/collections/docs/points/query/batch"),
            "/collections/{collection}/points/query/batch"
        )
        XCTAssertEqual(
            template("GET", "/collections/docs/exists"),
            "/collections/{collection}/exists"
        )
    }

    func testParametersAreBound() {
        guard
            case .found(_, let parameters) = router.match(
                method: "DELETE",
                path: "/collections/docs/index/meta.lang"
            )
        else { return XCTFail("no match") }
        XCTAssertEqual(parameters, ["collection": "docs", "field": "meta.lang"])
    }

    func testTrailingSlashMatchesTheSameRoute() {
        XCTAssertEqual(template("GET", "/collections/docs/"), "/collections/{collection}")
    }

    func testUnknownPathIsNotFoundAndWrongMethodIsNotAllowed() {
        guard case .notFound = router.match(method: "GET", path: "/nope/at/all") else {
            return XCTFail("expected notFound")
        }
        guard
            case .methodNotAllowed(let allowed) = router.match(
                method: "PATCH",
                path: "/collections/docs/points"
            )
        else { return XCTFail("expected methodNotAllowed") }
        XCTAssertEqual(Set(allowed), ["PUT", "POST"])
    }

    func testEveryRouteHasAnAccessRuleAndOnlyHealthAndVersionAreOpen() {
        let open = Service.routes.filter { $0.access == .open }.map(\.pattern.template)
        XCTAssertEqual(Set(open), ["/", "/healthz", "/livez", "/readyz"])
        for route in Service.routes where route.pattern.template.hasPrefix("/tenants") {
            // Usage is also for the tenant itself; its handler refuses other tenants' keys.
            let expected: RouteAccess =
                route.pattern.template == "/tenants/{tenant}/usage" ? .authenticated : .admin
            XCTAssertEqual(route.access, expected, route.pattern.template)
        }
        for route in Service.routes where route.pattern.template.hasPrefix("/collections") {
            XCTAssertTrue([.read, .write, .manage].contains(route.access), route.pattern.template)
        }
        // Only collection management needs a tenant-wide credential (Qdrant's rule).
        let manage = Service.routes.filter { $0.access == .manage }
            .map { "\($0.method) \($0.pattern.template)" }
        XCTAssertEqual(Set(manage), [
            "PUT /collections/{collection}", "DELETE /collections/{collection}",
            "POST /collections/{collection}/snapshots/upload",
            "PUT /collections/{collection}/snapshots/recover",
        ])
    }

    /// Read-only keys must reach every read route even when it is a POST (issue 5).
    func testReadRoutesIncludeThePostSearches() {
        let reads = Set(
            Service.routes.filter { $0.access == .read }.map {
                "\($0.method) \($0.pattern.template)"
            }
        )
        for expected in [
            "POST /collections/{collection}/points/search",
            "POST /collections/{collection}/points/search/batch",
            "POST /collections/{collection}/points/query",
            "POST /collections/{collection}/points/query/batch",
            "POST /collections/{collection}/points/scroll",
            "POST /collections/{collection}/points/count",
            "POST /collections/{collection}/points",
            "POST /collections/{collection}/facet",
            "GET /collections", "GET /collections/{collection}",
        ] {
            XCTAssertTrue(reads.contains(expected), expected)
        }
    }

    /// Our OpenAPI document describes exactly the routes we serve.
    func testOpenAPIDocumentListsEveryServedRoute() throws {
        let document = try JSONValue.parse(OpenAPIDocument.bytes)
        let paths = try XCTUnwrap(document["paths"]?.objectValue)
        var documented = Set<String>()
        for (path, methods) in paths {
            let ours = path.replacingOccurrences(of: "{collection_name}", with: "{collection}")
                .replacingOccurrences(of: "{field_name}", with: "{field}")
                .replacingOccurrences(of: "{key_id}", with: "{key}")
            for method in methods.objectValue?.keys ?? [:].keys {
                documented.insert("\(method.uppercased()) \(ours)")
            }
        }
        let served = Set(Service.routes.map { "\($0.method) \($0.pattern.template)" })
        XCTAssertEqual(served.subtracting(documented), [], "served but not documented")
        XCTAssertEqual(documented.subtracting(served), [], "documented but not served")
        XCTAssertEqual(document["info"]?["version"], "1.19.0")
    }
}
