import Foundation
@testable import ELMoKit

/// Tensors held in memory: models built inside a test, or real weights deliberately altered.
final class MemoryWeights: WeightSource {
    let path = "<memory>"
    private var tensors: [String: FloatTensor]

    init(_ tensors: [FloatTensor]) { self.tensors = Dictionary(uniqueKeysWithValues: tensors.map { ($0.name, $0) }) }

    /// A copy of every tensor of `source`.
    init(copying source: WeightSource) throws {
        tensors = [:]
        for info in source.tensorInfos { tensors[info.name] = try source.float32(info.name) }
    }

    subscript(name: String) -> FloatTensor {
        get { tensors[name]! }
        set { tensors[name] = newValue }
    }

    var tensorInfos: [TensorInfo] {
        tensors.values.map { TensorInfo(name: $0.name, dtype: .float32, shape: $0.shape) }.sorted { $0.name < $1.name }
    }

    func float32(_ name: String) throws -> FloatTensor {
        guard let t = tensors[name] else { throw ELMoKitError(.missingTensor, "no tensor '\(name)'", tensor: name) }
        return t
    }

    func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try float32(name).withValues { values in
            guard let dtype, dtype != .float32 else { return try body(UnsafeRawBufferPointer(values)) }
            return try FloatConversion.convert(UnsafeRawBufferPointer(values), from: .float32, to: dtype).withUnsafeBytes(body)
        }
    }
}

/// bilm-tf-shaped models with random weights (fixed seed) and dimensions chosen to reach the
/// kernels' edge cases: K past one 256-row block, N not a multiple of 16, D not a multiple of 8.
enum SyntheticModel {
    static func make(projection P: Int = 300, dim D: Int = 498, layers L: Int = 2, seed: UInt64 = 7) throws -> ELMoModel {
        let filters = [(1, 8), (2, 8), (3, 16)], E = 8, F = 32, chars = 20
        let options = """
        {"lstm": {"dim": \(D), "projection_dim": \(P), "n_layers": \(L), "cell_clip": 3, "proj_clip": 3,
                  "use_skip_connections": true},
         "char_cnn": {"activation": "relu", "filters": \(filters.map { [$0.0, $0.1] }), "n_highway": 1,
                      "embedding": {"dim": \(E)}, "n_characters": 262, "max_characters_per_token": \(chars)}}
        """
        var state = seed &* 0x9E37_79B9_7F4A_7C15 | 1
        func tensor(_ name: String, _ shape: [Int], scale: Float) -> FloatTensor {
            let count = shape.reduce(1, *)
            var values = [Float](repeating: 0, count: count)
            for i in 0..<count {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                values[i] = (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
            }
            return FloatTensor(name: name, shape: shape, array: values)
        }
        var tensors = [tensor("char_embed", [261, E], scale: 1)]
        for (i, (w, n)) in filters.enumerated() {
            tensors += [tensor("CNN/W_cnn_\(i)", [1, w, E, n], scale: 0.5), tensor("CNN/b_cnn_\(i)", [n], scale: 0.1)]
        }
        tensors += [tensor("CNN_high_0/W_carry", [F, F], scale: 0.3), tensor("CNN_high_0/b_carry", [F], scale: 0.1),
                    tensor("CNN_high_0/W_transform", [F, F], scale: 0.3), tensor("CNN_high_0/b_transform", [F], scale: 0.1),
                    tensor("CNN_proj/W_proj", [F, P], scale: 0.3), tensor("CNN_proj/b_proj", [P], scale: 0.1)]
        for d in 0..<2 {
            for l in 0..<L {
                let scope = "RNN_\(d)/RNN/MultiRNNCell/Cell\(l)/LSTMCell"
                tensors += [tensor("\(scope)/W_0", [2 * P, 4 * D], scale: 2 / Float(2 * P).squareRoot()),
                            tensor("\(scope)/B", [4 * D], scale: 0.2),
                            tensor("\(scope)/W_P_0", [D, P], scale: 2 / Float(D).squareRoot())]
            }
        }
        return try ELMoModel(weights: MemoryWeights(tensors), options: ELMoOptions(json: try JSONParser.parse(Array(options.utf8))))
    }

    /// Sentences of assorted lengths (0 included) from a small vocabulary.
    static func sentences(_ count: Int, seed: UInt64 = 11) -> [[String]] {
        let words = ["the", "cat", "sat", "on", "a", "mat", ".", "Où", "êtes-vous", "?", "antidisestablishmentarianism", "42", ","]
        var state = seed
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        return (0..<count).map { i in (0..<(i == 0 ? 0 : 1 + next(17))).map { _ in words[next(words.count)] } }
    }
}

/// The forward pass written out plainly from elmo-formats §2.4–2.5 (scalar loops, glibc expf and
/// tanhf, one sentence at a time): the yardstick for the optimised runner on synthetic models.
enum NaiveForward {
    static func embed(_ model: ELMoModel, _ sentence: [String]) -> [Float] {
        let o = model.options, P = o.projectionDim, D = o.dim, W = o.outputDim, L = o.nLayers
        let tokens = [CharacterEncoder.sentenceStart] + sentence + [CharacterEncoder.sentenceEnd]
        let T = tokens.count, n = sentence.count
        let x = model.tokenVectors(tokens)
        func sigmoid(_ v: Float) -> Float { 1 / (1 + expf(-v)) }
        func clip(_ v: Float, _ c: Float?) -> Float { c.map { min(max(v, -$0), $0) } ?? v }
        var layers = [[Float]](repeating: [Float](repeating: 0, count: T * W), count: L + 1)
        for t in 0..<T { for d in 0..<2 { for p in 0..<P { layers[0][t * W + d * P + p] = x[t * P + p] } } }
        for d in 0..<2 {
            var input = [Float](repeating: 0, count: T * P)
            for t in 0..<T { for p in 0..<P { input[t * P + p] = x[(d == 0 ? t : T - 1 - t) * P + p] } }
            for l in 0..<L {
                let cell = model.cells[d][l]
                let w0 = cell.w0.array, bias = cell.bias.array, wp = cell.projection!.array
                var h = [Float](repeating: 0, count: P), c = [Float](repeating: 0, count: D)
                var output = [Float](repeating: 0, count: T * P)
                for t in 0..<T {
                    var z = bias
                    for k in 0..<P {
                        let xv = input[t * P + k], hv = h[k]
                        for j in 0..<(4 * D) { z[j] += xv * w0[k * 4 * D + j] + hv * w0[(P + k) * 4 * D + j] }
                    }
                    var m = [Float](repeating: 0, count: D)
                    for j in 0..<D {
                        let cj = clip(sigmoid(z[2 * D + j] + model.forgetBias) * c[j] + sigmoid(z[j]) * tanhf(z[D + j]), o.cellClip)
                        c[j] = cj
                        m[j] = sigmoid(z[3 * D + j]) * tanhf(cj)
                    }
                    for p in 0..<P {
                        var v: Float = 0
                        for j in 0..<D { v += m[j] * wp[j * P + p] }
                        h[p] = clip(v, o.projClip)
                        output[t * P + p] = h[p] + (o.useSkipConnections && l > 0 ? input[t * P + p] : 0)
                    }
                }
                for t in 0..<T {
                    let at = d == 0 ? t : T - 1 - t
                    for p in 0..<P { layers[l + 1][at * W + d * P + p] = output[t * P + p] }
                }
                input = output
            }
        }
        var values: [Float] = []
        for k in 0...L { values += layers[k][(W)..<((n + 1) * W)] }
        return values
    }
}
