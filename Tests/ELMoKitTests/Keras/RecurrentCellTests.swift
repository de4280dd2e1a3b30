import Foundation
import XCTest
@testable import ELMoKit

/// The BLAS-based cells against a plain scalar transcription of Keras' formulas, for the options
/// the Keras fixtures do not cover: hard_sigmoid (both meanings), linear, relu gates, no bias,
/// merge modes sum/mul/ave, Bidirectional returning final states, go_backwards in a stack.
final class RecurrentCellTests: XCTestCase {}

extension RecurrentCellTests {
    /// SplitMix64 → uniform floats in [-scale, scale): deterministic test data.
    struct Random {
        var state: UInt64
        mutating func next(_ scale: Float = 0.8) -> Float {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            return (Float(z >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    static func act(_ a: Activation, _ x: Double) -> Double {
        switch a {
        case .tanh: return Foundation.tanh(x)
        case .relu: return max(x, 0)
        case .sigmoid: return 1 / (1 + exp(-x))
        case .hardSigmoid: return min(max(x / 6 + 0.5, 0), 1)
        case .hardSigmoidKeras2: return min(max(0.2 * x + 0.5, 0), 1)
        case .linear: return x
        }
    }

    /// One cell over one sample, Keras' formulas written out with scalar loops (Double).
    static func naive(_ cell: RecurrentCellConfig, _ w: [String: [Float]], _ x: [[Double]]) -> [[Double]] {
        let u = cell.units, G = cell.gateWidth, inputDim = x[0].count
        let ra = cell.recurrentActivation ?? .sigmoid
        let W = w["kernel"]!.map(Double.init), U = w["recurrent_kernel"]!.map(Double.init)
        let b = w["bias"]?.map(Double.init) ?? [Double](repeating: 0, count: cell.resetAfter == true ? 2 * G : G)
        func dot(_ v: [Double], _ m: [Double], col: Int, rows: Int) -> Double { (0..<rows).reduce(0) { $0 + v[$1] * m[$1 * G + col] } }
        var h = [Double](repeating: 0, count: u), c = h
        var out: [[Double]] = []
        let order = cell.goBackwards ? Array(x.indices.reversed()) : Array(x.indices)
        for t in order {
            let xt = x[t]
            var next = h
            for j in 0..<u {
                func xw(_ g: Int) -> Double { dot(xt, W, col: g * u + j, rows: inputDim) + b[g * u + j] }
                func hu(_ g: Int, _ v: [Double]) -> Double { dot(v, U, col: g * u + j, rows: u) }
                switch cell.type {
                case .simpleRNN:
                    next[j] = act(cell.activation, xw(0) + hu(0, h))
                case .lstm:
                    let i = act(ra, xw(0) + hu(0, h)), f = act(ra, xw(1) + hu(1, h))
                    let g = act(cell.activation, xw(2) + hu(2, h)), o = act(ra, xw(3) + hu(3, h))
                    c[j] = f * c[j] + i * g
                    next[j] = o * act(cell.activation, c[j])
                case .gru where cell.resetAfter == true:
                    let rb = { (g: Int) in b[G + g * u + j] }
                    let z = act(ra, xw(0) + hu(0, h) + rb(0)), r = act(ra, xw(1) + hu(1, h) + rb(1))
                    let candidate = act(cell.activation, xw(2) + r * (hu(2, h) + rb(2)))
                    next[j] = z * h[j] + (1 - z) * candidate
                case .gru:
                    let z = act(ra, xw(0) + hu(0, h))
                    // r ⊙ h needs r of every unit k.
                    let rk = (0..<u).map { k in act(ra, dot(xt, W, col: u + k, rows: inputDim) + b[u + k] + dot(h, U, col: u + k, rows: u)) }
                    let rh = (0..<u).map { rk[$0] * h[$0] }
                    let candidate = act(cell.activation, xw(2) + hu(2, rh))
                    next[j] = z * h[j] + (1 - z) * candidate
                }
            }
            h = next
            out.append(h)
        }
        return out
    }

    /// Random weights for `layer`, bound under the layout "keras" names.
    static func weights(for layer: RecurrentLayerConfig, _ rng: inout Random) -> (MemoryWeights, [String: [String: [Float]]]) {
        let source = try! MemoryWeights(copying: EmptySource())
        var byDirection: [String: [String: [Float]]] = [:]
        for spec in layer.expectedTensors {
            let values = (0..<spec.shape.reduce(1, *)).map { _ in rng.next() }
            source[spec.name] = FloatTensor(name: spec.name, shape: spec.shape, array: values)
            byDirection[spec.direction ?? "", default: [:]][spec.role.rawValue] = values
        }
        return (source, byDirection)
    }

    final class EmptySource: WeightSource {
        let path = "<empty>"
        let tensorInfos: [TensorInfo] = []
        func float32(_ name: String) throws -> FloatTensor { throw ELMoKitError(.missingTensor, name) }
        func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
            throw ELMoKitError(.missingTensor, name)
        }
    }

    func testCells_matchScalarFormulas() throws {
        var rng = Random(state: 42)
        let B = 3, T = 6, inputDim = 5
        var cells: [RecurrentCellConfig] = []
        for type in RecurrentCellType.allCases {
            for activation in [Activation.tanh, .relu, .linear] {
                for gate in (type == .simpleRNN ? [Activation.sigmoid] : [.sigmoid, .hardSigmoid, .hardSigmoidKeras2]) {
                    for useBias in [true, false] {
                        for resetAfter in (type == .gru ? [true, false] : [false]) {
                            cells.append(RecurrentCellConfig(type: type, units: 4, activation: activation, recurrentActivation: gate,
                                                             useBias: useBias, resetAfter: resetAfter, goBackwards: useBias == (activation == .tanh)))
                        }
                    }
                }
            }
        }
        let x = (0..<(B * T * inputDim)).map { _ in rng.next(1.5) }
        for cell in cells {
            let layer = RecurrentLayerConfig(name: "l", inputDim: inputDim, returnSequences: true, forward: cell)
            let (source, w) = Self.weights(for: layer, &rng)
            let config = RecurrentModelConfig(name: "t", inputDim: inputDim, timesteps: nil, layers: [layer], kerasLayers: [], kerasModelConfig: nil, notes: [])
            let ours = try RecurrentModel(weights: source, config: config).forward(x, batch: B, timesteps: T)
            var worst = 0.0
            for b in 0..<B {
                let sample = (0..<T).map { t in (0..<inputDim).map { Double(x[(b * T + t) * inputDim + $0]) } }
                let expected = Self.naive(cell, w[""]!, sample)
                for t in 0..<T { for j in 0..<4 { worst = max(worst, abs(Double(ours[(b * T + t) * 4 + j]) - expected[t][j])) } }
            }
            XCTAssertLessThan(worst, 1e-5, "\(cell)")
        }
    }

    func testBidirectional_mergeModesAndFinalStates() throws {
        var rng = Random(state: 7)
        let B = 2, T = 4, inputDim = 3, u = 3
        let x = (0..<(B * T * inputDim)).map { _ in rng.next(1.2) }
        for mode in MergeMode.allCases {
            for returnSequences in [true, false] {
                let forward = RecurrentCellConfig(name: "forward_gru", type: .gru, units: u, resetAfter: true)
                var backward = forward
                backward.name = "backward_gru"
                backward.goBackwards = true
                let layer = RecurrentLayerConfig(name: "bi", inputDim: inputDim, returnSequences: returnSequences, forward: forward,
                                                 backward: backward, mergeMode: mode)
                let (source, w) = Self.weights(for: layer, &rng)
                let config = RecurrentModelConfig(name: "t", inputDim: inputDim, timesteps: nil, layers: [layer], kerasLayers: [], kerasModelConfig: nil, notes: [])
                let model = try RecurrentModel(weights: source, config: config)
                let ours = try model.forward(x, batch: B, timesteps: T)
                let width = mode == .concat ? 2 * u : u
                XCTAssertEqual(model.outputShape(batch: B, timesteps: T), returnSequences ? [B, T, width] : [B, width])
                for b in 0..<B {
                    let sample = (0..<T).map { t in (0..<inputDim).map { Double(x[(b * T + t) * inputDim + $0]) } }
                    let f = Self.naive(forward, w["forward"]!, sample)
                    let r = Self.naive(backward, w["backward"]!, sample)  // processing order
                    let steps = returnSequences ? Array(0..<T) : [T - 1]
                    for (s, t) in steps.enumerated() {
                        // Bidirectional flips the backward sequence to input order; final state = last processed.
                        let fv = f[t], bv = returnSequences ? r[T - 1 - t] : r[T - 1]
                        let merged: [Double]
                        switch mode {
                        case .concat: merged = fv + bv
                        case .sum: merged = zip(fv, bv).map { $0 + $1 }
                        case .mul: merged = zip(fv, bv).map { $0 * $1 }
                        case .ave: merged = zip(fv, bv).map { ($0 + $1) / 2 }
                        }
                        let base = (b * steps.count + s) * width
                        for j in 0..<width { XCTAssertEqual(Double(ours[base + j]), merged[j], accuracy: 1e-5, "\(mode) \(returnSequences)") }
                    }
                }
            }
        }
    }

    /// Keras' snake_case, which names Keras 3 layer groups.
    func testSnakeCase_matchesKeras() {
        XCTAssertEqual(kerasSnakeCase("SimpleRNN"), "simple_rnn")
        XCTAssertEqual(kerasSnakeCase("InputLayer"), "input_layer")
        XCTAssertEqual(kerasSnakeCase("LSTM"), "lstm")
        XCTAssertEqual(kerasSnakeCase("Bidirectional"), "bidirectional")
        XCTAssertEqual(kerasSnakeCase("SpatialDropout1D"), "spatial_dropout1d")
        XCTAssertEqual(KerasV3Weights.objectPaths(classNames: ["InputLayer", "LSTM", "LSTM", "GRU", "LSTM"]),
                       ["layers/input_layer", "layers/lstm", "layers/lstm_1", "layers/gru", "layers/lstm_2"])
    }
}
