import ELMoKit

struct VerifyCommand: Command {
    static let name = "verify"
    static let abstract = "Run the reference forward pass and compare with expected outputs or another checkpoint."
    static let usage = "verify MODEL [MODEL_B] --sentences S [--expected REF.hdf5 ...] [--options O] [--stateful] [--batch-size N] [--atol A] [--rtol R] [--json]\n"
        + "       elmokit verify MODEL --keras-io X.io.h5 [--options CONFIG.json] [--atol A] [--rtol R] [--json]"
    static let discussion = """
    With --expected: compares MODEL's outputs with reference embeddings written by bilm-tf or
    AllenNLP (layouts: lm-embeddings = the test fixtures' (2, n, P) top layer; all = (L+1, n, 2P) as
    dump_bilm_embeddings and 'allennlp elmo --all'; top; average). A JSON sentences file holding
    several lists is a set of streams: give one --expected file per stream, in order; batch i is
    the i-th sentence of every stream, run statefully, as the fixtures were made.
    With MODEL_B: runs both models on the same sentences and compares every layer.
    With --keras-io: MODEL is a Keras recurrent model (.elmk from a Keras file, or the Keras file;
    --options gives a weights-only file its model config); its output on the io file's 'input' is
    compared, sample by sample, with the io file's 'output'.
    Sentences: JSON list(s) of strings, or plain text with one sentence per line.
    A sentence passes when every element satisfies |actual - expected| <= atol + rtol * |expected|.
    Exit status 1 when any sentence fails.
    """
    static let options = [
        OptionSpec(long: "sentences", short: "s", value: "FILE", help: "Sentences (JSON or one per line)."),
        OptionSpec(long: "expected", short: "e", value: "REF.hdf5", help: "Reference embeddings; once per stream.", repeatable: true),
        OptionSpec(long: "layout", value: "NAME", help: "Reference layout: lm-embeddings, all, top, average (default: from shapes)."),
        CommonOptions.options,
        CommonOptions.vocab,
        OptionSpec(long: "options-b", value: "OPTIONS.json", help: "Options of MODEL_B, if it does not embed them."),
        OptionSpec(long: "stateful", help: "Carry LSTM state from batch to batch (bilm-tf/AllenNLP behaviour)."),
        OptionSpec(long: "batch-size", short: "b", value: "N", help: "Sentences per batch (default 1; streams: their count)."),
        OptionSpec(long: "atol", value: "A", help: "Absolute tolerance (default 1e-5)."),
        OptionSpec(long: "rtol", value: "R", help: "Relative tolerance (default 0)."),
        OptionSpec(long: "verbose", short: "v", help: "Print every sentence and layer, not only failures."),
        kerasIO,
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        if let io = args.value("keras-io") { return try runKeras(args, out, ioPath: io) }
        guard (1...2).contains(args.positionals.count) else {
            throw ELMoKitError(.usage, args.positionals.isEmpty ? "missing MODEL" : "too many arguments; expected MODEL [MODEL_B]")
        }
        guard let sentencesPath = args.value("sentences") else { throw ELMoKitError(.usage, "missing --sentences FILE") }
        let atol = try args.double("atol", default: 1e-5), rtol = try args.double("rtol", default: 0)
        var layout: ReferenceLayout? = nil
        if let name = args.value("layout") {
            guard let l = ReferenceLayout(rawValue: name) else {
                throw ELMoKitError(.usage, "'--layout' must be one of \(ReferenceLayout.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            layout = l
        }
        let sentences = try SentenceSet(path: sentencesPath)
        let model = try ELMoModel(weightsPath: args.positionals[0], optionsPath: args.value("options"), vocabularyPath: args.value("vocab"))
        let report: VerificationReport
        if args.positionals.count == 2 {
            guard args.all("expected").isEmpty else { throw ELMoKitError(.usage, "give either MODEL_B or --expected, not both") }
            let other = try ELMoModel(weightsPath: args.positionals[1], optionsPath: args.value("options-b") ?? args.value("options"),
                                        vocabularyPath: args.value("vocab"))
            let batch = try args.int("batch-size", default: 1, range: 1...100_000)
            report = Verifier.betweenModels(ELMoRunner(model: model, stateful: args.flag("stateful")),
                                            ELMoRunner(model: other, stateful: args.flag("stateful")),
                                            sentences: sentences.flat, batchSize: batch, atol: atol, rtol: rtol)
        } else {
            guard !args.all("expected").isEmpty else { throw ELMoKitError(.usage, "give --expected REF.hdf5 or a second MODEL") }
            let streams = sentences.streams.count
            let batch = try args.int("batch-size", default: streams > 1 ? streams : 1, range: 1...100_000)
            if streams > 1 && batch != streams {
                throw ELMoKitError(.usage, "with \(streams) sentence streams the batch size is \(streams) (one sentence per stream)")
            }
            report = try Verifier.againstReference(runner: ELMoRunner(model: model, stateful: args.flag("stateful") || streams > 1),
                                                   sentences: sentences, expected: args.all("expected"), layout: layout,
                                                   batchSize: batch, atol: atol, rtol: rtol)
        }
        if out.json { out.printJSON(json(report)) } else { out.print(text(report, verbose: args.flag("verbose"))) }
        return report.passed ? 0 : 1
    }

    static func json(_ r: VerificationReport) -> JSONValue {
        let entries: [JSONValue] = r.entries.map { e in
            var members: [(String, JSONValue)] = [("sentence", JSONValue(e.sentence))]
            if let s = e.stream { members.append(("stream", JSONValue(s))) }
            members += [
                ("layer", e.layer < 0 ? JSONValue(r.layout?.rawValue ?? "mixed") : JSONValue(e.layer)), ("tokens", JSONValue(e.tokens)),
                ("max_abs", JSONValue(e.comparison.maxAbs)), ("mean_abs", JSONValue(e.comparison.meanAbs)),
                ("worst", .object([("token", JSONValue(e.worstToken)), ("dim", JSONValue(e.worstDim)),
                                   ("actual", JSONValue(Double(e.comparison.worstActual))),
                                   ("expected", JSONValue(Double(e.comparison.worstExpected)))])),
                ("failures", JSONValue(e.comparison.failures)), ("pass", JSONValue(e.comparison.passed)),
            ]
            return .object(members)
        }
        let failed = r.entries.filter { !$0.comparison.passed }.count
        return .object([
            ("layout", r.layout.map { JSONValue($0.rawValue) } ?? JSONValue("model-vs-model")),
            ("atol", JSONValue(r.atol)), ("rtol", JSONValue(r.rtol)),
            ("comparisons", .array(entries)),
            ("problems", .array(r.failures.map { JSONValue($0) })),
            ("notes", .array(r.notes.map { JSONValue($0) })),
            ("summary", .object([("compared", JSONValue(r.entries.count)), ("passed", JSONValue(r.entries.count - failed)),
                                 ("failed", JSONValue(failed)), ("max_abs", JSONValue(r.maxAbs)),
                                 ("mean_abs", JSONValue(r.meanAbs)), ("pass", JSONValue(r.passed))])),
        ])
    }

    static func text(_ r: VerificationReport, verbose: Bool) -> String {
        var lines: [String] = []
        for e in r.entries where verbose || !e.comparison.passed {
            let stream = e.stream.map { "stream \($0) " } ?? ""
            let layer = e.layer < 0 ? (r.layout?.rawValue ?? "mixed") : "layer \(e.layer)"
            let head = "\(e.comparison.passed ? "PASS" : "FAIL")  \(stream)sentence \(e.sentence) \(layer) (\(plural(e.tokens, "token")))"
            guard e.comparison.count > 0 else { lines.append(head + ": nothing to compare"); continue }
            lines.append(head + ": max |Δ| \(NumberFormat.scientific(e.comparison.maxAbs)) at token \(e.worstToken) dim \(e.worstDim) "
                + "(\(e.comparison.worstActual) vs \(e.comparison.worstExpected)), mean |Δ| \(NumberFormat.scientific(e.comparison.meanAbs))")
        }
        for p in r.failures { lines.append("FAIL  \(p)") }
        for n in r.notes { lines.append("note: \(n)") }
        let failed = r.entries.filter { !$0.comparison.passed }.count
        let sentenceCount = Set(r.entries.map { "\($0.stream ?? 0)/\($0.sentence)" }).count
        let layout = r.layout.map { " (reference layout \($0.rawValue))" } ?? ""
        lines.append("\(r.passed ? "PASSED" : "FAILED"): \(r.entries.count - failed)/\(r.entries.count) comparisons within atol \(NumberFormat.scientific(r.atol)) rtol \(NumberFormat.scientific(r.rtol)) "
            + "over \(plural(sentenceCount, "sentence"))\(layout); max |Δ| \(NumberFormat.scientific(r.maxAbs)), mean |Δ| \(NumberFormat.scientific(r.meanAbs))"
            + (r.failures.isEmpty ? "" : "; but \(plural(r.failures.count, "problem")) (listed above)"))
        return lines.joined(separator: "\n")
    }
}
