/// `validate` for Keras recurrent models: every tensor checked against the architecture (the
/// model config, or what the weights imply), every mismatch named with its layer, tensor and
/// expected vs actual shape; NaN/Inf values; unused datasets; and the reader's assumptions as notes.
public enum KerasValidator {
    /// Errors that mean "this file is not a model we can run" become findings; errors that mean
    /// "cannot read the file" (not HDF5, corrupt zip, bad JSON) still throw (exit 2).
    static let structural: Set<ELMoKitError.Code> = [.modelInvalid, .missingTensor, .shapeMismatch, .unsupportedDType]

    /// A Keras file (any layout); `configPath` supplies the architecture of a weights-only file.
    public static func validate(path: String, configPath: String?) throws -> [Finding] {
        let model: KerasModelFile
        do {
            model = try KerasModelFile(path: path, configPath: configPath)
        } catch let e as ELMoKitError where structural.contains(e.code) {
            return [Finding(.error, e.code.rawValue, tensor: e.tensor, e.message)]
        }
        var findings = model.config.notes.map { Finding(.note, "KERAS_NOTE", $0) }
        findings += model.findings
        findings += nonFinite(model.weights, label: { model.weights.storedPath($0) ?? $0 })
        return findings
    }

    /// A converted checkpoint (or an export of one): its embedded config parsed, then every
    /// tensor checked against it.
    public static func validate(source: WeightSource, metadata: JSONValue) -> [Finding] {
        let config: RecurrentModelConfig
        do {
            config = try KerasConverter.config(of: metadata, file: source.path)
        } catch let e as ELMoKitError {
            return [Finding(.error, e.code.rawValue, e.message)]
        } catch {
            return [Finding(.error, ELMoKitError.Code.modelInvalid.rawValue, "\(error)")]
        }
        var findings = config.notes.map { Finding(.note, "KERAS_NOTE", $0) }
        var expected = Set<String>()
        for spec in config.expectedTensors {
            expected.insert(spec.name)
            guard let info = source.info(spec.name) else {
                findings.append(Finding(.error, "E_MISSING_TENSOR", tensor: spec.name,
                                        "\(spec.label): missing tensor '\(spec.name)', expected shape \(shapeText(spec.shape))"))
                continue
            }
            if info.shape != spec.shape {
                findings.append(Finding(.error, "E_SHAPE_MISMATCH", tensor: spec.name,
                                        "\(spec.label): tensor '\(spec.name)' has shape \(shapeText(info.shape)), expected \(shapeText(spec.shape))"))
            }
        }
        for info in source.tensorInfos where !expected.contains(info.name) {
            findings.append(Finding(.warning, "W_UNUSED_TENSOR", tensor: info.name, "tensor '\(info.name)' is not used by the config"))
        }
        findings += nonFinite(source, label: { $0 })
        return findings
    }

    private static func nonFinite(_ source: WeightSource, label: (String) -> String) -> [Finding] {
        source.tensorInfos.compactMap { info in
            guard let stats = try? source.float32(info.name).withValues({ TensorStatistics($0) }),
                  stats.nanCount > 0 || stats.infCount > 0 else { return nil }
            return Finding(.error, "E_NON_FINITE", tensor: label(info.name),
                           "tensor '\(info.name)' ('\(label(info.name))') holds \(stats.nanCount) NaN and \(stats.infCount) Inf values")
        }
    }
}
