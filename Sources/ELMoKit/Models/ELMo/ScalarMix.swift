import Foundation

/// AllenNLP's `ScalarMix` (elmo-formats §2.7): `γ · Σ_k softmax(w)_k · A_k`, optionally with each
/// layer first normalised by one mean and one variance over all unmasked elements of the batch
/// (not per token), eps 1e-12. bilm-tf's `weight_layers` computes the same.
public struct ScalarMix: Sendable {
    /// Raw (pre-softmax) layer weights, one per layer.
    public let weights: [Double]
    public let gamma: Double
    public let layerNorm: Bool

    public init(weights: [Double], gamma: Double = 1, layerNorm: Bool = false) {
        self.weights = weights
        self.gamma = gamma
        self.layerNorm = layerNorm
    }

    /// Normalised layer weights.
    public var softmax: [Double] {
        let m = weights.max() ?? 0
        let e = weights.map { exp($0 - m) }
        let sum = e.reduce(0, +)
        return e.map { $0 / sum }
    }

    /// Mixes each sentence's layers into (n, dim) values. With `layerNorm`, statistics run over
    /// all tokens of all `batch` sentences, so the result depends on the batch, as in AllenNLP.
    public func mix(_ batch: [SentenceEmbedding]) throws -> [[Float]] {
        guard let layers = batch.first?.layerCount else { return [] }
        guard weights.count == layers else {
            throw ELMoKitError(.usage, "the scalar mix has \(weights.count) weights for \(layers) layers")
        }
        let s = softmax
        var mean = [Double](repeating: 0, count: layers), scale = [Double](repeating: 1, count: layers)
        if layerNorm {
            for k in 0..<layers {
                var sum = 0.0, squares = 0.0, n = 0.0
                for e in batch {
                    for v in e.layer(k) { sum += Double(v); squares += Double(v) * Double(v) }
                    n += Double(e.tokenCount * e.dim)
                }
                guard n > 0 else { continue }
                mean[k] = sum / n
                let variance = max(0, squares / n - mean[k] * mean[k])
                scale[k] = 1 / (variance + 1e-12).squareRoot()
            }
        }
        return batch.map { e in
            var out = [Double](repeating: 0, count: e.tokenCount * e.dim)
            for k in 0..<layers {
                for (j, v) in e.layer(k).enumerated() { out[j] += s[k] * (Double(v) - mean[k]) * scale[k] }
            }
            return out.map { Float(gamma * $0) }
        }
    }
}
