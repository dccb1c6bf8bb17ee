import COpenBLAS
import Foundation

/// A typed front for the one OpenBLAS routine the encoder needs, `cblas_sgemm`.
///
/// Every matrix is row-major. The wrapper exists so that call sites name their operands
/// (`transposeB: true` instead of a bare `CblasTrans`) and so that the C boundary sits in one
/// file, as the project's style asks for C libraries.
///
/// OpenBLAS picks its own thread count from `OPENBLAS_NUM_THREADS` (or the core count); we
/// never override it, and never touch `OPENBLAS_CORETYPE`, which some machines set to avoid a
/// kernel that miscomputes on them.
enum BLAS {
    /// `C = alpha * op(A) * op(B) + beta * C` through `cblas_sgemm`, row-major.
    ///
    /// - Parameters:
    ///   - m: rows of `op(A)` and `C`.
    ///   - n: columns of `op(B)` and `C`.
    ///   - k: columns of `op(A)`, rows of `op(B)`.
    ///   - a: `op(A)` is `[m, k]`; stored `[m, lda]`, or `[k, lda]` when `transposeA`.
    ///   - b: `op(B)` is `[k, n]`; stored `[k, ldb]`, or `[n, ldb]` when `transposeB` (a
    ///     PyTorch `Linear` weight `[out, in]` is used as is with `transposeB: true`, and
    ///     attention reads the keys for `Q Kᵀ` this way).
    ///   - c: `[m, ldc]`, read only when `beta != 0`.
    @inline(__always)
    static func sgemm(
        transposeA: Bool = false,
        transposeB: Bool = false,
        m: Int,
        n: Int,
        k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>,
        lda: Int,
        b: UnsafePointer<Float>,
        ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>,
        ldc: Int
    ) {
        precondition(m >= 0 && n >= 0 && k >= 0, "sgemm: negative dimension")
        if m == 0 || n == 0 { return }
        // Safety: the caller guarantees each buffer spans its stated rows times leading
        // dimension; the leading dimensions are checked against the row widths here.
        precondition(
            lda >= (transposeA ? m : k) && ldb >= (transposeB ? k : n) && ldc >= n,
            "sgemm: leading dimension smaller than the row width"
        )
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m),
            blasint(n),
            blasint(k),
            alpha,
            a,
            blasint(lda),
            b,
            blasint(ldb),
            beta,
            c,
            blasint(ldc)
        )
    }

    /// The number of threads OpenBLAS uses (`openblas_get_num_threads`) outside
    /// `singleThreaded` sections.
    static var threadCount: Int { Int(SingleThreadedSections.configuredThreads) }

    /// Runs `body` with OpenBLAS limited to one thread, so that `body` may call `sgemm` from
    /// several threads of its own at once.
    ///
    /// Why: OpenBLAS (pthread build) runs a product on its whole pool whenever
    /// `m·n·k > 262144`, and a pool call holds a library-wide lock, so products issued from
    /// several of our threads would queue behind each other, and each would wake, then leave
    /// spinning, a pool thread. The thread count is process-wide in OpenBLAS (the pthread build
    /// has no per-thread setting), so overlapping sections are counted: the first one in lowers
    /// it, the last one out restores the count seen on entry. A product another thread starts
    /// meanwhile runs on one thread: slower, but the same arithmetic (OpenBLAS splits a product
    /// over threads by rows and columns of `C`, never along `k`).
    static func singleThreaded<Result>(_ body: () throws -> Result) rethrows -> Result {
        SingleThreadedSections.enter()
        defer { SingleThreadedSections.leave() }
        return try body()
    }
}

/// The bookkeeping of `BLAS.singleThreaded`: how many sections are open, and the thread count
/// to restore when the last one closes.
private enum SingleThreadedSections {
    nonisolated(unsafe) static var open = 0
    nonisolated(unsafe) static var saved: Int32 = 1
    static let lock = NSLock()

    static func enter() {
        lock.lock()
        defer { lock.unlock() }
        if open == 0 {
            saved = openblas_get_num_threads()
            if saved > 1 { openblas_set_num_threads(1) }
        }
        open += 1
    }

    /// OpenBLAS's thread count, or the one to be restored while a section is open.
    static var configuredThreads: Int32 {
        lock.lock()
        defer { lock.unlock() }
        return open > 0 ? saved : openblas_get_num_threads()
    }

    static func leave() {
        lock.lock()
        defer { lock.unlock() }
        open -= 1
        if open == 0 && saved > 1 { openblas_set_num_threads(saved) }
    }
}
