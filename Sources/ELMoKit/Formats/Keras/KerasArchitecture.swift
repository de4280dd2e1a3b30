/// Turns a Keras file's stored weights, plus its model config where there is one, into a
/// `RecurrentModelConfig` and the tensor each `layout: "keras"` name maps to. With a config,
/// every hyperparameter comes from it and every stored shape is checked against it. Without one
/// (weights-only files) the architecture is inferred from shapes and names, and every
/// assumption is written down as a note. Shape problems are collected as findings (validate
/// lists them all; convert refuses to write); anything that prevents understanding the model at
/// all throws.
struct KerasArchitecture {
    var config: RecurrentModelConfig
    /// `<layer>/<role>` or `<layer>/<direction>/<role>` → the stored dataset.
    var tensors: [String: KerasStoredTensor]
    var findings: [Finding]

    static let recurrentClasses: Set<String> = ["SimpleRNN", "LSTM", "GRU", "Bidirectional"]

    // MARK: - From a model config

    init(stored: KerasStoredWeights, spec: KerasModelSpec, kerasMajor: Int, file: String, fallbackName: String) throws {
        var notes: [String] = []
        var findings: [Finding] = []
        var tensors: [String: KerasStoredTensor] = [:]
        var layers: [RecurrentLayerConfig] = []
        let declared = spec.inputShape
        var width: Int? = declared?.features
        let paths = KerasV3Weights.objectPaths(classNames: spec.layers.map(\.className))
        var previous: String? = nil
        var used = Set<String>()
        for (index, layer) in spec.layers.enumerated() {
            let storedLayer = stored.layerNames == nil
                ? stored.layers.first { $0.objectPath == paths[index] } ?? stored.layers.first { $0.name == layer.name }
                : stored.layer(named: layer.name)
            defer { previous = layer.name }
            if layer.className == "InputLayer" { continue }
            if let inbound = layer.inbound, let previous, inbound != [previous] {
                throw ELMoKitError(.modelInvalid, "layer '\(layer.name)' (\(layer.className)) takes its input from "
                                   + (inbound.isEmpty ? "nothing" : inbound.map { "'\($0)'" }.joined(separator: ", "))
                                   + ", not from the layer before it ('\(previous)'): only a linear stack of layers is supported", file: file)
            }
            if KerasModelSpec.passThrough.contains(layer.className) {
                if let storedLayer, !storedLayer.tensors.isEmpty {
                    throw ELMoKitError(.modelInvalid, "layer '\(layer.name)' (\(layer.className)) should hold no weights but has \(storedLayer.tensorSummary)", file: file)
                }
                notes.append("layer '\(layer.name)' (\(layer.className)) is the identity at inference and is skipped")
                continue
            }
            guard Self.recurrentClasses.contains(layer.className) else {
                let weights = storedLayer.map { $0.tensors.isEmpty ? "" : ", weights \($0.tensorSummary)" } ?? ""
                throw ELMoKitError(.modelInvalid, "layer '\(layer.name)' (\(layer.className)\(weights)) is not a recurrent layer: only SimpleRNN, LSTM, GRU "
                                   + "and Bidirectional layers (with InputLayer and Dropout) can be read", file: file, tensor: layer.name)
            }
            guard let storedLayer, !storedLayer.tensors.isEmpty else {
                throw ELMoKitError(.missingTensor, "layer '\(layer.name)' (\(layer.className)) has no weights in the file"
                                   + (stored.layerNames == nil ? " (looked for '\(paths[index])')" : ""), file: file, tensor: layer.name)
            }
            used.insert(storedLayer.name)
            var parsed = try Self.layerConfig(layer, kerasMajor: kerasMajor, file: file, notes: &notes)
            parsed.sourceNames = .init(weightNames: storedLayer.weightNames, objectPath: storedLayer.objectPath)
            if width == nil {
                // No InputLayer shape: the first kernel's rows are the input width.
                width = storedLayer.tensors.first.flatMap { $0.shape.count == 2 ? $0.shape[0] : nil }
                notes.append("the model config declares no input shape; input width \(width.map(String.init) ?? "?") taken from layer '\(layer.name)' kernel")
            }
            guard let inputWidth = width else {
                throw ELMoKitError(.modelInvalid, "cannot tell the input width of layer '\(layer.name)'", file: file, tensor: layer.name)
            }
            parsed.inputDim = inputWidth
            Self.bind(parsed, storedLayer, basis: "from the model config", into: &tensors, &findings)
            width = parsed.outputDim
            layers.append(parsed)
        }
        guard !layers.isEmpty else {
            let list = spec.layers.map { "'\($0.name)' (\($0.className))" }.joined(separator: ", ")
            throw ELMoKitError(.modelInvalid, "no recurrent layer in the model (layers: \(list)); only SimpleRNN, LSTM, GRU and Bidirectional are supported",
                               file: file)
        }
        if let outputs = spec.outputs, let last = spec.layers.last, outputs != [last.name] {
            throw ELMoKitError(.modelInvalid, "the model's output is \(outputs.map { "'\($0)'" }.joined(separator: ", ")), not its last layer '\(last.name)': "
                               + "only a linear stack of layers is supported", file: file)
        }
        for layer in stored.layers where !used.contains(layer.name) {
            for tensor in layer.tensors {
                findings.append(Finding(.warning, "W_UNUSED_TENSOR", tensor: tensor.path,
                                        "dataset '\(tensor.path)' (layer '\(layer.name)') is not used by the model config"))
            }
        }
        if let early = layers.dropLast().first(where: { !$0.returnSequences }) {
            throw ELMoKitError(.modelInvalid, "layer '\(early.name)' returns only its final state (return_sequences false) but feeds another recurrent layer",
                               file: file, tensor: early.name)
        }
        self.config = RecurrentModelConfig(name: spec.name.isEmpty ? fallbackName : spec.name, inputDim: layers[0].inputDim,
                                           timesteps: declared?.timesteps, layers: layers,
                                           kerasLayers: spec.layers.map { KerasLayerRef(name: $0.name, className: $0.className) },
                                           kerasModelConfig: spec.json, notes: notes)
        self.tensors = tensors
        self.findings = findings
    }

    /// One recurrent layer of a Keras config: SimpleRNN, LSTM, GRU, or Bidirectional around one.
    static func layerConfig(_ layer: KerasModelSpec.Layer, kerasMajor: Int, file: String,
                            notes: inout [String]) throws -> RecurrentLayerConfig {
        let c = layer.config
        if layer.className == "Bidirectional" {
            guard let inner = c["layer"], let innerClass = inner["class_name"]?.stringValue, let innerConfig = inner["config"] else {
                throw ELMoKitError(.modelInvalid, "layer '\(layer.name)' (Bidirectional) has no inner 'layer' config", file: file, tensor: layer.name)
            }
            let modeName = c["merge_mode"]?.stringValue
            guard let modeName, let mode = MergeMode(rawValue: modeName) else {
                throw ELMoKitError(.modelInvalid, "layer '\(layer.name)' (Bidirectional): merge_mode \(modeName.map { "'\($0)'" } ?? "None") is not supported "
                                   + "(concat, sum, mul, ave)", file: file, tensor: layer.name)
            }
            let context = "layer '\(layer.name)' (Bidirectional(\(innerClass)))"
            var forward = try cellConfig(innerClass, innerConfig, context: "\(context) forward", kerasMajor: kerasMajor, file: file, notes: &notes)
            let innerName = innerConfig["name"]?.stringValue ?? forward.cell.type.snakeName
            forward.cell.name = innerName.hasPrefix("forward_") ? innerName : "forward_" + innerName
            var backward: (cell: RecurrentCellConfig, returnSequences: Bool)
            if let explicit = c["backward_layer"], let backClass = explicit["class_name"]?.stringValue, let backConfig = explicit["config"] {
                backward = try cellConfig(backClass, backConfig, context: "\(context) backward", kerasMajor: kerasMajor, file: file, notes: &notes)
                backward.cell.name = backConfig["name"]?.stringValue ?? "backward_" + innerName
            } else {
                // Keras 2 configs omit it: Keras builds it from the inner layer with go_backwards flipped.
                backward = forward
                backward.cell.goBackwards = !forward.cell.goBackwards
                let stem = innerName.hasPrefix("forward_") ? String(innerName.dropFirst("forward_".count)) : innerName
                backward.cell.name = "backward_" + stem
            }
            if mode != .concat, forward.cell.units != backward.cell.units {
                throw ELMoKitError(.modelInvalid, "\(context): merge_mode \(mode.rawValue) needs equal units, forward has \(forward.cell.units), "
                                   + "backward \(backward.cell.units)", file: file, tensor: layer.name)
            }
            return RecurrentLayerConfig(name: layer.name, inputDim: 0, returnSequences: forward.returnSequences,
                                        forward: forward.cell, backward: backward.cell, mergeMode: mode)
        }
        let cell = try cellConfig(layer.className, c, context: "layer '\(layer.name)' (\(layer.className))", kerasMajor: kerasMajor,
                                  file: file, notes: &notes)
        return RecurrentLayerConfig(name: layer.name, inputDim: 0, returnSequences: cell.returnSequences, forward: cell.cell)
    }

    /// A SimpleRNN/LSTM/GRU layer config → cell config. Keys that change outputs are read; keys
    /// that cannot be honoured (return_state, time_major) are refused; training-only keys noted.
    static func cellConfig(_ className: String, _ c: JSONValue, context: String, kerasMajor: Int, file: String,
                           notes: inout [String]) throws -> (cell: RecurrentCellConfig, returnSequences: Bool) {
        func invalid(_ message: String) -> ELMoKitError { ELMoKitError(.modelInvalid, "\(context): \(message)", file: file) }
        guard let type = RecurrentCellType(rawValue: className) else {
            throw invalid("'\(className)' is not a supported recurrent layer (SimpleRNN, LSTM, GRU)")
        }
        guard let units = c["units"]?.intValue, units > 0, units <= 1 << 24 else { throw invalid("config has no valid 'units'") }
        func flag(_ key: String, _ fallback: Bool) throws -> Bool {
            guard let value = c[key], value != .null else { return fallback }
            guard let b = value.boolValue else { throw invalid("'\(key)' must be true or false") }
            return b
        }
        if try flag("return_state", false) { throw invalid("return_state=True is not supported (the layer would return several tensors)") }
        if try flag("time_major", false) { throw invalid("time_major=True is not supported") }
        if try flag("stateful", false) { notes.append("\(context): stateful=True; runs start from zero state here") }
        for key in ["dropout", "recurrent_dropout"] where (c[key]?.doubleValue ?? 0) != 0 {
            notes.append("\(context): \(key) \(c[key]!.doubleValue!) applies in training only")
        }
        let activation = try self.activation(c["activation"], key: "activation", fallback: .tanh, kerasMajor: kerasMajor, invalid)
        let recurrent: Activation? = type == .simpleRNN ? nil
            : try self.activation(c["recurrent_activation"], key: "recurrent_activation", fallback: .sigmoid, kerasMajor: kerasMajor, invalid)
        if activation == .hardSigmoidKeras2 || recurrent == .hardSigmoidKeras2 {
            notes.append("\(context): hard_sigmoid is Keras 2's clip(0.2x + 0.5, 0, 1) (Keras 3 changed it to clip(x/6 + 0.5, 0, 1))")
        }
        var resetAfter: Bool? = nil
        if type == .gru {
            if c["reset_after"] == nil {
                notes.append("\(context): no reset_after in the config; Keras \(kerasMajor)'s default \(kerasMajor >= 3) assumed")
            }
            resetAfter = try flag("reset_after", kerasMajor >= 3)
        }
        let cell = RecurrentCellConfig(type: type, units: units, activation: activation, recurrentActivation: recurrent,
                                       useBias: try flag("use_bias", true), resetAfter: resetAfter, goBackwards: try flag("go_backwards", false))
        return (cell, try flag("return_sequences", false))
    }

    /// A Keras activation: a name, or a serialised function object (`{"config": "tanh"}`).
    static func activation(_ value: JSONValue?, key: String, fallback: Activation, kerasMajor: Int,
                           _ invalid: (String) -> ELMoKitError) throws -> Activation {
        guard let value else { return fallback }
        var name: String
        switch value {
        case .null: name = "linear"
        case let .string(s): name = s
        case .object:
            guard let s = value["config"]?.stringValue ?? value["class_name"]?.stringValue else {
                throw invalid("'\(key)' is an object this reader does not understand")
            }
            name = s
        default: throw invalid("'\(key)' must be a name")
        }
        name = name.lowercased()
        if name == "hard_sigmoid" { return kerasMajor >= 3 ? .hardSigmoid : .hardSigmoidKeras2 }
        guard let activation = Activation(rawValue: name), activation != .hardSigmoidKeras2 else {
            throw invalid("\(key) '\(name)' is not supported (tanh, relu, sigmoid, hard_sigmoid, linear)")
        }
        return activation
    }

    // MARK: - From the weights alone

    init(stored: KerasStoredWeights, file: String, modelName: String, inputLayerName: String?) throws {
        var notes = ["weights-only file: the architecture is inferred from tensor shapes and names, not read from a model config; "
                     + "pass the model's config (--options CONFIG.json) to use the real one"]
        var layers: [RecurrentLayerConfig] = []
        var byName: [String: KerasStoredLayer] = [:]
        for storedLayer in stored.layers where !storedLayer.tensors.isEmpty {
            layers.append(try Self.infer(storedLayer, file: file, notes: &notes))
            byName[storedLayer.name] = storedLayer
        }
        guard !layers.isEmpty else {
            throw ELMoKitError(.modelInvalid, "no weights of a recurrent layer in the file", file: file)
        }
        if stored.layerNames == nil, layers.count > 1 {
            var writeOrder: [String: UInt64] = [:]
            for layer in stored.layers { writeOrder[layer.name] = layer.writeOrder }
            layers = Self.chainOrder(layers, writeOrder: writeOrder, notes: &notes)
        }
        notes.append("activation tanh and recurrent_activation sigmoid (the Keras 3 and tf.keras 2 defaults; Keras 2.2 used hard_sigmoid) assumed for every layer")
        notes.append("return_sequences assumed true for every layer (a weights-only file does not record it)")
        if layers.contains(where: { !$0.isBidirectional }) { notes.append("go_backwards assumed false (a weights-only file does not record it)") }
        if layers.contains(where: \.isBidirectional) { notes.append("Bidirectional merge_mode assumed 'concat' (the Keras default)") }
        var tensors: [String: KerasStoredTensor] = [:]
        var findings: [Finding] = []
        for index in layers.indices {
            let storedLayer = byName[layers[index].name]!
            if index > 0 {
                let previous = layers[index - 1]
                if layers[index].inputDim != previous.outputDim {
                    findings.append(Finding(.error, "E_SHAPE_MISMATCH", tensor: storedLayer.tensors.first?.path,
                                            "layer '\(layers[index].name)' takes \(layers[index].inputDim) input features, but layer '\(previous.name)' outputs \(previous.outputDim)"))
                }
                layers[index].inputDim = previous.outputDim
            }
            Self.bind(layers[index], storedLayer, basis: "inferred from the layer's recurrent_kernel", into: &tensors, &findings)
        }
        var kerasLayers = [KerasLayerRef(name: inputLayerName ?? "input", className: "InputLayer")]
        if let names = stored.layerNames {
            kerasLayers = names.map { name in
                let layer = layers.first { $0.name == name }
                return KerasLayerRef(name: name, className: layer.map { $0.isBidirectional ? "Bidirectional" : $0.forward.type.rawValue } ?? "InputLayer")
            }
        } else {
            kerasLayers += layers.map { KerasLayerRef(name: $0.name, className: $0.isBidirectional ? "Bidirectional" : $0.forward.type.rawValue) }
        }
        config = RecurrentModelConfig(name: modelName, inputDim: layers[0].inputDim, timesteps: nil, layers: layers,
                                      kerasLayers: kerasLayers, kerasModelConfig: nil, notes: notes)
        self.tensors = tensors
        self.findings = findings
    }

    /// One layer from its stored tensors: units from recurrent_kernel rows, the cell type from the
    /// names (`lstm_cell`) or else the gate count, reset_after from the GRU bias rank.
    static func infer(_ layer: KerasStoredLayer, file: String, notes: inout [String]) throws -> RecurrentLayerConfig {
        var cells: [RecurrentCellConfig] = []
        let ordered = layer.directions.count == 2
            ? layer.directions.sorted { ($0.direction ?? "") > ($1.direction ?? "") }  // forward, backward
            : layer.directions
        guard ordered.count == 1 || (ordered.count == 2 && ordered[0].direction == "forward" && ordered[1].direction == "backward") else {
            throw ELMoKitError(.modelInvalid, "layer '\(layer.name)': weights \(layer.tensorSummary) are neither one cell nor a forward/backward pair",
                               file: file, tensor: layer.name)
        }
        for group in ordered {
            let what = "layer '\(layer.name)'" + (group.direction.map { " \($0)" } ?? "")
            func notRecurrent() -> ELMoKitError {
                ELMoKitError(.modelInvalid, "\(what) (weights \(layer.tensorSummary)) is not a recurrent layer: expected kernel (in, g·units), "
                             + "recurrent_kernel (units, g·units) and an optional bias", file: file, tensor: group.tensors.first?.path)
            }
            // Keras loads weights by position; names that say otherwise mean a broken file.
            for (k, (tensor, role)) in zip(group.tensors, RecurrentTensorRole.allCases).enumerated() {
                if let named = tensor.namedRole, named != role {
                    throw ELMoKitError(.modelInvalid, "\(what): weight \(k) is '\(tensor.label)' but Keras loads weight \(k) as the \(role.rawValue) "
                                       + "(weights load by position: kernel, recurrent_kernel, bias)", file: file, tensor: tensor.path)
                }
            }
            guard (2...3).contains(group.tensors.count), group.tensors[0].shape.count == 2, group.tensors[1].shape.count == 2 else { throw notRecurrent() }
            let recurrent = group.tensors[1].shape
            let units = recurrent[0]
            guard units > 0, recurrent[1] % units == 0 else { throw notRecurrent() }
            let gates = recurrent[1] / units
            let byGates = RecurrentCellType.allCases.first { $0.gateCount == gates }
            guard let type = group.cellHint ?? byGates else { throw notRecurrent() }
            if group.cellHint == nil {
                notes.append("\(what): cell type \(type.rawValue) inferred from \(gates) gate blocks (no cell name in the file)")
            }
            let bias = group.tensors.count == 3 ? group.tensors[2].shape : nil
            var resetAfter: Bool? = nil
            if type == .gru {
                resetAfter = bias.map { $0.count == 2 } ?? true
                notes.append("\(what): GRU reset_after \(resetAfter!) " + (bias == nil ? "assumed (no bias to tell)" : "inferred from the bias rank"))
            }
            cells.append(RecurrentCellConfig(name: group.name, type: type, units: units, useBias: bias != nil,
                                             resetAfter: resetAfter, goBackwards: group.direction == "backward"))
        }
        if cells.count == 2, cells[0].type != cells[1].type || cells[0].units != cells[1].units {
            notes.append("layer '\(layer.name)': forward is \(cells[0].type.rawValue)(\(cells[0].units)) but backward is \(cells[1].type.rawValue)(\(cells[1].units))")
        }
        let inputDim = layer.directions[0].tensors[0].shape[0]
        return RecurrentLayerConfig(name: layer.name, inputDim: inputDim, returnSequences: true, forward: cells[0],
                                    backward: cells.count == 2 ? cells[1] : nil, mergeMode: cells.count == 2 ? .concat : nil,
                                    sourceNames: .init(weightNames: layer.weightNames, objectPath: layer.objectPath))
    }

    /// Keras 3 weights-only files record no layer order (HDF5 lists `layers/` alphabetically).
    /// Chain the layers by width (each layer's input features = the previous layer's output) when
    /// that decides it; else take the order Keras wrote them in (data addresses in the file);
    /// else Keras' naming order. The note says which.
    static func chainOrder(_ layers: [RecurrentLayerConfig], writeOrder: [String: UInt64], notes: inout [String]) -> [RecurrentLayerConfig] {
        let fed = layers.map(\.outputDim)
        let starts = layers.filter { layer in !fed.contains(layer.inputDim) }
        var chain: [RecurrentLayerConfig] = []
        if starts.count == 1 {
            var current = starts[0]
            chain = [current]
            while chain.count < layers.count {
                let next = layers.filter { candidate in candidate.inputDim == current.outputDim && !chain.contains { $0.name == candidate.name } }
                guard next.count == 1 else { break }
                current = next[0]
                chain.append(current)
            }
        }
        let names = chain.map { "'\($0.name)'" }.joined(separator: " → ")
        if chain.count == layers.count {
            notes.append("layer order \(names) inferred from the layer widths (a weights-only Keras 3 file does not record it)")
            return chain
        }
        if layers.allSatisfy({ writeOrder[$0.name] != nil }) {
            chain = layers.sorted { writeOrder[$0.name]! < writeOrder[$1.name]! }
            notes.append("layer order \(chain.map { "'\($0.name)'" }.joined(separator: " → ")) taken from the order Keras wrote the layers "
                         + "(data addresses in the file); the widths do not decide it")
            return chain
        }
        chain = layers.sorted { $0.name.count != $1.name.count ? $0.name.count < $1.name.count : $0.name < $1.name }
        notes.append("layer order \(chain.map { "'\($0.name)'" }.joined(separator: " → ")) assumed (neither the widths nor the file decide it)")
        return chain
    }

    // MARK: - Binding stored tensors to names, checking shapes

    /// Maps the stored tensors of `layer` to their names in Keras weight order, and records a
    /// finding for every count, order, dtype or shape problem (layer, tensor, expected vs actual).
    /// `basis` says where the expected shapes come from. A Bidirectional's stored directions are
    /// matched by name; unnamed weights are split in half (forward first, as Keras orders them).
    static func bind(_ layer: RecurrentLayerConfig, _ stored: KerasStoredLayer, basis: String,
                     into tensors: inout [String: KerasStoredTensor], _ findings: inout [Finding]) {
        var groups: [String?: [KerasStoredTensor]] = [:]
        if layer.isBidirectional {
            if stored.directions.count == 1, stored.directions[0].direction == nil {
                let all = stored.directions[0].tensors
                groups["forward"] = Array(all.prefix(all.count / 2))
                groups["backward"] = Array(all.dropFirst(all.count / 2))
            } else {
                for d in stored.directions { groups[d.direction, default: []] += d.tensors }
            }
        } else {
            if stored.directions.contains(where: { $0.direction != nil }) {
                findings.append(Finding(.error, "E_MODEL_INVALID", tensor: stored.tensors.first?.path,
                                        "layer '\(layer.name)': the config says \(layer.typeDescription) but the weights are a forward/backward pair (\(stored.tensorSummary))"))
            }
            groups[nil] = stored.tensors
        }
        for (direction, cell) in layer.directions {
            let what = "layer '\(layer.name)' (\(layer.typeDescription))" + (direction.map { " \($0)" } ?? "")
            let available = groups[direction] ?? []
            let roles = cell.roles
            if available.count != roles.count {
                let code = available.count < roles.count ? "E_MISSING_TENSOR" : "E_UNEXPECTED_TENSOR"
                findings.append(Finding(.error, code, tensor: available.first?.path ?? layer.name,
                                        "\(what): \(available.count) weights stored (\(available.map { "'\($0.label)' \(shapeText($0.shape))" }.joined(separator: ", "))), "
                                        + "expected \(roles.count) (\(roles.map(\.rawValue).joined(separator: ", ")))"))
            }
            for (k, (role, tensor)) in zip(roles, available).enumerated() {
                let name = layer.tensorName(direction: direction, role: role)
                tensors[name] = tensor
                if let named = tensor.namedRole, named != role {
                    findings.append(Finding(.error, "E_WEIGHT_ORDER", tensor: tensor.path,
                                            "\(what): weight \(k) is '\(tensor.label)' but Keras loads weight \(k) as the \(role.rawValue) (weights load by position)"))
                }
                if tensor.storedType.lossless == nil {
                    findings.append(Finding(.error, "E_UNSUPPORTED_DTYPE", tensor: tensor.path,
                                            "\(what) \(role.rawValue) '\(tensor.path)' holds \(tensor.storedType), expected float weights"))
                }
                let expected = cell.shape(of: role, inputDim: layer.inputDim)
                if tensor.shape != expected {
                    findings.append(Finding(.error, "E_SHAPE_MISMATCH", tensor: tensor.path,
                                            "\(what) \(role.rawValue) '\(tensor.path)': shape \(shapeText(tensor.shape)), expected \(shapeText(expected)) "
                                            + "(\(cell.type.rawValue) units \(cell.units) \(basis), input width \(layer.inputDim))"))
                }
            }
        }
        // Without a config each direction is inferred on its own; Keras builds both from one layer
        // config unless a custom backward_layer was given, so a difference deserves a warning.
        if layer.isBidirectional, basis.hasPrefix("inferred"), let f = groups["forward"], let b = groups["backward"], f.count == b.count {
            for (x, y) in zip(f, b) where x.shape != y.shape {
                findings.append(Finding(.warning, "W_DIRECTIONS_DIFFER", tensor: y.path,
                                        "layer '\(layer.name)' (\(layer.typeDescription)): forward '\(x.label)' is \(shapeText(x.shape)) but backward '\(y.label)' is \(shapeText(y.shape))"))
            }
        }
    }
}
