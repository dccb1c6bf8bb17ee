import XCTest
@testable import Embedder
final class EmbedderSmokeTests: XCTestCase {
    func testModuleLoads() {}
}
