import Foundation

/// The Keras file layouts ELMoKit reads and writes. The raw values name them in provenance
/// (`source_format`) and as `export --to` targets.
public enum KerasLayout: String, Sendable, CaseIterable {
    /// Legacy full model, `model.save('x.h5')` (Keras 2, or Keras 3's legacy writer): root
    /// attribute `model_config`, layer groups under `model_weights/`.
    case modelH5 = "keras-model-h5"
    /// Legacy `save_weights('x.h5')`: the same layer groups at the file root, no model config.
    case legacyWeightsH5 = "keras-legacy-weights-h5"
    /// Keras 3 `save_weights('x.weights.h5')`: `layers/<name>/cell/vars/<i>`.
    case weightsH5 = "keras3-weights-h5"
    /// Keras 3 `model.save('x.keras')`: a zip of `config.json`, `metadata.json`, `model.weights.h5`.
    case archive = "keras"

    /// Recognises a Keras file by content: a zip holding `model.weights.h5`; an HDF5 file with
    /// the root attribute `model_config`, `layer_names` or `keras_version`, or a `layers/` group.
    /// Returns nil for anything else (bilm-tf files, native checkpoints) without throwing.
    public static func detect(_ path: String) -> KerasLayout? {
        guard InputFile.isRegularFile(path) else { return nil }  // never open a FIFO to sniff it
        if ZipArchive.hasSignature(path) {
            if path.lowercased().hasSuffix(".keras") { return .archive }
            guard let zip = try? ZipArchive(path: path), zip.entry("model.weights.h5") != nil else { return nil }
            return .archive
        }
        guard HDF5File.hasSignature(path), let file = try? HDF5File(path: path),
              let names = try? file.attributes(at: "/").map(\.name) else { return nil }
        if names.contains("model_config") { return .modelH5 }
        if names.contains("layer_names") { return .legacyWeightsH5 }
        if names.contains("keras_version") { return file.exists("model_weights") ? .modelH5 : .legacyWeightsH5 }
        if file.exists("layers"), !names.contains(HDF5Writer.metadataAttribute) { return .weightsH5 }
        return nil
    }
}

/// A Keras file read and understood as a stack of recurrent layers: its layout, architecture,
/// the findings of checking every stored shape against it, and its weights under the
/// `layout: "keras"` names (`lstm/kernel`, `bidirectional/backward/bias`).
public final class KerasModelFile {
    public let path: String
    public let layout: KerasLayout
    public let config: RecurrentModelConfig
    /// Shape, order, dtype problems and unused datasets; errors make the file unconvertible.
    public let findings: [Finding]
    public let kerasVersion: String?
    public let backend: String?
    /// Where the architecture came from: "model_config", "config.json", an --options path, or nil
    /// when it was inferred from the weights.
    public let configSource: String?
    public let weights: KerasRecurrentWeights

    /// Reads `path`; `configPath` (a Keras model JSON, `.keras` or full-model `.h5`) supplies or
    /// replaces the architecture, as weights-only files need.
    public init(path: String, configPath: String? = nil) throws {
        try InputFile.checkReadable(path)
        guard let layout = KerasLayout.detect(path) else {
            throw ELMoKitError(.unknownFormat, "not a Keras weights file (no model_config, layer_names or layers/ in an HDF5 file, "
                               + "and not a .keras archive)", file: path)
        }
        self.path = path
        self.layout = layout
        let display = layout == .archive ? "\(path)[model.weights.h5]" : path
        var temporary: TemporaryFile? = nil
        var embedded: (json: JSONValue, source: String)? = nil
        var archiveVersion: String? = nil
        let h5: HDF5File
        if layout == .archive {
            let zip = try ZipArchive(path: path)
            guard let entry = zip.entry("model.weights.h5") else {
                throw ELMoKitError(.modelInvalid, "the archive holds no 'model.weights.h5' (entries: \(zip.entries.map(\.name).joined(separator: ", ")))", file: path)
            }
            if let entry = zip.entry("config.json") {
                embedded = (try Self.parseJSON(try zip.read(entry, maxBytes: 64 << 20), what: "config.json", file: path), "config.json")
            }
            if let entry = zip.entry("metadata.json"),
               let metadata = try? JSONParser.parse(try zip.read(entry, maxBytes: 1 << 20)) {
                archiveVersion = metadata["keras_version"]?.stringValue
            }
            temporary = try zip.extractToTemporaryFile(entry, suffix: ".h5")
            h5 = try Self.renaming(display) { try HDF5File(path: temporary!.path) }
        } else {
            h5 = try HDF5File(path: path)
        }
        let stored: KerasStoredWeights = try Self.renaming(display) {
            switch layout {
            case .modelH5: return try KerasLegacyH5.read(h5, root: "model_weights")
            case .legacyWeightsH5: return try KerasLegacyH5.read(h5, root: "")
            case .weightsH5, .archive: return try KerasV3Weights.read(h5)
            }
        }
        if layout == .modelH5, let text = h5.kerasString("model_config", at: "/") {
            embedded = (try Self.parseJSON(Array(text.utf8), what: "the model_config attribute", file: path), "model_config")
        }
        var chosen = embedded
        if let configPath {
            chosen = (try Self.loadConfig(configPath), configPath)
        }
        kerasVersion = stored.kerasVersion ?? archiveVersion
        backend = stored.backend
        configSource = chosen?.source
        let stem = URL(fileURLWithPath: path).lastPathComponent.split(separator: ".").first.map(String.init) ?? "model"
        let architecture: KerasArchitecture
        if let chosen {
            let spec = try KerasModelSpec(json: chosen.json, file: configPath ?? path)
            let major = Self.major(kerasVersion) ?? ((layout == .weightsH5 || layout == .archive) ? 3 : spec.serialisationMajor)
            architecture = try KerasArchitecture(stored: stored, spec: spec, kerasMajor: major, file: path, fallbackName: stem)
        } else {
            let name = h5.kerasString("name", at: "vars") ?? stem
            architecture = try KerasArchitecture(stored: stored, file: path, modelName: name,
                                                 inputLayerName: h5.kerasString("name", at: "layers/input_layer/vars"))
        }
        var findings = architecture.findings
        for other in stored.otherDatasets {
            findings.append(Finding(.warning, "W_UNUSED_TENSOR", tensor: other, "dataset '\(other)' belongs to no recurrent layer and is not used"))
        }
        config = architecture.config
        self.findings = findings
        weights = KerasRecurrentWeights(path: path, displayPath: display, file: h5, tensors: architecture.tensors, keepAlive: temporary)
    }

    /// Errors that name the extracted temp file name the archive member instead.
    private static func renaming<T>(_ display: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch var error as ELMoKitError {
            if let file = error.file, file.contains("/elmokit-") { error.file = display }
            throw error
        }
    }

    private static func parseJSON(_ bytes: [UInt8], what: String, file: String) throws -> JSONValue {
        do { return try JSONParser.parse(bytes) } catch let e as ELMoKitError {
            throw ELMoKitError(.modelInvalid, "\(what) is not valid JSON: \(e.message)", file: file)
        }
    }

    /// A model config from a JSON file (`model.to_json()`, a `config.json`), a `.keras` archive or
    /// a full-model `.h5`.
    static func loadConfig(_ path: String) throws -> JSONValue {
        try InputFile.checkReadable(path)
        switch KerasLayout.detect(path) {
        case .archive?:
            let zip = try ZipArchive(path: path)
            guard let entry = zip.entry("config.json") else {
                throw ELMoKitError(.modelInvalid, "the archive holds no config.json", file: path)
            }
            return try parseJSON(try zip.read(entry, maxBytes: 64 << 20), what: "config.json", file: path)
        case .modelH5?:
            guard let text = try HDF5File(path: path).kerasString("model_config", at: "/") else {
                throw ELMoKitError(.modelInvalid, "no model_config attribute", file: path)
            }
            return try parseJSON(Array(text.utf8), what: "the model_config attribute", file: path)
        case .some:
            throw ELMoKitError(.usage, "a weights-only file holds no model config; pass a model JSON, .keras or full-model .h5", file: path)
        case nil:
            return try parseJSON(InputFile.prefix(path, count: 64 << 20), what: "the model config", file: path)
        }
    }

    static func major(_ version: String?) -> Int? {
        version.flatMap { $0.split(separator: ".").first }.flatMap { Int($0) }
    }
}

/// A Keras file's weights under the `layout: "keras"` names, read from the stored datasets on
/// demand (shapes and values as stored: no reordering). Keeps an archive's extracted
/// `model.weights.h5` alive for as long as it is needed.
public final class KerasRecurrentWeights: WeightSource {
    public let path: String
    public let tensorInfos: [TensorInfo]
    let displayPath: String
    let file: HDF5File
    let tensors: [String: KerasStoredTensor]
    private let keepAlive: TemporaryFile?

    init(path: String, displayPath: String, file: HDF5File, tensors: [String: KerasStoredTensor], keepAlive: TemporaryFile?) {
        self.path = path
        self.displayPath = displayPath
        self.file = file
        self.tensors = tensors
        self.keepAlive = keepAlive
        tensorInfos = tensors.compactMap { name, t in t.storedType.lossless.map { TensorInfo(name: name, dtype: $0, shape: t.shape) } }
            .sorted { NativeFormat.canonicalOrder($0.name, $1.name) }
    }

    /// The dataset a tensor name maps to.
    public func storedPath(_ name: String) -> String? { tensors[name]?.path }

    public func float32(_ name: String) throws -> FloatTensor {
        guard let info = info(name), let stored = tensors[name] else { throw missing(name) }
        return FloatTensor(name: name, shape: info.shape, array: try read { try file.readFloat32(stored.path) })
    }

    public func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let info = info(name), let stored = tensors[name] else { throw missing(name) }
        let bytes = try read { try file.readBytes(stored.path, as: dtype ?? info.dtype) }
        return try bytes.withUnsafeBytes(body)
    }

    private func read<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch var error as ELMoKitError {
            if error.file == file.path { error.file = displayPath }
            throw error
        }
    }

    private func missing(_ name: String) -> ELMoKitError {
        ELMoKitError(.missingTensor, "no tensor '\(name)'", file: path, tensor: name)
    }
}
