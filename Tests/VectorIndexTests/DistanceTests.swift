import XCTest
@testable import VectorIndex

final class DistanceTests: XCTestCase {
    func testRawValuesAreQdrantNames() {
        XCTAssertEqual(Distance.allCases.map(\.rawValue), ["Cosine", "Dot", "Euclid", "Manhattan"])
    }

    func testNormalizeIfNeededScalesToUnitLengthUnderCosineOnly() {
        var v: [Float] = [3, 4]
        Distance.cosine.normalizeIfNeeded(&v)
        XCTAssertEqual(v[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(v[1], 0.8, accuracy: 1e-6)
        for distance in [Distance.dot, .euclid, .manhattan] {
            XCTAssertEqual(distance.normalizedIfNeeded([3, 4]), [3, 4], "\(distance)")
        }
    }

    func testNormalizeKeepsPrecisionWhenSquaresOverflow() {
        let v = Distance.cosine.normalizedIfNeeded([3e30, 4e30])
        XCTAssertEqual(v[0], 0.6, accuracy: 1e-6)
        XCTAssertEqual(v[1], 0.8, accuracy: 1e-6)
    }

    func testB29ZeroVectorStaysZeroAndScoresZeroUnderCosine() {
        XCTAssertEqual(Distance.cosine.normalizedIfNeeded([0, 0, 0, 0]), [0, 0, 0, 0])
        XCTAssertEqual(Distance.cosine.score([0, 0, 0, 0], [1, 0, 0, 0]), 0)
        XCTAssertEqual(Distance.cosine.score([0, 0, 0, 0], [0, 0, 0, 0]), 0)
        XCTAssertEqual(Distance.cosine.score([1, 0, 0, 0], [2, 0, 0, 0]), 1, accuracy: 1e-6)
    }

    func testCosineScoresStayWithinMinusOneAndOne() {
        // [-10.1, -0.7] normalised has a float dot product with itself of 1.0000001.
        let v: [Float] = [-10.1, -0.7]
        XCTAssertEqual(Distance.cosine.score(v, v), 1)
        XCTAssertEqual(Distance.cosine.score(v, v.map { -$0 }), -1)
        XCTAssertGreaterThan(Distance.dot.score(fromRank: -1.0000001), 1, "Dot is not clamped")
    }

    func testScoresAreInQdrantUnits() {
        let a: [Float] = [1, 2, 3]
        let b: [Float] = [4, 6, 3]
        XCTAssertEqual(Distance.dot.score(a, b), 25)
        XCTAssertEqual(Distance.euclid.score(a, b), 5, accuracy: 1e-6)
        XCTAssertEqual(Distance.manhattan.score(a, b), 7)
        let cosine = 25 / (Float(14).squareRoot() * Float(61).squareRoot())
        XCTAssertEqual(Distance.cosine.score(a, b), cosine, accuracy: 1e-6)
    }

    func testRankOrderAgreesWithScoreOrderForEveryDistance() {
        var generator = SeededGenerator(seed: 3)
        let query = (0..<8).map { _ in Float.random(in: -1...1, using: &generator) }
        for distance in Distance.allCases {
            let q = distance.normalizedIfNeeded(query)
            let points = randomVectors(count: 50, dimension: 8, seed: 4)
                .map(distance.normalizedIfNeeded)
            let byRank = points.sorted { distance.rank(q, $0) < distance.rank(q, $1) }
            let scores = byRank.map { distance.score(fromRank: distance.rank(q, $0)) }
            let expected = scores.sorted(by: distance.higherScoreIsBetter ? (>) : (<))
            XCTAssertEqual(scores, expected, "\(distance)")
            for score in scores {
                XCTAssertEqual(distance.score(fromRank: distance.rank(fromScore: score)), score,
                               accuracy: 1e-4, "\(distance)")
            }
        }
    }

    func testScoreIsNeverNaNOrInfinite() {
        let huge = [Float](repeating: 3e38, count: 4)
        let negative = [Float](repeating: -3e38, count: 4)
        for distance in Distance.allCases {
            let score = distance.score(huge, negative)
            XCTAssertTrue(score.isFinite, "\(distance): \(score)")
        }
        XCTAssertEqual(Distance.dot.score(fromRank: .nan), 0)
        XCTAssertEqual(Distance.euclid.score(fromRank: .infinity), .greatestFiniteMagnitude)
        XCTAssertEqual(Distance.dot.score(fromRank: .infinity), -.greatestFiniteMagnitude)
    }
}
