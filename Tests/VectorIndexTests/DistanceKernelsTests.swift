import XCTest
@testable import VectorIndex

final class DistanceKernelsTests: XCTestCase {
    /// Every length from 1 to 70 covers each path (32-step, 16-step, 8-step, scalar tail) and
    /// their combinations; 384 is the embedding size the service uses.
    private let lengths = Array(1...70) + [383, 384, 385]

    func testDotMatchesScalarReferenceAtEveryTailLength() {
        check(kernel: DistanceKernels.dot) { a, b in
            zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
        }
    }

    func testSquaredEuclideanMatchesScalarReferenceAtEveryTailLength() {
        check(kernel: DistanceKernels.squaredEuclidean) { a, b in
            zip(a, b).reduce(0) { $0 + pow(Double($1.0) - Double($1.1), 2) }
        }
    }

    func testManhattanMatchesScalarReferenceAtEveryTailLength() {
        check(kernel: DistanceKernels.manhattan) { a, b in
            zip(a, b).reduce(0) { $0 + abs(Double($1.0) - Double($1.1)) }
        }
    }

    func testKernelsOfIdenticalVectorsAreExact() {
        let v: [Float] = (0..<384).map { Float($0 % 7) - 3 }
        v.withUnsafeBufferPointer { p in
            let base = p.baseAddress!
            XCTAssertEqual(DistanceKernels.squaredEuclidean(base, base, count: 384), 0)
            XCTAssertEqual(DistanceKernels.manhattan(base, base, count: 384), 0)
            let squares = v.reduce(0) { $0 + $1 * $1 }
            XCTAssertEqual(DistanceKernels.dot(base, base, count: 384), squares)
        }
    }

    /// Compares `kernel` with a double-precision scalar reference on random vectors of every
    /// length in `lengths`, allowing float rounding relative to the sum of magnitudes.
    private func check(
        kernel: (UnsafePointer<Float>, UnsafePointer<Float>, Int) -> Float,
        reference: ([Float], [Float]) -> Double
    ) {
        var generator = SeededGenerator(seed: 11)
        for length in lengths {
            let a = (0..<length).map { _ in Float.random(in: -2...2, using: &generator) }
            let b = (0..<length).map { _ in Float.random(in: -2...2, using: &generator) }
            let expected = reference(a, b)
            let actual = a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in kernel(pa.baseAddress!, pb.baseAddress!, length) }
            }
            let scale = zip(a, b).reduce(1.0) { $0 + abs(Double($1.0)) * 2 + abs(Double($1.1)) * 2 }
            XCTAssertEqual(Double(actual), expected, accuracy: scale * 1e-5, "length \(length)")
        }
    }
}
