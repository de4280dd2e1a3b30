import ELMoKit

/// `verify MODEL --keras-io X.io.h5`: the Keras recurrent model's pass on the io file's `input`,
/// compared sample by sample with the `output` Keras computed. Same tolerances, exit status and
/// report style as the ELMo verify.
extension VerifyCommand {
    static let kerasIO = OptionSpec(long: "keras-io", value: "X.io.h5",
                                    help: "Keras io file ('input', 'output'): verify a Keras recurrent MODEL against it.")

    static func runKeras(_ args: Arguments, _ out: Output, ioPath: String) throws -> Int32 {
        guard args.positionals.count == 1 else {
            throw ELMoKitError(.usage, args.positionals.isEmpty ? "missing MODEL" : "--keras-io takes one MODEL")
        }
        guard args.value("sentences") == nil, args.all("expected").isEmpty else {
            throw ELMoKitError(.usage, "--keras-io replaces --sentences and --expected")
        }
        let atol = try args.double("atol", default: 1e-5), rtol = try args.double("rtol", default: 0)
        let model = try RecurrentModel.load(path: args.positionals[0], configPath: args.value("options"))
        let report = try KerasVerifier.againstIO(model, ioPath: ioPath, atol: atol, rtol: rtol)
        if out.json {
            out.printJSON(kerasJSON(report, model))
        } else {
            out.print(kerasText(report, model, verbose: args.flag("verbose")))
        }
        return report.passed ? 0 : 1
    }

    static func kerasJSON(_ r: VerificationReport, _ model: RecurrentModel) -> JSONValue {
        let samples: [JSONValue] = r.entries.map { e in
            .object([
                ("sample", JSONValue(e.sentence)), ("steps", JSONValue(e.tokens)),
                ("max_abs", JSONValue(e.comparison.maxAbs)), ("mean_abs", JSONValue(e.comparison.meanAbs)),
                ("worst", .object([("step", JSONValue(e.worstToken)), ("unit", JSONValue(e.worstDim)),
                                   ("actual", JSONValue(Double(e.comparison.worstActual))),
                                   ("expected", JSONValue(Double(e.comparison.worstExpected)))])),
                ("failures", JSONValue(e.comparison.failures)), ("pass", JSONValue(e.comparison.passed)),
            ])
        }
        let failed = r.entries.filter { !$0.comparison.passed }.count
        return .object([
            ("atol", JSONValue(r.atol)), ("rtol", JSONValue(r.rtol)),
            ("layers", .array(model.config.layers.map { JSONValue("\($0.name) (\($0.typeDescription))") })),
            ("notes", .array(model.config.notes.map { JSONValue($0) })),
            ("samples", .array(samples)),
            ("problems", .array(r.failures.map { JSONValue($0) })),
            ("summary", .object([("compared", JSONValue(r.entries.count)), ("passed", JSONValue(r.entries.count - failed)),
                                 ("failed", JSONValue(failed)), ("max_abs", JSONValue(r.maxAbs)),
                                 ("mean_abs", JSONValue(r.meanAbs)), ("pass", JSONValue(r.passed))])),
        ])
    }

    static func kerasText(_ r: VerificationReport, _ model: RecurrentModel, verbose: Bool) -> String {
        var lines = model.config.notes.map { "note: \($0)" }
        for e in r.entries where verbose || !e.comparison.passed {
            lines.append("\(e.comparison.passed ? "PASS" : "FAIL")  sample \(e.sentence) (\(e.tokens) steps): "
                + "max |Δ| \(NumberFormat.scientific(e.comparison.maxAbs)) at step \(e.worstToken) unit \(e.worstDim) "
                + "(\(e.comparison.worstActual) vs \(e.comparison.worstExpected)), mean |Δ| \(NumberFormat.scientific(e.comparison.meanAbs))")
        }
        for p in r.failures { lines.append("FAIL  \(p)") }
        let failed = r.entries.filter { !$0.comparison.passed }.count
        let layers = model.config.layers.map { "\($0.name) (\($0.typeDescription))" }.joined(separator: " → ")
        lines.append("\(r.passed ? "PASSED" : "FAILED"): \(r.entries.count - failed)/\(r.entries.count) samples of \(layers) within atol "
            + "\(NumberFormat.scientific(r.atol)) rtol \(NumberFormat.scientific(r.rtol)); max |Δ| \(NumberFormat.scientific(r.maxAbs)), "
            + "mean |Δ| \(NumberFormat.scientific(r.meanAbs))" + (r.failures.isEmpty ? "" : "; but \(plural(r.failures.count, "problem")) (listed above)"))
        return lines.joined(separator: "\n")
    }
}
