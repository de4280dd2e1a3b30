import Foundation

/// The ELMo representations of one sentence: `layerCount` × `tokenCount` × `dim` floats,
/// layer-major (layer 0 = [token; token], layer k = [forward_k; backward_k]), boundaries removed.
public struct SentenceEmbedding: Sendable {
    public let tokenCount: Int
    public let layerCount: Int
    public let dim: Int
    public var values: [Float]

    /// The (tokenCount, dim) slice of layer `k`.
    public func layer(_ k: Int) -> ArraySlice<Float> {
        values[(k * tokenCount * dim)..<((k + 1) * tokenCount * dim)]
    }
}

/// Runs the biLM over batches of tokenised sentences. Stateless by default: every sentence
/// starts from zero state, so its output does not depend on its batch. Stateful mode carries
/// each batch row's final LSTM state into the same row of the next batch (bilm-tf/AllenNLP
/// semantics, elmo-formats §2.6), as needed to reproduce their fixtures.
public final class ELMoRunner {
    public let model: ELMoModel
    public let stateful: Bool
    /// Token vectors already computed in this run; the char CNN is context-free.
    private var tokenCache: [String: [Float]] = [:]
    /// Carried state per [direction][layer]: h (rows, P) and c (rows, D), by batch row.
    private var carriedH: [[[Float]]]
    private var carriedC: [[[Float]]]
    private var carriedRows = 0

    public init(model: ELMoModel, stateful: Bool = false) {
        self.model = model
        self.stateful = stateful
        let dirs = model.options.directionCount, layers = model.options.nLayers
        carriedH = Array(repeating: Array(repeating: [], count: layers), count: dirs)
        carriedC = carriedH
    }

    /// Forgets carried state (stateful mode) and cached token vectors.
    public func reset() {
        carriedRows = 0
        for d in carriedH.indices { for l in carriedH[d].indices { carriedH[d][l] = []; carriedC[d][l] = [] } }
        tokenCache = [:]
    }

    /// Embeds one batch; row i of the batch is state row i in stateful mode.
    public func embed(_ batch: [[String]]) -> [SentenceEmbedding] {
        let o = model.options
        let B = batch.count, P = o.projectionDim
        guard B > 0 else { return [] }
        let lengths = batch.map { $0.count + 2 }
        let T = lengths.max()!
        // x (B, T, P): token vectors with <S> and </S>; zero beyond each row's length.
        let x = tokenInputs(batch, T: T)
        // layers[k] (B, T, outDim) before boundary removal.
        let outDim = o.outputDim
        var layers = [[Float]](repeating: [Float](repeating: 0, count: B * T * outDim), count: o.nLayers + 1)
        for b in 0..<B {
            for t in 0..<lengths[b] {
                for d in 0..<o.directionCount {
                    for p in 0..<P { layers[0][(b * T + t) * outDim + d * P + p] = x[(b * T + t) * P + p] }
                }
            }
        }
        for d in 0..<o.directionCount {
            // The backward stack reads each row's own prefix reversed and its outputs are re-aligned.
            var input = d == 0 ? x : Self.reverseRows(x, lengths: lengths, T: T, width: P)
            for l in 0..<o.nLayers {
                var output = runLSTM(direction: d, layer: l, input: input, lengths: lengths, T: T)
                if o.useSkipConnections && l > 0 {
                    for k in 0..<output.count { output[k] += input[k] }
                }
                let aligned = d == 0 ? output : Self.reverseRows(output, lengths: lengths, T: T, width: P)
                for b in 0..<B {
                    for t in 0..<lengths[b] {
                        let dst = (b * T + t) * outDim + d * P, src = (b * T + t) * P
                        for p in 0..<P { layers[l + 1][dst + p] = aligned[src + p] }
                    }
                }
                input = output
            }
        }
        // Remove <S> and </S>: output positions [0, n) are input positions [1, n+1).
        return (0..<B).map { b in
            let n = lengths[b] - 2
            var values = [Float](repeating: 0, count: (o.nLayers + 1) * n * outDim)
            for k in 0...o.nLayers {
                for t in 0..<n {
                    let src = (b * T + t + 1) * outDim, dst = (k * n + t) * outDim
                    for j in 0..<outDim { values[dst + j] = layers[k][src + j] }
                }
            }
            return SentenceEmbedding(tokenCount: n, layerCount: o.nLayers + 1, dim: outDim, values: values)
        }
    }

    // MARK: - Token inputs

    private func tokenInputs(_ batch: [[String]], T: Int) -> [Float] {
        let P = model.options.projectionDim
        var missing: [String] = []
        var seen = Set<String>()
        for sentence in batch {
            for token in [CharacterEncoder.sentenceStart] + sentence + [CharacterEncoder.sentenceEnd]
            where tokenCache[token] == nil && seen.insert(token).inserted {
                missing.append(token)
            }
        }
        if !missing.isEmpty {
            let vectors = model.tokenVectors(missing)
            for (i, token) in missing.enumerated() { tokenCache[token] = Array(vectors[(i * P)..<((i + 1) * P)]) }
        }
        var x = [Float](repeating: 0, count: batch.count * T * P)
        for (b, sentence) in batch.enumerated() {
            for (t, token) in ([CharacterEncoder.sentenceStart] + sentence + [CharacterEncoder.sentenceEnd]).enumerated() {
                x.replaceSubrange(((b * T + t) * P)..<((b * T + t + 1) * P), with: tokenCache[token]!)
            }
        }
        return x
    }

    /// Reverses the first lengths[b] positions of each row; padding stays in place.
    static func reverseRows(_ x: [Float], lengths: [Int], T: Int, width: Int) -> [Float] {
        var out = [Float](repeating: 0, count: x.count)
        for (b, len) in lengths.enumerated() {
            for t in 0..<len {
                let src = (b * T + (len - 1 - t)) * width, dst = (b * T + t) * width
                for j in 0..<width { out[dst + j] = x[src + j] }
            }
        }
        return out
    }

    // MARK: - One LSTM layer over the batch

    /// TF `LSTMCell(num_units=D, num_proj=P, cell_clip, proj_clip, forget_bias=1.0)` over each row's
    /// valid prefix. Returns (B, T, P), zero past each row's length.
    private func runLSTM(direction d: Int, layer l: Int, input x: [Float], lengths: [Int], T: Int) -> [Float] {
        let o = model.options
        let cell = model.cells[d][l]
        let B = lengths.count, P = o.projectionDim, D = o.dim, G = 4 * D
        // Input side for all time steps at once: gates (B*T, 4D) = x (B*T, P) @ W_0[0:P] + bias.
        var gates = [Float](repeating: 0, count: B * T * G)
        let bias = cell.bias.values
        for r in 0..<(B * T) { for j in 0..<G { gates[r * G + j] = bias[j] } }
        let w0 = cell.w0.values.baseAddress!
        x.withUnsafeBufferPointer { xp in
            gates.withUnsafeMutableBufferPointer { gp in
                BLAS.gemm(xp.baseAddress!, w0, gp.baseAddress!, m: B * T, n: G, k: P, beta: 1)
            }
        }
        let wh = w0 + P * G  // W_0[P:2P], the recurrent rows
        // State (B, P) and (B, D), from carried rows in stateful mode.
        var h = [Float](repeating: 0, count: B * P)
        var c = [Float](repeating: 0, count: B * D)
        if stateful {
            let rows = min(B, carriedRows)
            if rows > 0 {
                h.replaceSubrange(0..<(rows * P), with: carriedH[d][l][0..<(rows * P)])
                c.replaceSubrange(0..<(rows * D), with: carriedC[d][l][0..<(rows * D)])
            }
        }
        var m = [Float](repeating: 0, count: B * D)
        var hNew = [Float](repeating: 0, count: B * P)
        var step = [Float](repeating: 0, count: B * G)
        var out = [Float](repeating: 0, count: B * T * P)
        let forget = model.forgetBias
        for t in 0..<T {
            // step (B, 4D) = gates[:, t] + h (B, P) @ W_h (P, 4D)
            for b in 0..<B {
                let src = (b * T + t) * G
                step.replaceSubrange((b * G)..<((b + 1) * G), with: gates[src..<(src + G)])
            }
            h.withUnsafeBufferPointer { hp in
                step.withUnsafeMutableBufferPointer { sp in
                    BLAS.gemm(hp.baseAddress!, wh, sp.baseAddress!, m: B, n: G, k: P, beta: 1)
                }
            }
            for b in 0..<B where t < lengths[b] {
                for j in 0..<D {
                    let base = b * G
                    let i = step[base + j], g = step[base + D + j], f = step[base + 2 * D + j], og = step[base + 3 * D + j]
                    var cj = Kernels.sigmoid(f + forget) * c[b * D + j] + Kernels.sigmoid(i) * tanhf(g)
                    cj = Kernels.clip(cj, o.cellClip)
                    c[b * D + j] = cj
                    m[b * D + j] = Kernels.sigmoid(og) * tanhf(cj)
                }
            }
            if let projection = cell.projection {
                m.withUnsafeBufferPointer { mp in
                    hNew.withUnsafeMutableBufferPointer { hp in
                        BLAS.gemm(mp.baseAddress!, projection.values.baseAddress!, hp.baseAddress!, m: B, n: P, k: D)
                    }
                }
            } else {
                hNew = m
            }
            for b in 0..<B where t < lengths[b] {
                for p in 0..<P {
                    let v = cell.projection == nil ? hNew[b * P + p] : Kernels.clip(hNew[b * P + p], o.projClip)
                    h[b * P + p] = v
                    out[(b * T + t) * P + p] = v
                }
            }
        }
        if stateful {
            // Rows [0, B) take this batch's final state; rows beyond B keep theirs.
            if carriedRows < B {
                carriedH[d][l] += [Float](repeating: 0, count: (B - carriedRows) * P)
                carriedC[d][l] += [Float](repeating: 0, count: (B - carriedRows) * D)
            }
            carriedH[d][l].replaceSubrange(0..<(B * P), with: h)
            carriedC[d][l].replaceSubrange(0..<(B * D), with: c)
            if d == o.directionCount - 1, l == o.nLayers - 1 { carriedRows = max(carriedRows, B) }
        }
        return out
    }
}
