import Foundation

/// `export --to keras-…`: writes a Keras recurrent model back in a Keras layout, tensors bit for
/// bit as stored. Names come from the source where it recorded them (`weight_names` with or
/// without `:0`, Keras 3 object paths), so exporting to the layout a model was converted from
/// reproduces the source's dataset paths and values exactly (`elmokit diff` = 0). Otherwise they
/// are the names Keras 3 gives (`lstm/lstm_cell/kernel`, `layers/lstm/cell/vars/0`).
public enum KerasExporter {
    /// `keras-h5` means "the Keras layout the model came from" (an archive's is its
    /// `model.weights.h5`); the others name a layout.
    public static let targets = ["keras-h5"] + KerasLayout.allCases.map(\.rawValue)

    /// A model to export: weights under `layout: "keras"` names, its config, and what the source recorded.
    struct Model {
        let source: WeightSource
        let config: RecurrentModelConfig
        let sourceLayout: KerasLayout?
        let kerasVersion: String?
        let backend: String?
    }

    /// Exports the model in `input` (a keras-recurrent `.elmk` or any Keras file); returns the
    /// layout written and the tensor count.
    @discardableResult
    public static func export(_ input: String, target: String, configPath: String? = nil, to destination: String,
                              dtype: DType?, force: Bool) throws -> (layout: KerasLayout, tensors: Int) {
        let model = try load(input, configPath: configPath)
        let layout: KerasLayout
        if target == "keras-h5" {
            guard let source = model.sourceLayout else {
                throw ELMoKitError(.usage, "the checkpoint does not record its source layout; use --to keras-model-h5, keras-legacy-weights-h5, keras3-weights-h5 or keras", file: input)
            }
            layout = source == .archive ? .weightsH5 : source
        } else {
            guard let named = KerasLayout(rawValue: target) else {
                throw ELMoKitError(.usage, "unknown Keras export target '\(target)'; one of \(targets.joined(separator: ", "))")
            }
            layout = named
        }
        try write(model, layout: layout, to: destination, dtype: dtype, force: force)
        return (layout, model.config.expectedTensors.count)
    }

    static func load(_ input: String, configPath: String?) throws -> Model {
        if KerasLayout.detect(input) == nil {
            let model = try RecurrentModel.load(path: input)  // integrity, config, every tensor present and well shaped
            let provenance = KerasConverter.embeddedMetadata(model.source)?["provenance"]
            return Model(source: model.source, config: model.config,
                         sourceLayout: provenance?["source_format"]?.stringValue.flatMap(KerasLayout.init(rawValue:)),
                         kerasVersion: provenance?["keras_version"]?.stringValue, backend: provenance?["keras_backend"]?.stringValue)
        }
        let file = try KerasModelFile(path: input, configPath: configPath)
        try KerasConverter.requireValid(file)
        return Model(source: file.weights, config: file.config, sourceLayout: file.layout, kerasVersion: file.kerasVersion, backend: file.backend)
    }

    static func write(_ model: Model, layout: KerasLayout, to destination: String, dtype: DType?, force: Bool) throws {
        switch layout {
        case .modelH5, .legacyWeightsH5, .weightsH5:
            let output = try AtomicOutputFile(destination: destination, force: force)
            output.releaseForExternalWriter()
            let builder = try HDF5Builder(path: output.tempPath, display: destination)
            if layout == .weightsH5 {
                try writeKeras3(model, builder, dtype: dtype)
            } else {
                try writeLegacy(model, builder, fullModel: layout == .modelH5, dtype: dtype)
            }
            try builder.close()
            try output.commit()
        case .archive:
            let weights = try TemporaryFile(suffix: ".weights.h5")
            weights.finishWriting()
            let builder = try HDF5Builder(path: weights.path, display: destination)
            try writeKeras3(model, builder, dtype: dtype)
            try builder.close()
            let zip = try ZipWriter(destination: destination, force: force)
            let metadata = JSONValue.object([("keras_version", JSONValue(model.kerasVersion ?? "3.0.0")),
                                             ("date_saved", JSONValue("1980-01-01@00:00:00"))])
            try zip.add("metadata.json", Array(metadata.canonicalString().utf8))
            let config = model.config.kerasModelConfig.flatMap { $0["module"] != nil ? $0 : nil } ?? synthesizedConfig(model.config, keras3: true)
            try zip.add("config.json", Array(config.canonicalString().utf8))
            let mapped = try MappedFile(path: weights.path)
            try zip.add("model.weights.h5", mapped.bytes(at: 0, count: mapped.count)!)
            try zip.finish()
        }
    }

    // MARK: - Legacy: model.save('x.h5') and save_weights('x.h5')

    static func writeLegacy(_ model: Model, _ b: HDF5Builder, fullModel: Bool, dtype: DType?) throws {
        let root = fullModel ? "model_weights" : "/"
        let prefix = fullModel ? "model_weights/" : ""
        let version = model.kerasVersion ?? "3.0.0"
        if fullModel {
            let config = model.config.kerasModelConfig ?? synthesizedConfig(model.config, keras3: false)
            if let backend = model.backend { try b.stringAttribute("backend", on: "/", [backend], scalar: true) }
            try b.stringAttribute("keras_version", on: "/", [version], scalar: true)
            try b.stringAttribute("model_config", on: "/", [config.canonicalString()], scalar: true)
            try b.group(root)
        }
        if let backend = model.backend { try b.stringAttribute("backend", on: root, [backend], scalar: true) }
        try b.stringAttribute("keras_version", on: root, [version], scalar: true)
        try b.stringAttribute("layer_names", on: root, model.config.kerasLayers.map(\.name))
        for ref in model.config.kerasLayers {
            let group = prefix + ref.name
            guard let layer = model.config.layers.first(where: { $0.name == ref.name }) else {
                try b.emptyListAttribute("weight_names", on: group)
                continue
            }
            let specs = layer.expectedTensors
            let names = legacyWeightNames(layer)
            try b.stringAttribute("weight_names", on: group, names)
            for (spec, weightName) in zip(specs, names) {
                try copy(model.source, spec, to: group + "/" + weightName, b, dtype: dtype)
            }
        }
        try b.emptyListAttribute("weight_names", on: prefix + "top_level_model_weights")
    }

    /// The source's `weight_names` if it recorded them for this very layer, else Keras 3's:
    /// `<layer>/<cell>_cell/<role>`, or `<layer>/<forward_inner>/<cell>_cell/<role>`.
    static func legacyWeightNames(_ layer: RecurrentLayerConfig) -> [String] {
        let specs = layer.expectedTensors
        if let recorded = layer.sourceNames.weightNames, recorded.count == specs.count { return recorded }
        return specs.map { spec in
            let cell = spec.direction == "backward" ? layer.backward! : layer.forward
            let inner = spec.direction.map { direction in cell.name ?? "\(direction)_\(cell.type.snakeName)" }
            return [layer.name, inner, "\(cell.type.snakeName)_cell", spec.role.rawValue].compactMap { $0 }.joined(separator: "/")
        }
    }

    // MARK: - Keras 3: save_weights('x.weights.h5')

    static func writeKeras3(_ model: Model, _ b: HDF5Builder, dtype: DType?) throws {
        let computed = KerasV3Weights.objectPaths(classNames: model.config.kerasLayers.map(\.className))
        try b.stringAttribute("name", on: "vars", [model.config.name], scalar: true)
        for (ref, computedPath) in zip(model.config.kerasLayers, computed) {
            let layer = model.config.layers.first { $0.name == ref.name }
            let path = layer?.sourceNames.objectPath ?? computedPath
            try b.stringAttribute("name", on: path + "/vars", [ref.name], scalar: true)
            guard let layer else { continue }
            for (direction, cell) in layer.directions {
                var owner = path
                if let direction {
                    owner += "/\(direction)_layer"
                    try b.stringAttribute("name", on: owner + "/vars", [cell.name ?? "\(direction)_\(cell.type.snakeName)"], scalar: true)
                }
                owner += "/cell"
                try b.stringAttribute("name", on: owner + "/vars", ["\(cell.type.snakeName)_cell"], scalar: true)
                for (i, role) in cell.roles.enumerated() {
                    let spec = layer.expectedTensors.first { $0.direction == direction && $0.role == role }!
                    try copy(model.source, spec, to: "\(owner)/vars/\(i)", b, dtype: dtype)
                }
            }
        }
    }

    private static func copy(_ source: WeightSource, _ spec: RecurrentTensorSpec, to path: String, _ b: HDF5Builder, dtype: DType?) throws {
        guard let info = source.info(spec.name) else {
            throw ELMoKitError(.missingTensor, "\(spec.label): no tensor '\(spec.name)'", file: source.path, tensor: spec.name)
        }
        let stored = dtype ?? info.dtype
        try source.withBytes(spec.name, as: stored) { raw in
            try b.dataset(path, dtype: stored, shape: info.shape, raw: raw)
        }
    }

    // MARK: - A model config for sources that had none

    /// A Functional model config Keras can rebuild the stack from: InputLayer, then each layer fed
    /// by the one before. `keras3`: Keras 3's `config.json` serialisation (`module`,
    /// `registered_name`, `keras_history` nodes), which `.keras` archives need; otherwise the
    /// legacy `model_config` form (Keras 2 nodes), which Keras 3's legacy `.h5` loader reads too.
    static func synthesizedConfig(_ config: RecurrentModelConfig, keras3: Bool) -> JSONValue {
        let inputName = config.kerasLayers.first { $0.className == "InputLayer" }?.name ?? "input"
        func shape(_ width: Int) -> JSONValue { .array([.null, config.timesteps.map { JSONValue($0) } ?? .null, JSONValue(width)]) }
        /// class_name + config (+ module, registered_name in Keras 3 form) + extra members.
        func layerObject(_ className: String, _ body: JSONValue, _ extra: [(String, JSONValue)]) -> JSONValue {
            var members: [(String, JSONValue)] = keras3 ? [("module", JSONValue("keras.layers"))] : []
            members += [("class_name", JSONValue(className)), ("config", body)]
            if keras3 { members.append(("registered_name", .null)) }
            return .object(members + extra)
        }
        var layers: [JSONValue] = [layerObject("InputLayer", .object([
            (keras3 ? "batch_shape" : "batch_input_shape", shape(config.inputDim)), ("dtype", JSONValue("float32")),
            ("sparse", JSONValue(false)), ("name", JSONValue(inputName)),
        ]), [("name", JSONValue(inputName)), ("inbound_nodes", .array([]))])]
        var previous = inputName
        for layer in config.layers {
            let className = layer.isBidirectional ? "Bidirectional" : layer.forward.type.rawValue
            var members: [(String, JSONValue)]
            if let backward = layer.backward {
                let innerName = layer.forward.name.map { $0.hasPrefix("forward_") ? String($0.dropFirst(8)) : $0 } ?? layer.forward.type.snakeName
                members = [("name", JSONValue(layer.name)), ("trainable", JSONValue(true)), ("merge_mode", JSONValue(layer.mergeMode!.rawValue)),
                           ("layer", layerObject(layer.forward.type.rawValue,
                                                 cellConfig(layer.forward, name: innerName, returnSequences: layer.returnSequences), []))]
                var flipped = layer.forward
                flipped.goBackwards.toggle()
                flipped.name = backward.name
                if flipped != backward {
                    members.append(("backward_layer", layerObject(backward.type.rawValue,
                                                                  cellConfig(backward, name: backward.name ?? "backward_" + innerName,
                                                                             returnSequences: layer.returnSequences), [])))
                }
            } else {
                members = cellConfig(layer.forward, name: layer.name, returnSequences: layer.returnSequences).objectValue!
            }
            let node: JSONValue = keras3
                ? .object([("args", .array([.object([("class_name", JSONValue("__keras_tensor__")),
                                                     ("config", .object([("shape", shape(layer.inputDim)), ("dtype", JSONValue("float32")),
                                                                         ("keras_history", .array([JSONValue(previous), JSONValue(0), JSONValue(0)]))]))])])),
                           ("kwargs", .object([]))])
                : .array([.array([JSONValue(previous), JSONValue(0), JSONValue(0), .object([])])])
            var extra: [(String, JSONValue)] = [("name", JSONValue(layer.name)), ("inbound_nodes", .array([node]))]
            if keras3 { extra.insert(("build_config", .object([("input_shape", shape(layer.inputDim))])), at: 0) }
            layers.append(layerObject(className, .object(members), extra))
            previous = layer.name
        }
        let reference = { (name: String) -> JSONValue in .array([JSONValue(name), JSONValue(0), JSONValue(0)]) }
        let body: JSONValue = .object([("name", JSONValue(config.name)), ("trainable", JSONValue(true)), ("layers", .array(layers)),
                                       ("input_layers", keras3 ? reference(inputName) : .array([reference(inputName)])),
                                       ("output_layers", keras3 ? reference(previous) : .array([reference(previous)]))])
        guard keras3 else { return .object([("class_name", JSONValue("Functional")), ("config", body)]) }
        return .object([("module", JSONValue("keras.src.models.functional")), ("class_name", JSONValue("Functional")), ("config", body),
                        ("registered_name", JSONValue("Functional")), ("build_config", .object([("input_shape", .null)]))])
    }

    private static func cellConfig(_ cell: RecurrentCellConfig, name: String, returnSequences: Bool) -> JSONValue {
        func activationName(_ a: Activation) -> String { a == .hardSigmoidKeras2 ? "hard_sigmoid" : a.rawValue }
        var members: [(String, JSONValue)] = [
            ("name", JSONValue(name)), ("trainable", JSONValue(true)), ("dtype", JSONValue("float32")),
            ("return_sequences", JSONValue(returnSequences)), ("return_state", JSONValue(false)),
            ("go_backwards", JSONValue(cell.goBackwards)), ("stateful", JSONValue(false)), ("unroll", JSONValue(false)),
            ("units", JSONValue(cell.units)), ("activation", JSONValue(activationName(cell.activation))),
        ]
        if let r = cell.recurrentActivation { members.append(("recurrent_activation", JSONValue(activationName(r)))) }
        members.append(("use_bias", JSONValue(cell.useBias)))
        if let resetAfter = cell.resetAfter { members.append(("reset_after", JSONValue(resetAfter))) }
        return .object(members)
    }
}
