/// The architecture of a stack of Keras recurrent layers (SimpleRNN, LSTM, GRU, Bidirectional),
/// typed for the forward pass and the validator, and serialised as the `config` of a native
/// checkpoint with `architecture: "keras-recurrent"` (docs/FORMAT.md lists every key).
/// Tensors keep their Keras shapes and gate orders (LSTM i, f, c, o; GRU z, r, h).
public struct RecurrentModelConfig: Sendable, Equatable {
    /// The Keras model name (informational).
    public var name: String
    /// Features per time step of the model input.
    public var inputDim: Int
    /// Time steps of the model input if the model fixes them (informational; any length runs).
    public var timesteps: Int?
    /// The recurrent layers in the order they run.
    public var layers: [RecurrentLayerConfig]
    /// Every Keras layer in model order, weightless ones (InputLayer, Dropout) included: what a
    /// legacy `.h5` lists in `layer_names` and what Keras 3 names its `layers/<snake_case>` groups by.
    public var kerasLayers: [KerasLayerRef]
    /// The source's own model config (`model_config` / `config.json`), verbatim, so that export
    /// can hand Keras back the model it came from. nil for weights-only sources.
    public var kerasModelConfig: JSONValue?
    /// Every assumption the reader had to make (weights-only files, defaults), in plain words.
    public var notes: [String]

    public init(name: String, inputDim: Int, timesteps: Int?, layers: [RecurrentLayerConfig], kerasLayers: [KerasLayerRef],
                kerasModelConfig: JSONValue?, notes: [String]) {
        self.name = name
        self.inputDim = inputDim
        self.timesteps = timesteps
        self.layers = layers
        self.kerasLayers = kerasLayers
        self.kerasModelConfig = kerasModelConfig
        self.notes = notes
    }

    /// Width of the last layer's output per time step (or of the final state).
    public var outputDim: Int { layers.last?.outputDim ?? inputDim }

    /// Every tensor the architecture calls for, with its expected shape, in layer order.
    public var expectedTensors: [RecurrentTensorSpec] { layers.flatMap(\.expectedTensors) }
}

/// One Keras layer of the source model, by name and class (`InputLayer`, `LSTM`, …).
public struct KerasLayerRef: Sendable, Equatable {
    public var name: String
    public var className: String

    public init(name: String, className: String) {
        self.name = name
        self.className = className
    }
}

public enum RecurrentCellType: String, Sendable, CaseIterable {
    case simpleRNN = "SimpleRNN"
    case lstm = "LSTM"
    case gru = "GRU"

    /// Column blocks of the kernel: 1; LSTM i, f, c, o; GRU z, r, h.
    public var gateCount: Int {
        switch self {
        case .simpleRNN: return 1
        case .lstm: return 4
        case .gru: return 3
        }
    }

    /// Keras' snake_case class name: the stem of `lstm_cell` weight names and of Keras 3 paths.
    public var snakeName: String {
        switch self {
        case .simpleRNN: return "simple_rnn"
        case .lstm: return "lstm"
        case .gru: return "gru"
        }
    }

    /// The type whose snake_case name or cell name (`gru`, `gru_cell`, `forward_gru`…) `text` ends with.
    static func fromName(_ text: String) -> RecurrentCellType? {
        var stem = text.lowercased()
        if stem.hasSuffix("_cell") { stem.removeLast(5) }
        for prefix in ["forward_", "backward_"] where stem.hasPrefix(prefix) { stem.removeFirst(prefix.count) }
        // Unique-name suffixes: lstm_1, gru_cell_2.
        while let last = stem.split(separator: "_").last, Int(last) != nil, stem.contains("_") {
            stem.removeLast(last.count + 1)
        }
        return allCases.first { $0.snakeName == stem }
    }
}

/// How Bidirectional combines the two directions (Keras `merge_mode`).
public enum MergeMode: String, Sendable, CaseIterable {
    case concat, sum, mul, ave
}

/// One recurrent cell and how it is run: Keras' RNN layer config, reduced to what changes outputs.
public struct RecurrentCellConfig: Sendable, Equatable {
    /// The Keras layer name of this direction inside a Bidirectional (`forward_lstm`), else nil.
    public var name: String?
    public var type: RecurrentCellType
    public var units: Int
    public var activation: Activation
    /// Gate activation of LSTM and GRU; nil for SimpleRNN.
    public var recurrentActivation: Activation?
    public var useBias: Bool
    /// GRU only: true = bias (2, 3u) and the reset gate applied after the recurrent product.
    public var resetAfter: Bool?
    /// Reads the sequence last to first; outputs stay in processing order (see `RecurrentModel`).
    public var goBackwards: Bool

    public init(name: String? = nil, type: RecurrentCellType, units: Int, activation: Activation = .tanh,
                recurrentActivation: Activation? = nil, useBias: Bool = true, resetAfter: Bool? = nil, goBackwards: Bool = false) {
        self.name = name
        self.type = type
        self.units = units
        self.activation = activation
        self.recurrentActivation = type == .simpleRNN ? nil : (recurrentActivation ?? .sigmoid)
        self.useBias = useBias
        self.resetAfter = type == .gru ? (resetAfter ?? true) : nil
        self.goBackwards = goBackwards
    }

    /// Columns of kernel, recurrent_kernel and bias: gates × units.
    public var gateWidth: Int { type.gateCount * units }

    /// Expected (kernel, recurrent_kernel, bias) shapes for an input of `inputDim` features.
    public func shape(of role: RecurrentTensorRole, inputDim: Int) -> [Int] {
        switch role {
        case .kernel: return [inputDim, gateWidth]
        case .recurrentKernel: return [units, gateWidth]
        case .bias: return resetAfter == true ? [2, gateWidth] : [gateWidth]
        }
    }

    /// The roles of this cell's weights in Keras order (`weight_names`, `vars/<i>`).
    public var roles: [RecurrentTensorRole] { useBias ? [.kernel, .recurrentKernel, .bias] : [.kernel, .recurrentKernel] }
}

/// The weights of a Keras recurrent cell, in Keras order.
public enum RecurrentTensorRole: String, Sendable, CaseIterable {
    case kernel
    case recurrentKernel = "recurrent_kernel"
    case bias
}

/// One layer: a single cell, or a Bidirectional pair.
public struct RecurrentLayerConfig: Sendable, Equatable {
    /// The Keras layer name; the prefix of the layer's tensor names.
    public var name: String
    public var inputDim: Int
    public var returnSequences: Bool
    /// The cell of a plain layer, the forward cell of a Bidirectional.
    public var forward: RecurrentCellConfig
    /// Bidirectional only.
    public var backward: RecurrentCellConfig?
    /// Bidirectional only.
    public var mergeMode: MergeMode?
    /// Where the tensors lived in the source file, so export can restore that layout.
    public var sourceNames: SourceNames

    /// Names of the layer's weights in the source: a legacy `.h5`'s `weight_names` (kept verbatim,
    /// `:0` suffixes included) and a Keras 3 file's object path (`layers/lstm`).
    public struct SourceNames: Sendable, Equatable {
        public var weightNames: [String]?
        public var objectPath: String?
        public init(weightNames: [String]? = nil, objectPath: String? = nil) {
            self.weightNames = weightNames
            self.objectPath = objectPath
        }
    }

    public init(name: String, inputDim: Int, returnSequences: Bool, forward: RecurrentCellConfig,
                backward: RecurrentCellConfig? = nil, mergeMode: MergeMode? = nil, sourceNames: SourceNames = SourceNames()) {
        self.name = name
        self.inputDim = inputDim
        self.returnSequences = returnSequences
        self.forward = forward
        self.backward = backward
        self.mergeMode = backward == nil ? nil : (mergeMode ?? .concat)
        self.sourceNames = sourceNames
    }

    public var isBidirectional: Bool { backward != nil }

    /// "LSTM", or "Bidirectional(LSTM)".
    public var typeDescription: String {
        isBidirectional ? "Bidirectional(\(forward.type.rawValue))" : forward.type.rawValue
    }

    /// Output width per step: units, or the merged width of both directions.
    public var outputDim: Int {
        guard let backward else { return forward.units }
        return mergeMode == .concat ? forward.units + backward.units : forward.units
    }

    /// (direction name, cell): [(nil, cell)] or [("forward", f), ("backward", b)].
    public var directions: [(direction: String?, cell: RecurrentCellConfig)] {
        guard let backward else { return [(nil, forward)] }
        return [("forward", forward), ("backward", backward)]
    }

    /// `<layer>/<role>` or `<layer>/<direction>/<role>` (docs/FORMAT.md, layout "keras").
    public func tensorName(direction: String?, role: RecurrentTensorRole) -> String {
        [name, direction, role.rawValue].compactMap { $0 }.joined(separator: "/")
    }

    public var expectedTensors: [RecurrentTensorSpec] {
        directions.flatMap { direction, cell in
            cell.roles.map { role in
                RecurrentTensorSpec(name: tensorName(direction: direction, role: role), shape: cell.shape(of: role, inputDim: inputDim),
                                    layer: name, direction: direction, role: role)
            }
        }
    }
}

/// A tensor the architecture calls for.
public struct RecurrentTensorSpec: Sendable, Equatable {
    public let name: String
    public let shape: [Int]
    public let layer: String
    public let direction: String?
    public let role: RecurrentTensorRole

    /// "layer 'bidirectional' backward kernel", for messages.
    public var label: String {
        "layer '\(layer)'" + (direction.map { " \($0)" } ?? "") + " \(role.rawValue)"
    }
}
