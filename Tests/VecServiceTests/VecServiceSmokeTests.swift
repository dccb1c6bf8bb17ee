import XCTest
@testable import VecService
final class VecServiceSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
