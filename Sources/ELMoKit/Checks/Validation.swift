/// One problem `validate` found. Errors fail the check; warnings and notes do not.
public struct Finding: Sendable, Equatable {
    public enum Severity: String, Sendable { case error, warning, note }
    public let severity: Severity
    public let code: String
    public let tensor: String?
    public let message: String

    public init(_ severity: Severity, _ code: String, tensor: String? = nil, _ message: String) {
        self.severity = severity
        self.code = code
        self.tensor = tensor
        self.message = message
    }
}

/// Checks an ELMo checkpoint against the architecture its options describe, collecting every
/// problem instead of stopping at the first (the reader and the model loader stay fail-fast).
public enum ELMoValidator {
    /// - Parameter checkValues: also read every tensor to look for NaN and Inf.
    public static func validate(source: WeightSource, options: ELMoOptions, checkValues: Bool = true) -> [Finding] {
        var findings: [Finding] = options.notes.map { Finding(.note, "OPTIONS_NOTE", $0) }
        let available = Set(source.tensorInfos.map(\.name))
        var used = Set<String>()
        if let h5 = source.hdf5 {
            for other in h5.nonFloatDatasets {
                findings.append(Finding(.error, "E_UNSUPPORTED_DTYPE", tensor: other.path,
                                        "dataset '\(other.path)' holds \(other.type), expected float weights"))
                used.insert(other.path)
            }
        }
        for expected in ELMoArchitecture.expectedTensors(options) {
            guard let name = ELMoArchitecture.resolve(expected.name, in: available, options: options) else {
                if used.contains(expected.name) { continue }  // already reported as non-float
                if expected.required {
                    findings.append(Finding(.error, "E_MISSING_TENSOR", tensor: expected.name,
                                            "missing tensor '\(expected.name)', expected shape \(shapeText(expected.shape))"))
                }
                continue
            }
            used.insert(name)
            let info = source.info(name)!
            if info.shape.count != expected.shape.count {
                findings.append(Finding(.error, "E_RANK_MISMATCH", tensor: name,
                                        "tensor '\(name)' has rank \(info.shape.count) \(shapeText(info.shape)), expected rank \(expected.shape.count) \(shapeText(expected.shape))"))
            } else if !zip(info.shape, expected.shape).allSatisfy({ $1 < 0 || $0 == $1 }) {
                findings.append(Finding(.error, "E_SHAPE_MISMATCH", tensor: name,
                                        "tensor '\(name)' has shape \(shapeText(info.shape)), expected \(shapeText(expected.shape))"))
            }
            if checkValues {
                let tensor: FloatTensor
                do { tensor = try source.float32(name) } catch {
                    // Unreadable values are a finding too (a corrupt chunk, a shape the file cannot hold).
                    let e = error as? ELMoKitError
                    findings.append(Finding(.error, e?.code.rawValue ?? "E_READ", tensor: name, e?.message ?? "\(error)"))
                    continue
                }
                let stats = tensor.withValues { TensorStatistics($0) }
                if stats.nanCount > 0 || stats.infCount > 0 {
                    findings.append(Finding(.error, "E_NON_FINITE", tensor: name,
                                            "tensor '\(name)' holds \(stats.nanCount) NaN and \(stats.infCount) Inf values"))
                } else if stats.count > 1, stats.min == 0, stats.max == 0, !name.hasSuffix("/B"), !name.contains("/b_") {
                    // Trained weight matrices are never all zero; biases may be.
                    findings.append(Finding(.warning, "W_ALL_ZERO", tensor: name, "tensor '\(name)' is all zeros (untrained or wiped?)"))
                }
            }
        }
        for name in available.subtracting(used).sorted() {
            let hint = name.lowercased().contains("softmax") ? " (softmax weights are not used at inference)" : ""
            findings.append(Finding(.warning, "W_UNUSED_TENSOR", tensor: name, "tensor '\(name)' is not used by this architecture\(hint)"))
            // Unused, but `convert` copies it: one that claims more than its file holds stops there.
            if let h5 = source.hdf5 {
                do { try h5.file.checkPlausibleSize(name) } catch let e as ELMoKitError {
                    findings.append(Finding(.error, e.code.rawValue, tensor: name, e.message))
                } catch {}
            }
        }
        return findings
    }

    static func shapeText(_ shape: [Int]) -> String {
        "[" + shape.map { $0 < 0 ? "*" : String($0) }.joined(separator: ", ") + "]"
    }
}
