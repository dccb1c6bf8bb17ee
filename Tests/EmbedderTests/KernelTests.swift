import Foundation
import XCTest

@testable import Embedder

/// The approximations and row operations the encoder relies on, against libm in double.
final class KernelTests: XCTestCase {
    func testExpIsAccurateToAFewUlpsOverTheSoftmaxRange() {
        var worst = 0.0
        for step in 0...20_000 {
            let x = Float(-87 + Double(step) * 0.0044)
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(Kernels.exp(x)) - exact) / exact)
        }
        XCTAssertLessThan(worst, 5e-7)
        XCTAssertEqual(Double(Kernels.exp(-1000)), Foundation.exp(-87.0), accuracy: 1e-40)
    }

    func testErfIsAccurateToAFewUlps() {
        var worst = 0.0
        for step in 0...20_000 {
            let x = Float(-6 + Double(step) * 0.0006)
            worst = max(worst, abs(Double(Kernels.erf(x)) - Foundation.erf(Double(x))))
        }
        XCTAssertLessThan(worst, 1e-6)
    }

    func testGELUUsesErfNotTanh() {
        var row: [Float] = [-3, -1, -0.5, 0, 0.5, 1, 3, 1.5]
        let bias = [Float](repeating: 0, count: row.count)
        let expected = row.map {
            0.5 * Double($0) * (1 + Foundation.erf(Double($0) / 2.0.squareRoot()))
        }
        Kernels.addBiasGELU(&row, rows: 1, width: row.count, bias: bias)
        for (value, exact) in zip(row, expected) {
            XCTAssertEqual(Double(value), exact, accuracy: 1e-6)
        }
        // The tanh approximation differs from erf GELU by ~3e-4 at x = 1.5: the test sees it.
        let tanhGELU =
            0.5 * 1.5 * (1 + tanh((2 / Double.pi).squareRoot() * (1.5 + 0.044715 * pow(1.5, 3))))
        XCTAssertGreaterThan(abs(Double(row[7]) - tanhGELU), 1e-4)
    }

    func testSoftmaxSumsToOneWithLargeInputsAndOddLengths() {
        for count in [1, 7, 16, 33, 512] {
            var row = (0..<count).map { Float($0 % 5) * 30 - 40 }
            row.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: count) }
            XCTAssertEqual(row.reduce(0, +), 1, accuracy: 1e-5)
            XCTAssertTrue(row.allSatisfy { $0.isFinite && $0 >= 0 })
        }
    }

    func testLayerNormMatchesDoubleReference() {
        let width = 48
        var x = (0..<(2 * width)).map { Float(sin(Double($0))) * 3 + 1 }
        let gamma = (0..<width).map { 1 + Float($0) / 100 }
        let beta = (0..<width).map { Float($0) / 50 }
        let input = x
        Kernels.layerNorm(&x, rows: 2, width: width, gamma: gamma, beta: beta, epsilon: 1e-12)
        for row in 0..<2 {
            let values = input[(row * width)..<((row + 1) * width)].map(Double.init)
            let mean = values.reduce(0, +) / Double(width)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            for column in 0..<width {
                let exact =
                    (values[column] - mean) / variance.squareRoot() * Double(gamma[column])
                    + Double(beta[column])
                XCTAssertEqual(Double(x[row * width + column]), exact, accuracy: 1e-5)
            }
        }
    }

    func testAttentionOfOneTokenReturnsItsValue() {
        // With one key, the softmax weight is 1, so the context row is the value row.
        let hidden = 32
        var qkv = (0..<(3 * hidden)).map { Float($0) / 10 }
        var context = [Float](repeating: 0, count: hidden)
        var scratch = [Float](repeating: 0, count: 2 * Attention.scratchCount(longest: 1))
        qkv.withUnsafeMutableBufferPointer { qkv in
            Attention.run(
                qkv: qkv.baseAddress!,
                context: &context,
                offsets: [0, 1],
                hidden: hidden,
                headCount: 2,
                scratch: &scratch,
                workers: 2
            )
        }
        XCTAssertEqual(context, Array(qkv[(2 * hidden)...]))
    }

    /// Packed sequences of different lengths (one long enough for the threaded softmax), odd
    /// head sizes and large scores, against a double-precision softmax(Q Kᵀ / √d) V computed
    /// per sequence and head; a wrong stride, head offset, block or sequence boundary moves
    /// rows. (`blockRows + 2` tokens: one full block of query rows and a partial one.)
    func testPackedAttentionMatchesDoubleReference() {
        let hidden = 36
        let headCount = 3
        let headSize = hidden / headCount
        let lengths = [1, 5, Attention.blockRows + 2, 17]
        let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
        let tokens = offsets.last!
        var qkv = (0..<(tokens * 3 * hidden)).map { Float(sin(Double($0) * 0.7)) * 4 }
        var context = [Float](repeating: .nan, count: tokens * hidden)
        let scratchCount = 2 * Attention.scratchCount(longest: lengths[2])
        var scratch = [Float](repeating: 0, count: scratchCount)
        let threads = BLAS.threadCount
        Attention.run(
            qkv: &qkv,
            context: &context,
            offsets: offsets,
            hidden: hidden,
            headCount: headCount,
            scratch: &scratch,
            workers: 2
        )
        let exact = qkv.map(Double.init)
        var worst = 0.0
        for (sequence, length) in lengths.enumerated() {
            // Row `token` of part 0 (Q), 1 (K) or 2 (V) of `head`, as an index into `exact`.
            func at(_ token: Int, _ part: Int, _ head: Int) -> Int {
                (offsets[sequence] + token) * 3 * hidden + part * hidden + head * headSize
            }
            for head in 0..<headCount {
                for i in 0..<length {
                    var weights = [Double](repeating: 0, count: length)
                    for j in 0..<length {
                        let q = at(i, 0, head), k = at(j, 1, head)
                        var dot = 0.0
                        for c in 0..<headSize { dot += exact[q + c] * exact[k + c] }
                        weights[j] = dot / Double(headSize).squareRoot()
                    }
                    let top = weights.max()!
                    for j in 0..<length { weights[j] = Foundation.exp(weights[j] - top) }
                    let total = weights.reduce(0, +)
                    var expected = [Double](repeating: 0, count: headSize)
                    for j in 0..<length {
                        let v = at(j, 2, head)
                        for c in 0..<headSize { expected[c] += weights[j] * exact[v + c] }
                    }
                    let row = (offsets[sequence] + i) * hidden + head * headSize
                    for c in 0..<headSize {
                        worst = max(worst, abs(Double(context[row + c]) - expected[c] / total))
                    }
                }
            }
        }
        XCTAssertLessThan(worst, 1e-4)
        XCTAssertEqual(BLAS.threadCount, threads, "OpenBLAS's thread count is restored")
    }
}
