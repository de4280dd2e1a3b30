/// A stack of Keras recurrent layers bound to its weights, runnable on (batch, time, features)
/// float32 input: the reference forward pass `verify` compares with Keras' own outputs.
/// Immutable; every call of `forward` starts from zero state, as Keras' `predict` does.
public final class RecurrentModel: @unchecked Sendable {
    public let config: RecurrentModelConfig
    public let source: WeightSource

    struct BoundLayer {
        let config: RecurrentLayerConfig
        /// [cell] or [forward, backward].
        let cells: [BoundCell]
    }
    let layers: [BoundLayer]

    /// Binds every tensor the config calls for, by its `layout: "keras"` name, checking each shape;
    /// throws one error that lists every missing or mis-shaped tensor (layer, tensor, expected vs actual).
    public init(weights: WeightSource, config: RecurrentModelConfig) throws {
        self.config = config
        self.source = weights
        var problems: [String] = []
        var firstBad: String?
        var bound: [String: FloatTensor] = [:]
        for spec in config.expectedTensors {
            guard let info = weights.info(spec.name) else {
                problems.append("\(spec.label): missing tensor '\(spec.name)', expected shape \(spec.shape)")
                firstBad = firstBad ?? spec.name
                continue
            }
            guard info.shape == spec.shape else {
                problems.append("\(spec.label): tensor '\(spec.name)' has shape \(info.shape), expected \(spec.shape)")
                firstBad = firstBad ?? spec.name
                continue
            }
            bound[spec.name] = try weights.float32(spec.name)
        }
        guard problems.isEmpty else {
            throw ELMoKitError(.shapeMismatch, "weights do not match the config: " + problems.joined(separator: "; "),
                               file: weights.path, tensor: firstBad)
        }
        layers = config.layers.map { layer in
            BoundLayer(config: layer, cells: layer.directions.map { direction, cell in
                BoundCell(config: cell, kernel: bound[layer.tensorName(direction: direction, role: .kernel)]!,
                          recurrentKernel: bound[layer.tensorName(direction: direction, role: .recurrentKernel)]!,
                          bias: cell.useBias ? bound[layer.tensorName(direction: direction, role: .bias)]! : nil)
            })
        }
    }

    /// The output shape for an input of `batch` × `timesteps`: (batch, T, out) when the last layer
    /// returns sequences, else (batch, out).
    public func outputShape(batch: Int, timesteps: Int) -> [Int] {
        config.layers.last!.returnSequences ? [batch, timesteps, config.outputDim] : [batch, config.outputDim]
    }

    /// Runs every layer on x (batch, timesteps, inputDim), row-major; returns the model output,
    /// shaped as `outputShape` says.
    public func forward(_ x: [Float], batch: Int, timesteps: Int) throws -> [Float] {
        guard batch > 0, timesteps > 0, x.count == batch * timesteps * config.inputDim else {
            throw ELMoKitError(.input, "input has \(x.count) values, expected batch × timesteps × \(config.inputDim) "
                               + "with batch, timesteps ≥ 1 (got \(batch) × \(timesteps))")
        }
        var current = x
        for layer in layers {
            current = Self.run(layer, current, batch: batch, steps: timesteps)
        }
        return current
    }

    // MARK: - One layer

    /// A plain layer returns its cell's outputs (processing order, even with go_backwards) or the
    /// last of them. A Bidirectional flips the backward sequence back to input time order before
    /// merging (Keras `Bidirectional.call`), or merges the two final states.
    static func run(_ layer: BoundLayer, _ x: [Float], batch B: Int, steps T: Int) -> [Float] {
        let outputs = x.withUnsafeBufferPointer { xp in layer.cells.map { $0.run(xp, batch: B, steps: T) } }
        let units = layer.cells.map(\.config.units)
        let returnSequences = layer.config.returnSequences
        // Per direction: (B, T', u) with T' = T or 1 (the final state).
        let steps = returnSequences ? T : 1
        let sequences: [[Float]] = zip(outputs, units).enumerated().map { d, pair in
            let (y, u) = pair
            if !returnSequences { return lastStep(y, batch: B, steps: T, width: u) }
            return d == 1 ? flipTime(y, batch: B, steps: T, width: u) : y
        }
        guard layer.cells.count == 2, let mode = layer.config.mergeMode else { return sequences[0] }
        let (f, b) = (sequences[0], sequences[1])
        let (uf, ub) = (units[0], units[1])
        let width = mode == .concat ? uf + ub : uf
        var merged = [Float](repeating: 0, count: B * steps * width)
        for r in 0..<(B * steps) {
            for j in 0..<width {
                switch mode {
                case .concat: merged[r * width + j] = j < uf ? f[r * uf + j] : b[r * ub + j - uf]
                case .sum: merged[r * width + j] = f[r * uf + j] + b[r * ub + j]
                case .mul: merged[r * width + j] = f[r * uf + j] * b[r * ub + j]
                case .ave: merged[r * width + j] = (f[r * uf + j] + b[r * ub + j]) / 2
                }
            }
        }
        return merged
    }

    /// y (B, T, w) → y[:, T−1] (B, w).
    static func lastStep(_ y: [Float], batch B: Int, steps T: Int, width w: Int) -> [Float] {
        var out: [Float] = []
        out.reserveCapacity(B * w)
        for b in 0..<B {
            let start = (b * T + T - 1) * w
            out += y[start..<(start + w)]
        }
        return out
    }

    /// y (B, T, w) → y[:, ::-1].
    static func flipTime(_ y: [Float], batch B: Int, steps T: Int, width w: Int) -> [Float] {
        var out = [Float](repeating: 0, count: y.count)
        for b in 0..<B {
            for t in 0..<T {
                let dst = (b * T + t) * w, src = (b * T + T - 1 - t) * w
                out.replaceSubrange(dst..<(dst + w), with: y[src..<(src + w)])
            }
        }
        return out
    }
}
