/// `verify --keras-io`: runs a recurrent model on the `input` of an io file and compares with the
/// `output` Keras computed (fixtures/keras/README.md: `input` (batch, time, features), `output`
/// as `model.predict` returned it). One comparison per sample, in the report `verify` prints for
/// ELMo: `sentence` is the sample, `tokens` the time steps compared, `layer` -1 (model output).
public enum KerasVerifier {
    public static func againstIO(_ model: RecurrentModel, ioPath: String, atol: Double, rtol: Double) throws -> VerificationReport {
        var report = VerificationReport(atol: atol, rtol: rtol)
        let io = try HDF5File(path: ioPath)
        for name in ["input", "output"] where !io.exists(name) {
            throw ELMoKitError(.input, "no dataset '\(name)': a Keras io file holds 'input' (batch, time, features) and 'output'", file: ioPath, tensor: name)
        }
        let inputShape = try io.info("input").shape
        let outputShape = try io.info("output").shape
        guard inputShape.count == 3, inputShape[0] > 0, inputShape[1] > 0 else {
            throw ELMoKitError(.input, "'input' has shape \(shapeText(inputShape)), expected (batch, time, features)", file: ioPath, tensor: "input")
        }
        let (batch, steps, features) = (inputShape[0], inputShape[1], inputShape[2])
        guard features == model.config.inputDim else {
            throw ELMoKitError(.shapeMismatch, "'input' has \(features) features per step, the model takes \(model.config.inputDim)",
                               file: ioPath, tensor: "input")
        }
        let expectedShape = model.outputShape(batch: batch, timesteps: steps)
        guard outputShape == expectedShape else {
            report.problems.append("'output' has shape \(shapeText(outputShape)), the model produces \(shapeText(expectedShape))")
            report.problems += hints(model.config, io)
            return report
        }
        let actual = try model.forward(try io.readFloat32("input"), batch: batch, timesteps: steps)
        let expected = try io.readFloat32("output")
        let perSample = expected.count / batch
        for b in 0..<batch {
            let range = (b * perSample)..<((b + 1) * perSample)
            report.add(sentence: b, stream: nil, layer: -1, dim: model.config.outputDim, actual: actual[range], expected: expected[range])
        }
        if !report.passed { report.problems += hints(model.config, io) }
        return report
    }

    /// Where the io file's own description of the model (root attributes written by
    /// scripts/make_keras_fixtures.py) disagrees with the model's config: the likely cause of a
    /// failure when the config was inferred from a weights-only file.
    static func hints(_ config: RecurrentModelConfig, _ io: HDF5File) -> [String] {
        guard let attributes = try? io.attributes(at: "/") else { return [] }
        func number(_ name: String) -> Double? {
            guard case let .numbers(values)? = attributes.first(where: { $0.name == name })?.value else { return nil }
            return values.first
        }
        func string(_ name: String) -> String? {
            guard case let .strings(values)? = attributes.first(where: { $0.name == name })?.value else { return nil }
            return values.first
        }
        var hints: [String] = []
        let cells = config.layers.flatMap { $0.directions.map(\.cell) }
        let last = config.layers.last!
        if let r = number("return_sequences"), (r != 0) != last.returnSequences {
            hints.append("the io file says return_sequences=\(r != 0), the model's last layer has \(last.returnSequences)")
        }
        if let g = number("go_backwards"), let first = config.layers.first, !first.isBidirectional, (g != 0) != first.forward.goBackwards {
            hints.append("the io file says go_backwards=\(g != 0), the model's layer '\(first.name)' has \(first.forward.goBackwards)")
        }
        if let a = string("activation"), let cell = cells.first(where: { $0.activation.rawValue != a && !($0.activation == .hardSigmoidKeras2 && a == "hard_sigmoid") }) {
            hints.append("the io file says activation '\(a)', the model has '\(cell.activation.rawValue)'")
        }
        if let r = number("reset_after"), let cell = cells.first(where: { $0.resetAfter != nil && $0.resetAfter != (r != 0) }) {
            hints.append("the io file says reset_after=\(r != 0), the model's GRU has \(cell.resetAfter!)")
        }
        if !hints.isEmpty, !config.notes.isEmpty, config.notes[0].hasPrefix("weights-only") {
            hints.append("the model's architecture was inferred from a weights-only file: convert it with --options CONFIG.json")
        }
        return hints
    }
}
