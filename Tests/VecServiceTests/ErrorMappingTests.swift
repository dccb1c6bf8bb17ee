import VectorStore
import XCTest

@testable import VecService

final class ErrorMappingTests: XCTestCase {
    func testEveryStoreErrorHasItsQdrantStatus() {
        let expected: [(StoreError, Int)] = [
            (.collectionNotFound("c"), 404), (.collectionExists("c"), 409),
            (.tenantNotFound("t"), 404), (.tenantExists("t"), 409),
            (.pointNotFound(.number(1)), 404),
            (.invalidArgument(field: "f", message: "m"), 400),
            (.dimensionMismatch(vector: "", expected: 3, actual: 2), 400),
            (.vectorNameNotFound("v"), 400), (.invalidFilter("k"), 400), (.forbidden("x"), 403),
            (.quotaExceeded(quota: "max_points", limit: 1, wouldBe: 2), 403),
            (.storage(kind: "IOError", message: "m"), 500), (.corrupted("m"), 500),
        ]
        for (error, status) in expected {
            XCTAssertEqual(ErrorMapping.of(error).status, status, "\(error)")
            XCTAssertEqual(ErrorMapping.of(error).isServiceFault, status >= 500, "\(error)")
        }
    }

    func testErrorBodyIsQdrantsShape() throws {
        let response = ServiceError.store(.collectionNotFound("docs")).response(elapsed: 0.5)
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.contentType, "application/json")
        let body = try XCTUnwrap(response.jsonBody)
        XCTAssertEqual(body["status"]?["error"], "Not found: Collection `docs` doesn't exist!")
        XCTAssertEqual(body["time"], 0.5)
    }

    func testAuthenticationFailuresArePlainText() {
        let unauthorized = ServiceError.unauthorized(AuthText.missing).response(elapsed: 0)
        XCTAssertEqual(unauthorized.status, 401)
        XCTAssertTrue(unauthorized.contentType.hasPrefix("text/plain"))
        XCTAssertEqual(unauthorized.textBody, AuthText.missing)
        XCTAssertEqual(ServiceError.forbidden(AuthText.readOnly).response(elapsed: 0).status, 403)
    }

    func testUnexpectedErrorsBecome500NotACrash() {
        struct Strange: Error {}
        XCTAssertEqual(ErrorMapping.of(ServiceError.wrap(Strange())).status, 500)
        XCTAssertThrowsError(try PointID(json: "x")) { error in
            XCTAssertEqual(ErrorMapping.of(ServiceError.wrap(error)).status, 400)
        }
    }
}
