/// The JSON form of `RecurrentModelConfig`: the `config` object of a native checkpoint with
/// `architecture: "keras-recurrent"`. docs/FORMAT.md documents every key. Parsing is strict: a
/// missing or mistyped key is an error naming the layer and the key, never a silent default.
extension RecurrentModelConfig {
    /// Bumped only for changes an older reader would misread.
    public static let jsonVersion = 1

    public var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("version", JSONValue(Self.jsonVersion)),
            ("name", JSONValue(name)),
            ("input_dim", JSONValue(inputDim)),
            ("timesteps", timesteps.map { JSONValue($0) } ?? .null),
            ("layers", .array(layers.map(\.json))),
            ("keras_layers", .array(kerasLayers.map { .object([("name", JSONValue($0.name)), ("class_name", JSONValue($0.className))]) })),
            ("notes", .array(notes.map { JSONValue($0) })),
        ]
        if let kerasModelConfig { members.append(("keras_model_config", kerasModelConfig)) }
        return .object(members)
    }

    public init(json: JSONValue, file: String? = nil) throws {
        let r = JSONReader(json, context: "config", file: file)
        let version = try r.int("version")
        guard version == Self.jsonVersion else {
            throw r.error("config version \(version) is not supported (this reader reads \(Self.jsonVersion))")
        }
        let layers = try r.array("layers").enumerated().map { i, item in
            try RecurrentLayerConfig(json: item, context: "layers[\(i)]", file: file)
        }
        guard !layers.isEmpty else { throw r.error("'layers' is empty") }
        let kerasLayers = try r.array("keras_layers").enumerated().map { i, item in
            let l = JSONReader(item, context: "keras_layers[\(i)]", file: file)
            return KerasLayerRef(name: try l.string("name"), className: try l.string("class_name"))
        }
        self.init(name: try r.string("name"), inputDim: try r.positiveInt("input_dim"),
                  timesteps: try r.optional("timesteps") { try $0.positiveInt("timesteps") },
                  layers: layers, kerasLayers: kerasLayers, kerasModelConfig: json["keras_model_config"],
                  notes: try r.array("notes").map { try JSONReader($0, context: "notes", file: file).stringValue() })
        for (previous, layer) in zip(layers, layers.dropFirst()) where layer.inputDim != previous.outputDim {
            throw r.error("layer '\(layer.name)' has input_dim \(layer.inputDim), but layer '\(previous.name)' outputs \(previous.outputDim)")
        }
        if layers[0].inputDim != inputDim {
            throw r.error("layer '\(layers[0].name)' has input_dim \(layers[0].inputDim), the model input_dim is \(inputDim)")
        }
        if let early = layers.dropLast().first(where: { !$0.returnSequences }) {
            throw r.error("layer '\(early.name)' returns only its final state (return_sequences false) but feeds another recurrent layer")
        }
    }
}

extension RecurrentLayerConfig {
    var json: JSONValue {
        var members: [(String, JSONValue)] = [
            ("name", JSONValue(name)),
            ("input_dim", JSONValue(inputDim)),
            ("return_sequences", JSONValue(returnSequences)),
        ]
        if let backward {
            members.append(("type", JSONValue("Bidirectional")))
            members.append(("merge_mode", JSONValue(mergeMode!.rawValue)))
            members.append(("forward", forward.json))
            members.append(("backward", backward.json))
        } else {
            members += forward.jsonMembers
        }
        var names: [(String, JSONValue)] = []
        if let weightNames = sourceNames.weightNames { names.append(("weight_names", .array(weightNames.map { JSONValue($0) }))) }
        if let objectPath = sourceNames.objectPath { names.append(("object_path", JSONValue(objectPath))) }
        if !names.isEmpty { members.append(("source_names", .object(names))) }
        return .object(members)
    }

    init(json: JSONValue, context: String, file: String?) throws {
        let r = JSONReader(json, context: context, file: file)
        let name = try r.string("name")
        let ctx = "layer '\(name)'"
        let lr = JSONReader(json, context: ctx, file: file)
        let type = try lr.string("type")
        var sourceNames = SourceNames()
        if let names = json["source_names"] {
            let n = JSONReader(names, context: "\(ctx) source_names", file: file)
            sourceNames.weightNames = try n.optional("weight_names") { try $0.array("weight_names").map { try JSONReader($0, context: ctx, file: file).stringValue() } }
            sourceNames.objectPath = try n.optional("object_path") { try $0.string("object_path") }
        }
        let forward: RecurrentCellConfig, backward: RecurrentCellConfig?, merge: MergeMode?
        if type == "Bidirectional" {
            let mode = try lr.string("merge_mode")
            guard let m = MergeMode(rawValue: mode) else { throw lr.error("merge_mode '\(mode)' is not one of concat, sum, mul, ave") }
            forward = try RecurrentCellConfig(json: try lr.value("forward"), context: "\(ctx) forward", file: file, named: true)
            backward = try RecurrentCellConfig(json: try lr.value("backward"), context: "\(ctx) backward", file: file, named: true)
            merge = m
            if m != .concat, forward.units != backward!.units {
                throw lr.error("merge_mode \(mode) needs equal units, forward has \(forward.units), backward \(backward!.units)")
            }
        } else {
            forward = try RecurrentCellConfig(json: json, context: ctx, file: file, named: false)
            backward = nil
            merge = nil
        }
        self.init(name: name, inputDim: try lr.positiveInt("input_dim"), returnSequences: try lr.bool("return_sequences"),
                  forward: forward, backward: backward, mergeMode: merge, sourceNames: sourceNames)
    }
}

extension RecurrentCellConfig {
    var json: JSONValue {
        .object((name.map { [("name", JSONValue($0))] } ?? []) + jsonMembers)
    }

    /// The cell keys, shared by a plain layer's object and a Bidirectional's `forward`/`backward`.
    var jsonMembers: [(String, JSONValue)] {
        var members: [(String, JSONValue)] = [
            ("type", JSONValue(type.rawValue)),
            ("units", JSONValue(units)),
            ("activation", JSONValue(activation.rawValue)),
        ]
        if let recurrentActivation { members.append(("recurrent_activation", JSONValue(recurrentActivation.rawValue))) }
        members.append(("use_bias", JSONValue(useBias)))
        if let resetAfter { members.append(("reset_after", JSONValue(resetAfter))) }
        members.append(("go_backwards", JSONValue(goBackwards)))
        return members
    }

    /// `named`: the object is a Bidirectional direction, whose `name` is the cell's own; a plain
    /// layer's `name` is the layer's.
    init(json: JSONValue, context: String, file: String?, named: Bool) throws {
        let r = JSONReader(json, context: context, file: file)
        let typeName = try r.string("type")
        guard let type = RecurrentCellType(rawValue: typeName) else {
            throw r.error("type '\(typeName)' is not one of SimpleRNN, LSTM, GRU, Bidirectional")
        }
        let activation = try r.activation("activation")
        let recurrent: Activation? = type == .simpleRNN ? nil : try r.activation("recurrent_activation")
        let resetAfter: Bool? = type == .gru ? try r.bool("reset_after") : nil
        self.init(name: named ? try r.optional("name") { try $0.string("name") } : nil, type: type, units: try r.positiveInt("units"),
                  activation: activation, recurrentActivation: recurrent, useBias: try r.bool("use_bias"),
                  resetAfter: resetAfter, goBackwards: try r.bool("go_backwards"))
    }
}

/// Typed access to one JSON object with errors that say where: "<file>: config layer 'lstm': …".
struct JSONReader {
    let value: JSONValue
    let context: String
    let file: String?

    init(_ value: JSONValue, context: String, file: String?) {
        self.value = value
        self.context = context
        self.file = file
    }

    func error(_ message: String) -> ELMoKitError {
        ELMoKitError(.modelInvalid, "\(context): \(message)", file: file)
    }

    func value(_ key: String) throws -> JSONValue {
        guard case .object = value else { throw error("expected a JSON object") }
        guard let v = value[key] else { throw error("missing key '\(key)'") }
        return v
    }

    func optional<T>(_ key: String, _ read: (JSONReader) throws -> T) throws -> T? {
        guard let v = value[key], v != .null else { return nil }
        return try read(self)
    }

    func string(_ key: String) throws -> String {
        guard let s = try value(key).stringValue else { throw error("'\(key)' must be a string") }
        return s
    }

    func stringValue() throws -> String {
        guard let s = value.stringValue else { throw error("expected a string") }
        return s
    }

    func bool(_ key: String) throws -> Bool {
        guard let b = try value(key).boolValue else { throw error("'\(key)' must be true or false") }
        return b
    }

    func int(_ key: String) throws -> Int {
        guard let i = try value(key).intValue else { throw error("'\(key)' must be an integer") }
        return i
    }

    func positiveInt(_ key: String) throws -> Int {
        let i = try int(key)
        guard i > 0, i <= 1 << 24 else { throw error("'\(key)' must be in 1...\(1 << 24), got \(i)") }
        return i
    }

    func array(_ key: String) throws -> [JSONValue] {
        guard let a = try value(key).arrayValue else { throw error("'\(key)' must be a list") }
        return a
    }

    func activation(_ key: String) throws -> Activation {
        let name = try string(key)
        guard let a = Activation(rawValue: name) else {
            throw error("'\(key)' is '\(name)'; supported: \(Activation.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return a
    }
}
