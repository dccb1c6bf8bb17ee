import XCTest
@testable import VectorStore
final class VectorStoreSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
