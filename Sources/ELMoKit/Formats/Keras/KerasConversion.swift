import Foundation

/// `convert` for Keras recurrent models: any Keras layout → a native checkpoint with
/// `architecture: "keras-recurrent"`, `layout: "keras"`. Tensors are copied as stored (Keras
/// shapes and gate orders, no arithmetic) unless `dtype` asks for another precision.
public enum KerasConverter {
    public static let architecture = "keras-recurrent"
    public static let layout = "keras"

    /// True when `convert` should take the Keras route: a Keras file, or a file ELMoKit wrote for
    /// a Keras recurrent model (`.elmk`, or an `export --to hdf5|safetensors` of one).
    public static func handles(_ input: String) throws -> Bool {
        if KerasLayout.detect(input) != nil { return true }
        guard let source = try? openWeights(input) else { return false }
        return embeddedMetadata(source) != nil
    }

    /// Converts a Keras file, or re-writes a Keras recurrent model ELMoKit wrote (e.g. to change
    /// dtype, or to restore an `.elmk` from its HDF5 / safetensors export with the same metadata).
    /// Refuses, naming the first problem, when any stored shape does not fit the architecture.
    public static func convert(_ input: String, configPath: String?, destination: String, dtype: DType?, force: Bool,
                               progress: Converter.Progress? = nil) throws -> ConversionSummary {
        if KerasLayout.detect(input) == nil {
            let source = try openWeights(input)
            guard let metadata = embeddedMetadata(source) else {
                throw ELMoKitError(.unknownFormat, "not a Keras recurrent model", file: input)
            }
            guard configPath == nil else {
                throw ELMoKitError(.usage, "this file embeds its config; --options applies to Keras files only", file: input)
            }
            if let native = source as? NativeCheckpoint { try native.verifyIntegrity() }
            _ = try RecurrentModel(weights: source, config: try config(of: metadata, file: input))
            var members = metadata.objectValue ?? []
            if let index = members.firstIndex(where: { $0.0 == "provenance" }), var provenance = members[index].1.objectValue {
                provenance.removeAll { $0.0 == "converted_dtype" }
                provenance.append(("converted_dtype", JSONValue(dtype?.description ?? "keep")))
                members[index].1 = .object(provenance)
            }
            return try Converter.write(source: source, metadata: .object(members), destination: destination, dtype: dtype,
                                       force: force, progress: progress)
        }
        let model = try KerasModelFile(path: input, configPath: configPath)
        try requireValid(model)
        return try Converter.write(source: model.weights, metadata: try metadata(model, configPath: configPath, dtype: dtype),
                                   destination: destination, dtype: dtype, force: force, progress: progress)
    }

    /// Throws the first error finding, with the count of the others (`validate` lists them all).
    static func requireValid(_ model: KerasModelFile) throws {
        let errors = model.findings.filter { $0.severity == .error }
        guard let first = errors.first else { return }
        let more = errors.count > 1 ? " (and \(errors.count - 1) more problems; run 'elmokit validate')" : ""
        throw ELMoKitError(first.code == "E_MISSING_TENSOR" ? .missingTensor : first.code == "E_UNSUPPORTED_DTYPE" ? .unsupportedDType : .shapeMismatch,
                           "weights do not fit the architecture: \(first.message)\(more)", file: model.path, tensor: first.tensor)
    }

    /// architecture, config, layout, runtime (nothing: Keras adds no constants at run time), provenance.
    static func metadata(_ model: KerasModelFile, configPath: String?, dtype: DType?) throws -> JSONValue {
        var provenance: [(String, JSONValue)] = [
            ("source_format", JSONValue(model.layout.rawValue)),
            ("source_file", JSONValue(URL(fileURLWithPath: model.path).lastPathComponent)),
            ("source_sha256", JSONValue(hexString(try SHA256.hash(file: model.path)))),
        ]
        if let configPath {
            provenance.append(("config_file", JSONValue(URL(fileURLWithPath: configPath).lastPathComponent)))
            provenance.append(("config_sha256", JSONValue(hexString(try SHA256.hash(file: configPath)))))
        }
        if let version = model.kerasVersion { provenance.append(("keras_version", JSONValue(version))) }
        if let backend = model.backend { provenance.append(("keras_backend", JSONValue(backend))) }
        provenance.append(("tool", JSONValue("elmokit \(ELMoKitVersion.string)")))
        provenance.append(("converted_dtype", JSONValue(dtype?.description ?? "keep")))
        return .object([
            ("architecture", JSONValue(architecture)),
            ("config", model.config.json),
            ("layout", JSONValue(layout)),
            ("runtime", .object([])),
            ("provenance", .object(provenance)),
        ])
    }

    /// The native metadata of a Keras recurrent model that `source` carries: a native file's own,
    /// the `elmokit_metadata` attribute of an HDF5 export, or a safetensors export's
    /// `__metadata__` (whose values are JSON strings). nil for anything else.
    static func embeddedMetadata(_ source: WeightSource) -> JSONValue? {
        let metadata = source.embeddedMetadata
        return metadata?["architecture"]?.stringValue == architecture ? metadata : nil
    }

    static func config(of metadata: JSONValue, file: String) throws -> RecurrentModelConfig {
        guard let json = metadata["config"] else {
            throw ELMoKitError(.nativeMetadata, "metadata has no 'config'", file: file)
        }
        return try RecurrentModelConfig(json: json, file: file)
    }
}

extension RecurrentModel {
    /// Opens any file holding a Keras recurrent model: a Keras file (`configPath` gives a
    /// weights-only one its architecture), a keras-recurrent `.elmk` (integrity checked first),
    /// or an HDF5 / safetensors export of one.
    public static func load(path: String, configPath: String? = nil) throws -> RecurrentModel {
        try InputFile.checkReadable(path)
        if KerasLayout.detect(path) != nil {
            let model = try KerasModelFile(path: path, configPath: configPath)
            try KerasConverter.requireValid(model)
            return try RecurrentModel(weights: model.weights, config: model.config)
        }
        let source = try openWeights(path)
        guard let metadata = KerasConverter.embeddedMetadata(source) else {
            throw ELMoKitError(.usage, "not a Keras recurrent model (a Keras file, or a checkpoint with architecture '\(KerasConverter.architecture)')",
                               file: path)
        }
        if let native = source as? NativeCheckpoint { try native.verifyIntegrity() }
        return try RecurrentModel(weights: source, config: try KerasConverter.config(of: metadata, file: path))
    }
}
