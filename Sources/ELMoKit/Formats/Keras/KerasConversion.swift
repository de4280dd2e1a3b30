import Foundation

/// `convert` for Keras recurrent models: any Keras layout → a native checkpoint with
/// `architecture: "keras-recurrent"`, `layout: "keras"`. Tensors are copied as stored (Keras
/// shapes and gate orders, no arithmetic) unless `dtype` asks for another precision.
public enum KerasConverter {
    public static let architecture = "keras-recurrent"
    public static let layout = "keras"

    /// Converts a Keras file (or re-writes a keras-recurrent `.elmk`, e.g. to change dtype).
    /// Refuses, naming the first problem, when any stored shape does not fit the architecture.
    public static func convert(_ input: String, configPath: String?, destination: String, dtype: DType?, force: Bool,
                               progress: Converter.Progress? = nil) throws -> ConversionSummary {
        if let native = try nativeKerasCheckpoint(input) {
            try native.verifyIntegrity()
            guard configPath == nil else {
                throw ELMoKitError(.usage, "a converted checkpoint embeds its config; --options applies to Keras files only", file: input)
            }
            _ = try RecurrentModel(weights: native, config: try config(of: native))
            var members = native.metadata.objectValue ?? []
            if let index = members.firstIndex(where: { $0.0 == "provenance" }), var provenance = members[index].1.objectValue {
                provenance.removeAll { $0.0 == "converted_dtype" }
                provenance.append(("converted_dtype", JSONValue(dtype?.description ?? "keep")))
                members[index].1 = .object(provenance)
            }
            return try Converter.write(source: native, metadata: .object(members), destination: destination, dtype: dtype,
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

    /// The checkpoint at `path` if it is a native file holding a Keras recurrent model.
    static func nativeKerasCheckpoint(_ path: String) throws -> NativeCheckpoint? {
        guard InputFile.prefix(path, count: 8) == NativeFormat.magic else { return nil }
        let native = try NativeCheckpoint(path: path)
        return native.metadata["architecture"]?.stringValue == architecture ? native : nil
    }

    static func config(of native: NativeCheckpoint) throws -> RecurrentModelConfig {
        guard let json = native.metadata["config"] else {
            throw ELMoKitError(.nativeMetadata, "metadata has no 'config'", file: native.path)
        }
        return try RecurrentModelConfig(json: json, file: native.path)
    }
}

extension RecurrentModel {
    /// Opens any file holding a Keras recurrent model: a keras-recurrent `.elmk` (integrity checked
    /// first) or a Keras file, with `configPath` for a weights-only one.
    public static func load(path: String, configPath: String? = nil) throws -> RecurrentModel {
        try InputFile.checkReadable(path)
        if InputFile.prefix(path, count: 8) == NativeFormat.magic {
            guard let native = try KerasConverter.nativeKerasCheckpoint(path) else {
                throw ELMoKitError(.usage, "this checkpoint is not a Keras recurrent model (architecture is not '\(KerasConverter.architecture)')", file: path)
            }
            try native.verifyIntegrity()
            return try RecurrentModel(weights: native, config: try KerasConverter.config(of: native))
        }
        let model = try KerasModelFile(path: path, configPath: configPath)
        try KerasConverter.requireValid(model)
        return try RecurrentModel(weights: model.weights, config: model.config)
    }
}
