import COpenBLAS

/// Thin, shape-documented wrappers over OpenBLAS. All matrices are row-major.
public enum BLAS {
    /// C (m,n) = alpha * A (m,k) @ B (k,n) + beta * C; `lda`, `ldb`, `ldc` are row strides.
    @inline(__always)
    static func gemm(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ c: UnsafeMutablePointer<Float>,
                     m: Int, n: Int, k: Int, lda: Int? = nil, ldb: Int? = nil, ldc: Int? = nil,
                     alpha: Float = 1, beta: Float = 0) {
        guard m > 0, n > 0 else { return }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), alpha,
                    a, Int32(lda ?? k), b, Int32(ldb ?? n), beta, c, Int32(ldc ?? n))
    }

    /// Sets the number of OpenBLAS threads (0 leaves the default: one per core).
    public static func setThreads(_ n: Int) {
        if n > 0 { openblas_set_num_threads(Int32(n)) }
    }

    public static var threads: Int { Int(openblas_get_num_threads()) }
}
