import Foundation

/// What `convert` did, for the command's report.
public struct ConversionSummary: Sendable {
    public let output: String
    public let tensorCount: Int
    public let bytes: Int
    public let sha256: String
    public let metadata: JSONValue
    /// What the conversion changed that a user should know, e.g. values beyond float16's range.
    public var warnings: [String] = []
}

/// Converts weight files into the native format, streaming tensor by tensor: memory holds one
/// tensor at a time. No arithmetic is done on values unless `dtype` asks for a narrower type.
public enum Converter {
    public typealias Progress = (_ done: Int, _ total: Int) -> Void

    /// Converts an ELMo model (HDF5, native or safetensors weights). Options come from
    /// `optionsPath`, from metadata the input embeds (a native file, or an `elmokit export`), or
    /// from the one options file beside it (`ELMoModel.optionsBeside`).
    /// - Parameter archive: the release archive the weights were extracted from, recorded in the provenance.
    public static func convertELMo(weightsPath: String, optionsPath: String?, vocabularyPath: String? = nil,
                                   destination: String, dtype: DType?,
                                   force: Bool, archive: String? = nil, progress: Progress? = nil) throws -> ConversionSummary {
        let source = try openWeights(weightsPath)
        if let native = source as? NativeCheckpoint { try native.verifyIntegrity() }
        if let h5 = source as? HDF5Weights, let other = h5.nonFloatDatasets.first {
            throw ELMoKitError(.unsupportedDType, "dataset '\(other.path)' holds \(other.type); weights must be float",
                               file: weightsPath, tensor: other.path)
        }
        let (options, optionsPath) = try ELMoModel.resolveOptions(for: source, optionsPath: optionsPath)
        // Refuse to write a checkpoint whose tensors do not fit its own config.
        let errors = ELMoValidator.validate(source: source, options: options, checkValues: false).filter { $0.severity == .error }
        guard errors.isEmpty else {
            // A corrupt dataset is not a shape mismatch: it keeps its code.
            let corrupt = errors.allSatisfy { $0.code == ELMoKitError.Code.hdf5Corrupt.rawValue }
            let code: ELMoKitError.Code = corrupt ? .hdf5Corrupt : .shapeMismatch
            throw ELMoKitError(code, "weights do not match the options (\(errors.count) problems; run 'elmokit validate'): "
                               + errors.prefix(3).map(\.message).joined(separator: "; "), file: weightsPath,
                               tensor: errors.count == 1 ? errors[0].tensor : nil)
        }
        // The source's SHA-256 (provenance) is computed on one thread while the other streams the
        // tensors; the header, which holds it, is written last (NativeWriter.writeConcurrently).
        let vocabulary = try ELMoModel.vocabulary(for: source, path: vocabularyPath, options: options)
        if let vocabulary, let mismatch = ELMoModel.vocabularyMismatch(vocabulary, source) {
            throw ELMoKitError(.shapeMismatch, mismatch, file: vocabularyPath ?? weightsPath, tensor: "embedding")
        }
        let metadata = { (hash: () throws -> String) throws -> JSONValue in
            var metadata = try elmoMetadata(source: source, options: options, optionsPath: optionsPath, dtype: dtype,
                                            archive: archive, sourceHash: hash)
            // Token-input models need their vocabulary to run: it travels inside the checkpoint.
            if let vocabulary, case var .object(members) = metadata {
                members.append(("vocabulary", .array(vocabulary.map { JSONValue($0) })))
                metadata = .object(members)
            }
            return metadata
        }
        let placeholder = try metadata { String(repeating: "0", count: 64) }
        return try write(source: source, placeholder: placeholder, destination: destination, dtype: dtype, force: force,
                         progress: progress) {
            try metadata { hexString(try SHA256.hash(file: source.path)) }
        }
    }

    /// The native metadata: architecture, verbatim config, runtime constants, provenance. An input
    /// written by `elmokit export` keeps the provenance of the checkpoint it was exported from.
    static func elmoMetadata(source: WeightSource, options: ELMoOptions, optionsPath: String?, dtype: DType?,
                             archive: String? = nil, sourceHash: () throws -> String) throws -> JSONValue {
        let inherited = source.embeddedMetadata?["provenance"]
        var provenance: JSONValue
        if var kept = inherited?.objectValue {
            // The dtype recorded by the first conversion stays unless this one changes it.
            if dtype != nil { kept.removeAll { $0.0 == "converted_dtype" } }
            provenance = .object(kept)
        } else {
            var members: [(String, JSONValue)] = [
                ("source_format", JSONValue(source is HDF5Weights ? "bilm-tf-hdf5" : "safetensors")),
                ("source_file", JSONValue(URL(fileURLWithPath: source.path).lastPathComponent)),
                ("source_sha256", JSONValue(try sourceHash())),
                ("tool", JSONValue("elmokit \(ELMoKitVersion.string)")),
            ]
            if let archive {
                members.append(("source_archive", JSONValue(URL(fileURLWithPath: archive).lastPathComponent)))
                members.append(("source_archive_sha256", JSONValue(hexString(try SHA256.hash(file: archive)))))
            }
            if let optionsPath {
                members.append(("options_file", JSONValue(URL(fileURLWithPath: optionsPath).lastPathComponent)))
                members.append(("options_sha256", JSONValue(hexString(try SHA256.hash(file: optionsPath)))))
            }
            provenance = .object(members)
        }
        if case var .object(members) = provenance, provenance["converted_dtype"] == nil {
            members.append(("converted_dtype", JSONValue(dtype?.description ?? "keep")))
            provenance = .object(members)
        }
        return .object([
            ("architecture", JSONValue("elmo")),
            ("config", options.json),
            ("layout", JSONValue("bilm-tf")),
            ("runtime", .object([("lstm_forget_bias", .number("1.0"))])),
            ("provenance", provenance),
        ])
    }

    /// Streams every tensor of `source` into a new native file.
    public static func write(source: WeightSource, metadata: JSONValue, destination: String, dtype: DType?, force: Bool,
                             progress: Progress? = nil) throws -> ConversionSummary {
        try write(source: source, placeholder: metadata, destination: destination, dtype: dtype, force: force,
                  progress: progress) { metadata }
    }

    /// Streams every tensor of `source` into a new native file in pieces of `SHA256.pieceBytes`,
    /// while `metadata` (which must serialise to the length of `placeholder`) is computed.
    static func write(source: WeightSource, placeholder: JSONValue, destination: String, dtype: DType?, force: Bool,
                      progress: Progress?, metadata: () throws -> JSONValue) throws -> ConversionSummary {
        let tensors = source.tensorInfos.map { TensorInfo(name: $0.name, dtype: dtype ?? $0.dtype, shape: $0.shape) }
        let overflows = OverflowCount()
        let (digest, final) = try NativeWriter.writeConcurrently(
            destination: destination, tensors: tensors, force: force, placeholder: placeholder, finalMetadata: metadata,
            data: { tensor, sink in
                let narrowed = dtype == .float16 && source.info(tensor.name)?.dtype != .float16
                try source.streamBytes(tensor.name, as: tensor.dtype, pieceBytes: SHA256.pieceBytes) { piece in
                    if narrowed { overflows.add(tensor.name, OverflowCount.infinities(float16: piece)) }
                    try sink(piece)
                }
            }, progress: progress)
        var summary = ConversionSummary(output: destination, tensorCount: tensors.count, bytes: tensors.reduce(0) { $0 + $1.byteCount },
                                        sha256: hexString(digest), metadata: final)
        summary.warnings = overflows.counts.sorted { $0.key < $1.key }.map { name, n in
            "tensor '\(name)': \(n) value\(n == 1 ? " is" : "s are") ±inf in float16 (beyond its range of ±65504, or inf already)"
        }
        return summary
    }
}

/// Infinities per tensor in float16 output, counted while the pieces stream by.
final class OverflowCount: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var counts: [String: Int] = [:]

    func add(_ name: String, _ n: Int) {
        guard n > 0 else { return }
        lock.lock(); counts[name, default: 0] += n; lock.unlock()
    }

    /// ±inf in little-endian binary16: exponent all ones, mantissa zero.
    static func infinities(float16 bytes: UnsafeRawBufferPointer) -> Int {
        var n = 0
        for i in stride(from: 0, to: bytes.count - 1, by: 2) where (UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8) & 0x7FFF == 0x7C00 {
            n += 1
        }
        return n
    }
}
