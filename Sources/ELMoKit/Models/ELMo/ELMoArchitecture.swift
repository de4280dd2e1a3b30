/// The tensors a bilm-tf ELMo model needs, by name and shape, derived from its options
/// (elmo-formats §1.1). Used by `validate` and by the weight binding.
public enum ELMoArchitecture {
    public struct Expected: Sendable {
        public let name: String
        public let shape: [Int]
        /// Absent optional tensors are fine (e.g. no projection when F == P).
        public let required: Bool
    }

    /// The LSTM cell scope for direction `d`, layer `l`.
    public static func cellScope(direction d: Int, layer l: Int) -> String {
        "RNN_\(d)/RNN/MultiRNNCell/Cell\(l)/LSTMCell"
    }

    /// The scope bilm-tf training writes for a one-layer model (no MultiRNNCell wrapper).
    static func singleLayerScope(direction d: Int) -> String { "RNN_\(d)/RNN/LSTMCell" }

    public static func expectedTensors(_ o: ELMoOptions) -> [Expected] {
        var list: [Expected] = []
        let P = o.projectionDim, D = o.dim
        if let cnn = o.charCNN {
            let E = cnn.embeddingDim, F = cnn.totalFilters
            list.append(Expected(name: "char_embed", shape: [261, E], required: true))
            for (i, f) in cnn.filters.enumerated() {
                list.append(Expected(name: "CNN/W_cnn_\(i)", shape: [1, f.width, E, f.count], required: true))
                list.append(Expected(name: "CNN/b_cnn_\(i)", shape: [f.count], required: true))
            }
            for k in 0..<cnn.nHighway {
                for (w, b) in [("W_carry", "b_carry"), ("W_transform", "b_transform")] {
                    list.append(Expected(name: "CNN_high_\(k)/\(w)", shape: [F, F], required: true))
                    list.append(Expected(name: "CNN_high_\(k)/\(b)", shape: [F], required: true))
                }
            }
            list.append(Expected(name: "CNN_proj/W_proj", shape: [F, P], required: F != P))
            list.append(Expected(name: "CNN_proj/b_proj", shape: [P], required: F != P))
        } else {
            list.append(Expected(name: "embedding", shape: [-1, P], required: true))
        }
        for d in 0..<o.directionCount {
            for l in 0..<o.nLayers {
                let scope = cellScope(direction: d, layer: l)
                list.append(Expected(name: "\(scope)/W_0", shape: [2 * P, 4 * D], required: true))
                list.append(Expected(name: "\(scope)/B", shape: [4 * D], required: true))
                list.append(Expected(name: "\(scope)/W_P_0", shape: [D, P], required: P < D))
            }
        }
        return list
    }

    /// Maps an expected name to the name present in `available`, accepting the one-layer scope
    /// that bilm-tf training writes when n_layers is 1.
    static func resolve(_ name: String, in available: Set<String>, options o: ELMoOptions) -> String? {
        if available.contains(name) { return name }
        if o.nLayers == 1, name.contains("/MultiRNNCell/Cell0/LSTMCell/") {
            let alt = name.replacingOccurrences(of: "/MultiRNNCell/Cell0/LSTMCell/", with: "/LSTMCell/")
            if available.contains(alt) { return alt }
        }
        return nil
    }
}
