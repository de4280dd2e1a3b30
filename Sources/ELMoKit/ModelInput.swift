/// Entry points that accept whatever model file a user has and route it to the right
/// architecture: bilm-tf ELMo (HDF5 + options), Keras recurrent models, native checkpoints, and
/// release archives holding an options/weights pair.
public enum ModelInput {
    /// `convert`: any supported input → a native checkpoint.
    public static func convert(_ input: String, optionsPath: String?, vocabularyPath: String? = nil, destination: String,
                               dtype: DType?, force: Bool, progress: Converter.Progress? = nil) throws -> ConversionSummary {
        try InputFile.checkReadable(input)
        if try KerasConverter.handles(input) {
            return try KerasConverter.convert(input, configPath: optionsPath, destination: destination, dtype: dtype, force: force,
                                              progress: progress)
        }
        if let archive = try ReleaseArchive.openIfArchive(input) {
            let pair = try archive.findELMoPair()
            return try Converter.convertELMo(weightsPath: pair.weights, optionsPath: optionsPath ?? pair.options,
                                             vocabularyPath: vocabularyPath,
                                             destination: destination, dtype: dtype, force: force, archive: input,
                                             progress: progress)
        }
        return try Converter.convertELMo(weightsPath: input, optionsPath: optionsPath, vocabularyPath: vocabularyPath,
                                         destination: destination, dtype: dtype, force: force, progress: progress)
    }

    /// `diff`: the tensors of any model file under the names a checkpoint of it would hold, so that
    /// one model compares equal across formats: a Keras file's weights under their `layout: "keras"`
    /// names (`lstm/kernel`, whatever the Keras layout stored them as); any other file as stored.
    /// A Keras file whose layers cannot be understood is compared under its dataset paths.
    public static func tensorsForComparison(_ path: String) throws -> WeightSource {
        if KerasLayout.detect(path) != nil, let model = try? KerasModelFile(path: path) { return model.weights }
        return try openWeights(path)
    }

    /// `export --to hdf5`.
    public static func exportHDF5(_ source: WeightSource, metadata: JSONValue?, to destination: String, dtype: DType?,
                                  force: Bool) throws {
        try HDF5Writer.write(from: source, to: destination, metadata: metadata, dtype: dtype, force: force)
    }

    /// `export --to keras-h5|keras-model-h5|keras-legacy-weights-h5|keras3-weights-h5|keras`: a Keras
    /// recurrent model (converted `.elmk` or Keras file) back in a Keras layout.
    public static func exportKeras(_ input: String, target: String, optionsPath: String?, to destination: String, dtype: DType?,
                                   force: Bool) throws -> (layout: KerasLayout, tensors: Int) {
        try KerasExporter.export(input, target: target, configPath: optionsPath, to: destination, dtype: dtype, force: force)
    }

    /// `validate`: structural findings for the model at `path`, plus integrity for native files.
    /// Unreadable files and options that are not JSON throw (exit 2); everything else is a finding.
    public static func validate(_ path: String, optionsPath: String?) throws -> [Finding] {
        try InputFile.checkReadable(path)
        if KerasLayout.detect(path) != nil { return try KerasValidator.validate(path: path, configPath: optionsPath) }
        let source = try openWeights(path)
        var findings: [Finding] = []
        if let native = source as? NativeCheckpoint {
            for name in native.damagedTensors() {
                findings.append(Finding(.error, ELMoKitError.Code.tensorChecksum.rawValue, tensor: name,
                                        "tensor '\(name)' does not match its CRC-32: data corrupted"))
            }
            if findings.isEmpty {
                do {
                    try native.verifyIntegrity()
                    findings.append(Finding(.note, "INTEGRITY_OK", "integrity verified: \(native.tensorInfos.count) tensor CRC-32s, "
                                            + "zero padding, SHA-256 \(hexString(native.storedSHA256).prefix(16))…"))
                } catch let e as ELMoKitError {
                    findings.append(Finding(.error, e.code.rawValue, e.message))
                }
            }
        }
        if let metadata = KerasConverter.embeddedMetadata(source) {
            return findings + KerasValidator.validate(source: source, metadata: metadata)
        }
        let options: ELMoOptions
        do {
            if let optionsPath {
                try InputFile.checkReadable(optionsPath)
                let json: JSONValue
                do { json = try JSONParser.parse(InputFile.prefix(optionsPath, count: 16 << 20)) } catch let e as ELMoKitError {
                    throw ELMoKitError(.optionsInvalid, "options are not valid JSON: \(e.message)", file: optionsPath)
                }
                options = try ELMoOptions(json: json, file: optionsPath)
            } else {
                options = try ELMoModel.options(for: source, optionsPath: nil)
            }
        } catch let e as ELMoKitError where e.code == .optionsInvalid && !e.message.hasPrefix("options are not valid JSON") {
            findings.append(Finding(.error, e.code.rawValue, e.message))
            return findings
        }
        return findings + ELMoValidator.validate(source: source, options: options) + vocabularyFindings(source, options)
    }

    /// A token-input model runs only with its vocabulary, one token per row of `embedding`: a
    /// checkpoint must carry it (error); a bare weight file needs `--vocab` at run time (warning).
    static func vocabularyFindings(_ source: WeightSource, _ options: ELMoOptions) -> [Finding] {
        guard options.charCNN == nil else { return [] }
        let vocabulary: [String]?
        do { vocabulary = try ELMoModel.vocabulary(for: source, path: nil, options: options) } catch {
            return source is NativeCheckpoint
                ? [Finding(.error, "E_NO_VOCABULARY", "token-input model without its vocabulary: it cannot run (convert it again with --vocab VOCAB.txt)")]
                : [Finding(.warning, "W_NO_VOCABULARY", "token-input model without a vocabulary beside it: embed and verify need --vocab VOCAB.txt")]
        }
        if let vocabulary, let mismatch = ELMoModel.vocabularyMismatch(vocabulary, source) {
            return [Finding(.error, ELMoKitError.Code.shapeMismatch.rawValue, tensor: "embedding", mismatch)]
        }
        return []
    }
}
