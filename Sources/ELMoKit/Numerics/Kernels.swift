import CELMoKernels
import Foundation

/// Small numeric kernels shared by the ELMo pass and the recurrent cells.
enum Kernels {
    /// Clamps `count` values in place to [-limit, limit] (no-op without a limit).
    static func clip(_ p: UnsafeMutablePointer<Float>, count: Int, _ limit: Float?) {
        guard let limit else { return }
        for i in 0..<count { p[i] = min(max(p[i], -limit), limit) }
    }

    /// TF LSTMCell gates over `rows` rows (see elmo_kernels.h): updates c, writes m.
    static func lstmCell(z: UnsafePointer<Float>, ldz: Int, c: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>,
                         rows: Int, dim: Int, forgetBias: Float, cellClip: Float?) {
        elmk_lstm_cell(z, ldz, c, m, rows, dim, forgetBias, cellClip ?? 0)
    }

    /// x = g ⊙ relu(t) + (1 − g) ⊙ x with g = σ(gate), elementwise over `count` values.
    static func highwayCombine(_ x: UnsafeMutablePointer<Float>, gate: UnsafePointer<Float>, transform: UnsafePointer<Float>,
                               count: Int) {
        elmk_highway_combine(x, gate, transform, count)
    }

    /// x = σ(x) and x = tanh(x) in place (the LSTM kernels' own functions).
    /// σ(x) of one value, for the recurrent cells' fused loops.
    @inline(__always) static func sigmoid(_ x: Float) -> Float { 1 / (1 + expf(-x)) }
    static func sigmoid(_ p: UnsafeMutablePointer<Float>, count: Int) { elmk_sigmoid(p, count) }
    static func tanh(_ p: UnsafeMutablePointer<Float>, count: Int) { elmk_tanh(p, count) }

    /// Which implementation of the LSTM kernels runs on this CPU: "avx2-fma" or "portable".
    static var vectorPath: String { elmk_vector_path() != 0 ? "avx2-fma" : "portable" }

    /// Tests only: `true` forces the portable kernels, `false` the vector ones (where the CPU has
    /// them), nil restores detection.
    static func forcePortable(_ portable: Bool?) { elmk_force_path(portable.map { $0 ? 0 : 1 } ?? -1) }
}

/// A 64-byte aligned float buffer that never moves while alive. `ensure` grows it, dropping the
/// contents; the runner keeps one per purpose so the per-step loop allocates nothing.
final class FloatBuffer: @unchecked Sendable {
    private(set) var base: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 16)
        base = Self.allocate(self.capacity)
    }

    deinit { free(base) }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, count * MemoryLayout<Float>.stride) == 0, let raw else {
            fatalError("out of memory allocating \(count) floats")
        }
        return raw.bindMemory(to: Float.self, capacity: count)
    }

    /// A pointer to at least `count` floats (contents undefined after growth).
    @discardableResult
    func ensure(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            free(base)
            capacity = max(count, capacity + capacity / 2)
            base = Self.allocate(capacity)
        }
        return base
    }

    /// `count` zeros at the start of the buffer.
    @discardableResult
    func zeroed(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = ensure(count)
        p.initialize(repeating: 0, count: count)
        return p
    }
}

/// A (K, N) row-major matrix rearranged for `elmk_matmul_packed`: C += A @ W with every output
/// element computed as one fused multiply-add chain over k in order, so a row's result never
/// depends on which other rows share the call (the stateless bit-identity property).
final class PackedMatrix: @unchecked Sendable {
    let k: Int, n: Int
    private let storage: FloatBuffer

    /// Packs rows `rows` (all by default) of `w` seen as a (·, n) matrix, n its last dimension
    /// (so a (1, width, E, n) convolution kernel is the (width·E, n) matrix of its patches).
    init(_ w: FloatTensor, rows: Range<Int>? = nil) {
        let n = w.shape.last ?? 0
        let rows = rows ?? 0..<(n == 0 ? 0 : w.values.count / n)
        k = rows.count
        self.n = n
        storage = FloatBuffer(capacity: elmk_packed_count(k, n))
        w.withValues { values in
            elmk_pack(values.baseAddress! + rows.lowerBound * n, n, k, n, storage.base)
        }
    }

    /// Bytes held by the packed copy.
    var byteCount: Int { elmk_packed_count(k, n) * MemoryLayout<Float>.stride }

    /// C (m, n) += A (m, k) @ W; `lda`/`ldc` are row strides. With `threads` > 1 the columns are
    /// split across threads (same bits: each element is still one chain); callers ask for that on
    /// large products only, since a fork-join costs microseconds.
    @inline(__always)
    func multiplyAccumulate(_ a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>, ldc: Int, m: Int,
                            threads: Int = 1) {
        let panels = elmk_panel_count(n)
        let parts = min(threads, panels)
        guard parts > 1 else {
            elmk_matmul_packed(a, lda, storage.base, c, ldc, m, n, k)
            return
        }
        let (a, c, base, n, k) = (UncheckedSendable(a), UncheckedSendable(c), UncheckedSendable(storage.base), n, k)
        Parallel.forEach(parts) { part in
            elmk_matmul_packed_panels(a.value, lda, base.value, c.value, ldc, m, n, k,
                                      panels * part / parts, panels * (part + 1) / parts)
        }
    }

    /// out (m, n) = A (m, k) @ W + bias (n,), bias broadcast over rows.
    func affine(_ a: UnsafePointer<Float>, bias: FloatTensor, into out: UnsafeMutablePointer<Float>, m: Int, threads: Int = 1) {
        bias.withValues { b in
            for r in 0..<m { (out + r * n).update(from: b.baseAddress!, count: n) }
        }
        multiplyAccumulate(a, lda: k, into: out, ldc: n, m: m, threads: threads)
    }
}

/// A value (a pointer, a closure) handed to the threads of `Parallel.forEach`; the caller
/// guarantees they touch disjoint memory.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// Fork-join over a few threads for work whose parts write disjoint memory (the two LSTM
/// directions, halves of the char CNN's tokens). The caller guarantees the disjointness.
enum Parallel {
    /// Runs `body(0)` … `body(count - 1)` concurrently and returns when all are done.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: count) { box.value($0) }
        }
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
