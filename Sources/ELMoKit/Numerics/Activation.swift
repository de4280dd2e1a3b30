import Foundation

/// Element-wise activations of Keras recurrent layers, by their Keras config names. `hard_sigmoid`
/// changed meaning between Keras versions, so each definition is its own case and the config
/// reader picks one from the file's Keras version.
public enum Activation: String, Sendable, CaseIterable {
    case tanh
    case relu
    case sigmoid
    /// Keras 3: relu6(x + 3) / 6, i.e. clip(x/6 + 1/2, 0, 1).
    case hardSigmoid = "hard_sigmoid"
    /// Keras 1/2 and tf.keras 2: clip(0.2x + 0.5, 0, 1).
    case hardSigmoidKeras2 = "hard_sigmoid_keras2"
    case linear

    /// The activation of one value; cells call it inside loops that fuse the gate arithmetic.
    @inline(__always) func callAsFunction(_ x: Float) -> Float {
        switch self {
        case .tanh: return tanhf(x)
        case .relu: return max(x, 0)
        case .sigmoid: return Kernels.sigmoid(x)
        case .hardSigmoid: return min(max(x / 6 + 0.5, 0), 1)
        case .hardSigmoidKeras2: return min(max(0.2 * x + 0.5, 0), 1)
        case .linear: return x
        }
    }
}
