import XCTest
@testable import VectorIndex
final class VectorIndexSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
