/// The reference cells: Keras' SimpleRNN, LSTM and GRU step functions over a whole batch and
/// sequence, in float32 with BLAS for every matrix product. Formulas (Keras 3 `keras/src/layers/rnn`,
/// identical in tf.keras 2; elmo-formats §6.1):
///
///     SimpleRNN  h = act(x·W + b + h·U)
///     LSTM       z = x·W + b + h·U, blocks i, f, c, o
///                c = ra(f)⊙c + ra(i)⊙act(c̃);  h = ra(o)⊙act(c)
///     GRU        blocks z, r, h;  h = z⊙h_prev + (1−z)⊙h̃
///       reset_after=true   bias (2, 3u) = [input; recurrent]
///                          h̃ = act(x·W_h + b_in_h + r⊙(h·U_h + b_rec_h))
///       reset_after=false  bias (3u,)
///                          h̃ = act(x·W_h + b_h + (r⊙h)·U_h)
///
/// `ra` is the recurrent (gate) activation. Nothing is added at run time: `unit_forget_bias`
/// only initialises Keras' forget bias.
struct BoundCell {
    let config: RecurrentCellConfig
    // (in, G), G = gates × units, column blocks in Keras gate order.
    let kernel: FloatTensor
    // (u, G).
    let recurrentKernel: FloatTensor
    // (G,), or (2, G) for GRU reset_after: row 0 input bias, row 1 recurrent bias; nil without bias.
    let bias: FloatTensor?

    /// Runs the cell over x (B, T, in) from zero state. Returns (B, T, u) in *processing* order:
    /// with go_backwards, step s reads input step T−1−s and output[:, s] is the state after it,
    /// exactly what Keras returns (it does not flip the outputs back).
    func run(_ x: UnsafeBufferPointer<Float>, batch B: Int, steps T: Int) -> [Float] {
        let u = config.units, G = config.gateWidth, inputDim = kernel.shape[0]
        let ra = config.recurrentActivation ?? .sigmoid, act = config.activation
        let resetAfter = config.resetAfter == true
        var out = [Float](repeating: 0, count: B * T * u)
        // Input side for every step at once: xw (B*T, G) = x (B*T, in) @ W + input bias.
        var xw = [Float](repeating: 0, count: B * T * G)
        kernel.withValues { w in
            optionalValues(bias) { b in
                xw.withUnsafeMutableBufferPointer { xp in
                    Kernels.affine(x.baseAddress!, w.baseAddress!, bias: b, into: xp.baseAddress!, rows: B * T, k: inputDim, n: G)
                }
            }
        }
        var h = [Float](repeating: 0, count: B * u)
        var c = [Float](repeating: 0, count: config.type == .lstm ? B * u : 0)
        // hu (B, G): the recurrent product of one step; rh (B, u): r⊙h for GRU reset_before.
        var hu = [Float](repeating: 0, count: B * G)
        var rh = [Float](repeating: 0, count: config.type == .gru && !resetAfter ? B * u : 0)
        recurrentKernel.withValues { uk in
            optionalValues(bias) { b in
                let U = uk.baseAddress!
                // Recurrent bias of GRU reset_after: row 1 of the (2, G) bias.
                let recurrentBias = resetAfter ? b.map { $0 + G } : nil
                for s in 0..<T {
                    let t = config.goBackwards ? T - 1 - s : s
                    switch config.type {
                    case .simpleRNN, .lstm:
                        // hu = h @ U (all gates).
                        Kernels.affine(h, U, bias: nil, into: &hu, rows: B, k: u, n: G)
                    case .gru where resetAfter:
                        Kernels.affine(h, U, bias: recurrentBias, into: &hu, rows: B, k: u, n: G)
                    case .gru:
                        // hu[:, z|r] = h @ U[:, z|r] (row stride G in both); the h block waits for r.
                        BLAS.gemm(h, U, &hu, m: B, n: 2 * u, k: u, ldb: G, ldc: G)
                    }
                    for row in 0..<B {
                        let xrow = (row * T + t) * G, hrow = row * G
                        switch config.type {
                        case .simpleRNN:
                            for j in 0..<u { h[row * u + j] = act(xw[xrow + j] + hu[hrow + j]) }
                        case .lstm:
                            for j in 0..<u {
                                let i = ra(xw[xrow + j] + hu[hrow + j])
                                let f = ra(xw[xrow + u + j] + hu[hrow + u + j])
                                let g = act(xw[xrow + 2 * u + j] + hu[hrow + 2 * u + j])
                                let o = ra(xw[xrow + 3 * u + j] + hu[hrow + 3 * u + j])
                                let cj = f * c[row * u + j] + i * g
                                c[row * u + j] = cj
                                h[row * u + j] = o * act(cj)
                            }
                        case .gru where resetAfter:
                            for j in 0..<u {
                                let z = ra(xw[xrow + j] + hu[hrow + j])
                                let r = ra(xw[xrow + u + j] + hu[hrow + u + j])
                                let candidate = act(xw[xrow + 2 * u + j] + r * hu[hrow + 2 * u + j])
                                h[row * u + j] = z * h[row * u + j] + (1 - z) * candidate
                            }
                        case .gru:
                            for j in 0..<u {
                                let r = ra(xw[xrow + u + j] + hu[hrow + u + j])
                                rh[row * u + j] = r * h[row * u + j]
                            }
                        }
                    }
                    if config.type == .gru && !resetAfter {
                        // hu[:, 2u:3u] = (r⊙h) @ U[:, h block], then the update.
                        hu.withUnsafeMutableBufferPointer { hp in
                            BLAS.gemm(rh, U + 2 * u, hp.baseAddress! + 2 * u, m: B, n: u, k: u, lda: u, ldb: G, ldc: G)
                        }
                        for row in 0..<B {
                            let xrow = (row * T + t) * G, hrow = row * G
                            for j in 0..<u {
                                let z = ra(xw[xrow + j] + hu[hrow + j])
                                let candidate = act(xw[xrow + 2 * u + j] + hu[hrow + 2 * u + j])
                                h[row * u + j] = z * h[row * u + j] + (1 - z) * candidate
                            }
                        }
                    }
                    // out[:, s] = h.
                    for row in 0..<B {
                        out.replaceSubrange(((row * T + s) * u)..<((row * T + s + 1) * u), with: h[(row * u)..<((row + 1) * u)])
                    }
                }
            }
        }
        return out
    }
}

/// Calls `body` with the tensor's values, or with nil when there is no tensor.
private func optionalValues<R>(_ tensor: FloatTensor?, _ body: (UnsafePointer<Float>?) throws -> R) rethrows -> R {
    guard let tensor else { return try body(nil) }
    return try tensor.withValues { try body($0.baseAddress) }
}
