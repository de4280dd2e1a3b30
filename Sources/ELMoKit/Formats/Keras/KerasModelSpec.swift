/// A Keras model config (`model_config` of a legacy `.h5`, `config.json` of a `.keras`, or
/// `model.to_json()`), reduced to its layers in order. Understands Functional/Model and
/// Sequential, Keras 2 and Keras 3 serialisations; the JSON itself is kept verbatim.
struct KerasModelSpec {
    struct Layer {
        let name: String
        let className: String
        /// The layer's `config` object.
        let config: JSONValue
        /// Names of the layers feeding this one (Functional only; nil for Sequential).
        let inbound: [String]?
    }

    let name: String
    let className: String
    let layers: [Layer]
    /// The model's output layer names (Functional only).
    let outputs: [String]?
    let json: JSONValue
    /// 3 when the config is in Keras 3's serialisation (`module` keys, `batch_shape`), else 2.
    let serialisationMajor: Int

    /// Layers that hold no weights and are the identity at inference: skipped, with a note.
    static let passThrough: Set<String> = ["Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout",
                                           "AlphaDropout", "ActivityRegularization"]

    init(json: JSONValue, file: String) throws {
        func invalid(_ message: String) -> ELMoKitError { ELMoKitError(.modelInvalid, "model config: \(message)", file: file) }
        guard case .object = json else { throw invalid("expected a JSON object") }
        // A `.keras` config.json or a legacy model_config: {"class_name": …, "config": {…}}.
        guard let className = json["class_name"]?.stringValue else { throw invalid("no 'class_name'") }
        self.className = className
        self.json = json
        let config = json["config"]
        var layerItems: [JSONValue]
        switch config {
        case let .array(items)?:  // Keras 2.0/2.1 Sequential: the config is the layer list.
            layerItems = items
            name = className
        case let .object(members)?:
            guard let items = config?["layers"]?.arrayValue else {
                throw invalid("'\(className)' has no 'layers' list (nested or subclassed models are not supported)")
            }
            layerItems = items
            name = members.first { $0.0 == "name" }?.1.stringValue ?? className
        default:
            throw invalid("no 'config' object")
        }
        guard ["Functional", "Model", "Sequential"].contains(className) else {
            throw invalid("a '\(className)' model is not supported; expected Functional, Model or Sequential")
        }
        var hasModuleKeys = json["module"] != nil
        var layers: [Layer] = []
        for (i, item) in layerItems.enumerated() {
            guard let layerClass = item["class_name"]?.stringValue, let layerConfig = item["config"], case .object = layerConfig else {
                throw invalid("layer \(i) has no 'class_name' and 'config'")
            }
            guard let layerName = item["name"]?.stringValue ?? layerConfig["name"]?.stringValue else {
                throw invalid("layer \(i) (\(layerClass)) has no name")
            }
            if item["module"] != nil || layerConfig["batch_shape"] != nil { hasModuleKeys = true }
            let inbound = className == "Sequential" ? nil : Self.layerReferences(item["inbound_nodes"] ?? .array([]))
            layers.append(Layer(name: layerName, className: layerClass, config: layerConfig, inbound: inbound))
        }
        self.layers = layers
        outputs = (className == "Sequential") ? nil : config?["output_layers"].map { Self.layerReferences($0) }
        serialisationMajor = hasModuleKeys ? 3 : 2
    }

    /// The input feature count and time steps an InputLayer (or a Keras 2 first layer) declares.
    var inputShape: (timesteps: Int?, features: Int)? {
        for layer in layers {
            let shape = layer.config["batch_shape"] ?? layer.config["batch_input_shape"]
            if let dims = shape?.arrayValue, dims.count == 3, let features = dims[2].intValue {
                return (dims[1].intValue, features)
            }
        }
        return nil
    }

    /// Layer names referenced by `inbound_nodes` or `output_layers` in either serialisation:
    /// Keras 2 `[["input", 0, 0, {}]]`, Keras 3 `{"args": [{"config": {"keras_history": ["input", 0, 0]}}]}`.
    /// Every array that starts with a string followed by two integers is a reference.
    static func layerReferences(_ value: JSONValue) -> [String] {
        var names: [String] = []
        func walk(_ v: JSONValue) {
            switch v {
            case let .array(items):
                if items.count >= 3, let name = items[0].stringValue, items[1].intValue != nil, items[2].intValue != nil {
                    if !names.contains(name) { names.append(name) }
                } else {
                    items.forEach(walk)
                }
            case let .object(members): members.forEach { walk($0.1) }
            default: break
            }
        }
        walk(value)
        return names
    }
}

/// Keras' `naming.to_snake_case`: the stem of Keras 3 object paths (`SimpleRNN` → `simple_rnn`).
func kerasSnakeCase(_ name: String) -> String {
    let chars = Array(name.filter { $0.isLetter || $0.isNumber || $0 == "_" })
    var out = ""
    for (i, c) in chars.enumerated() {
        if i > 0, c.isUppercase {
            let previous = chars[i - 1]
            let nextIsLower = i + 1 < chars.count && chars[i + 1].isLowercase
            // "(.)([A-Z][a-z]+)" then "([a-z])([A-Z])" in Keras' two regex passes.
            if previous.isLowercase || (nextIsLower && previous != "_") { out.append("_") }
        }
        out.append(c)
    }
    return out.lowercased()
}
