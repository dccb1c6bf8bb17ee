import COpenBLAS

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
    ///     PyTorch `Linear` weight `[out, in]` is used as is with `transposeB: true`).
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

    /// The number of threads OpenBLAS will use (`openblas_get_num_threads`), for reports.
    static var threadCount: Int { Int(openblas_get_num_threads()) }
}
