import Foundation

/// Small numeric kernels shared by the ELMo pass and the recurrent cells.
enum Kernels {
    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }

    /// out (rows, n) = x (rows, k) @ W (k, n) + b (n,), W and b as bound tensors.
    static func affine(_ x: [Float], _ w: FloatTensor, _ b: FloatTensor, into out: inout [Float], rows: Int) {
        let k = w.shape[0], n = w.shape[1]
        out.withUnsafeMutableBufferPointer { o in
            for r in 0..<rows {
                for j in 0..<n { o[r * n + j] = b.values[j] }
            }
            x.withUnsafeBufferPointer { xp in
                BLAS.gemm(xp.baseAddress!, w.values.baseAddress!, o.baseAddress!, m: rows, n: n, k: k, beta: 1)
            }
        }
    }

    /// v = clamp(v, -limit, limit) when a limit is set.
    @inline(__always) static func clip(_ v: Float, _ limit: Float?) -> Float {
        guard let limit else { return v }
        return min(max(v, -limit), limit)
    }
}

extension Kernels {
    /// out (rows, n) = x (rows, k) @ W (k, n) + bias (n,), bias broadcast over rows (zero if nil).
    /// `ldw` is W's row stride, so W may be a column block of a wider matrix (a gate block).
    static func affine(_ x: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                       into out: UnsafeMutablePointer<Float>, rows: Int, k: Int, n: Int, ldw: Int? = nil) {
        for r in 0..<rows {
            if let bias { (out + r * n).update(from: bias, count: n) } else { (out + r * n).update(repeating: 0, count: n) }
        }
        BLAS.gemm(x, w, out, m: rows, n: n, k: k, ldb: ldw ?? n, beta: 1)
    }
}
