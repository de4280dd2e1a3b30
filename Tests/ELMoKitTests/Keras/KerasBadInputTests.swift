import Foundation
import XCTest
@testable import ELMoKit

/// Broken Keras files give one clear `ELMoKitError` naming the layer and the tensor (convert,
/// exit 2) or findings that name every problem (validate, exit 1); nothing crashes.
final class KerasBadInputTests: XCTestCase {}

extension KerasBadInputTests {
    private func convertError(_ input: String, options: String? = nil) throws -> ELMoKitError {
        let dir = try KerasFixtures.temporaryDirectory(self)
        let output = dir.appendingPathComponent("out.elmk").path
        do {
            _ = try ModelInput.convert(input, optionsPath: options, destination: output, dtype: nil, force: false)
        } catch let error as ELMoKitError {
            XCTAssertFalse(FileManager.default.fileExists(atPath: output), "no output on failure")
            return error
        }
        XCTFail("\(input) converted")
        return ELMoKitError(.usage, "")
    }

    func testBrokenGRUBias_namesLayerTensorAndShapes() throws {
        let path = KerasFixtures.keras("broken_gru_bias.weights.h5")
        let error = try convertError(path)
        XCTAssertEqual(error.code, .shapeMismatch)
        XCTAssertEqual(error.exitCode, 2)
        XCTAssertEqual(error.tensor, "layers/gru/cell/vars/2")
        XCTAssertTrue(error.message.contains("layer 'gru'") && error.message.contains("bias") && error.message.contains("[2, 10], expected [2, 12]"),
                      error.message)
        let findings = try ModelInput.validate(path, optionsPath: nil).filter { $0.severity == .error }
        XCTAssertEqual(findings.map(\.code), ["E_SHAPE_MISMATCH"])
        // With the real config too.
        let configured = try convertError(path, options: KerasFixtures.keras("gru_reset_after.keras"))
        XCTAssertTrue(configured.message.contains("[2, 10], expected [2, 12]") && configured.message.contains("from the model config"), configured.message)
        XCTAssertThrowsError(try RecurrentModel.load(path: path))
    }

    func testNoRecurrentLayer_namesTheDenseLayer() throws {
        let path = KerasFixtures.keras("no_recurrent.h5")
        let error = try convertError(path)
        XCTAssertEqual(error.code, .modelInvalid)
        XCTAssertEqual(error.exitCode, 2)
        XCTAssertTrue(error.message.contains("layer 'dense' (Dense") && error.message.contains("dense/kernel [3, 4]")
                      && error.message.contains("not a recurrent layer"), error.message)
        let findings = try ModelInput.validate(path, optionsPath: nil)
        XCTAssertEqual(findings.count, 1)
        XCTAssertEqual(findings.first?.severity, .error)
        XCTAssertTrue(findings.first?.message.contains("'dense'") ?? false)
    }

    func testBidirectionalMismatch_namesEveryBackwardTensor() throws {
        let path = KerasFixtures.keras("bidi_mismatch.h5")
        let error = try convertError(path)
        XCTAssertEqual(error.code, .shapeMismatch)
        XCTAssertEqual(error.tensor, "model_weights/bidirectional/bidirectional/backward_lstm/lstm_cell/kernel")
        XCTAssertTrue(error.message.contains("layer 'bidirectional'") && error.message.contains("backward kernel")
                      && error.message.contains("[3, 20], expected [3, 16]") && error.message.contains("2 more problems"), error.message)
        let findings = try ModelInput.validate(path, optionsPath: nil).filter { $0.severity == .error }
        XCTAssertEqual(findings.count, 3)
        XCTAssertEqual(Set(findings.compactMap(\.tensor)), Set(["kernel", "recurrent_kernel", "bias"].map {
            "model_weights/bidirectional/bidirectional/backward_lstm/lstm_cell/\($0)"
        }))
        XCTAssertTrue(findings.contains { $0.message.contains("backward recurrent_kernel") && $0.message.contains("[5, 20], expected [4, 16]") })
        XCTAssertTrue(findings.allSatisfy { !$0.message.contains("forward_lstm") }, "forward tensors are fine")
    }

    func testConfigMismatch_everyTensorAgainstTheConfig() throws {
        let path = KerasFixtures.keras("config_mismatch.h5")
        let error = try convertError(path)
        XCTAssertEqual(error.code, .shapeMismatch)
        XCTAssertTrue(error.message.contains("layer 'lstm'") && error.message.contains("kernel 'model_weights/lstm/lstm/lstm_cell/kernel'")
                      && error.message.contains("[3, 16], expected [3, 20]") && error.message.contains("units 5 from the model config"), error.message)
        let findings = try ModelInput.validate(path, optionsPath: nil).filter { $0.severity == .error }
        XCTAssertEqual(findings.map(\.tensor), ["kernel", "recurrent_kernel", "bias"].map { "model_weights/lstm/lstm/lstm_cell/\($0)" })
    }

    /// validate of good files: no errors; notes for weights-only assumptions.
    func testValidate_goodFilesHaveNoErrors() throws {
        for model in KerasFixtures.models {
            for layout in KerasFixtures.layouts {
                let findings = try ModelInput.validate(KerasFixtures.keras("\(model).\(layout.suffix)"),
                                                       optionsPath: KerasFixtures.configPath(model: model, suffix: layout.suffix))
                XCTAssertEqual(findings.filter { $0.severity != .note }, [], "\(model).\(layout.suffix)")
            }
            let notes = try ModelInput.validate(KerasFixtures.keras("\(model).weights.h5"), optionsPath: nil)
            XCTAssertTrue(notes.contains { $0.severity == .note && $0.message.hasPrefix("weights-only file") }, model)
        }
    }

    /// A converted checkpoint is validated against its embedded config, integrity included.
    func testValidate_convertedCheckpoint() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        let path = dir.appendingPathComponent("bidi.elmk").path
        _ = try ModelInput.convert(KerasFixtures.keras("bidi_lstm.keras"), optionsPath: nil, destination: path, dtype: nil, force: false)
        XCTAssertEqual(try ModelInput.validate(path, optionsPath: nil).filter { $0.severity != .note }, [])
        // Flip one byte of tensor data: the damaged tensor is named.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let native = try NativeCheckpoint(path: path)
        let entry = native.entry("bidirectional/backward/kernel")!
        bytes[entry.fileOffset + 5] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let findings = try ModelInput.validate(path, optionsPath: nil)
        XCTAssertTrue(findings.contains { $0.code == "E_TENSOR_CHECKSUM" && $0.tensor == "bidirectional/backward/kernel" }, "\(findings)")
        XCTAssertThrowsError(try RecurrentModel.load(path: path)) { XCTAssertEqual(($0 as? ELMoKitError)?.exitCode, 1) }
    }

    /// Weights-only files without a config: defaults verify, the rest fail with a hint that names
    /// the assumption; a wrong --options is caught.
    func testWeightsOnly_inferenceAndHints() throws {
        for model in ["simple_rnn", "lstm", "gru_reset_after", "gru_reset_before", "bidi_lstm", "stacked"] {
            for suffix in ["weights.h5", "legacy_weights.h5", "keras2_weights.h5"] {
                let report = try KerasVerifier.againstIO(try RecurrentModel.load(path: KerasFixtures.keras("\(model).\(suffix)")),
                                                         ioPath: KerasFixtures.keras("\(model).io.h5"), atol: 1e-5, rtol: 0)
                XCTAssertTrue(report.passed, "\(model).\(suffix) with inferred architecture: \(report.problems)")
            }
        }
        let cases = [("lstm_last", "return_sequences"), ("gru_go_backwards", "go_backwards"), ("simple_rnn_relu", "activation")]
        for (model, hint) in cases {
            let report = try KerasVerifier.againstIO(try RecurrentModel.load(path: KerasFixtures.keras("\(model).weights.h5")),
                                                     ioPath: KerasFixtures.keras("\(model).io.h5"), atol: 1e-5, rtol: 0)
            XCTAssertFalse(report.passed, model)
            XCTAssertTrue(report.problems.contains { $0.contains(hint) }, "\(model): \(report.problems)")
            XCTAssertTrue(report.problems.contains { $0.contains("--options") }, "\(model): \(report.problems)")
        }
        // The config of another model: shapes disagree, named.
        XCTAssertThrowsError(try RecurrentModel.load(path: KerasFixtures.keras("lstm.weights.h5"), configPath: KerasFixtures.keras("gru_reset_after.keras"))) {
            XCTAssertTrue(($0 as? ELMoKitError)?.message.contains("has no weights in the file") ?? false, "\($0)")
        }
    }

    /// Files that are not Keras models are not routed to the Keras reader, and a corrupt or
    /// truncated .keras is a clean error.
    func testNotKerasAndCorruptArchives() throws {
        XCTAssertNil(KerasLayout.detect(KerasFixtures.root.appendingPathComponent("fixtures/hdf5/plain.hdf5").path))
        XCTAssertNil(KerasLayout.detect(KerasFixtures.keras("README.md")))
        XCTAssertNil(KerasLayout.detect(KerasFixtures.zip("deflate.zip")))
        XCTAssertEqual(KerasLayout.detect(KerasFixtures.keras("lstm.keras")), .archive)
        XCTAssertEqual(KerasLayout.detect(KerasFixtures.keras("lstm.h5")), .modelH5)
        XCTAssertEqual(KerasLayout.detect(KerasFixtures.keras("lstm.keras2_weights.h5")), .legacyWeightsH5)
        XCTAssertEqual(KerasLayout.detect(KerasFixtures.keras("lstm.weights.h5")), .weightsH5)
        let dir = try KerasFixtures.temporaryDirectory(self)
        let original = try Data(contentsOf: URL(fileURLWithPath: KerasFixtures.keras("lstm.keras")))
        for (label, bytes) in [("truncated", original.prefix(original.count / 2)), ("no end record", original.prefix(original.count - 10)),
                               ("flipped data", { var d = original; d[d.count / 2] ^= 0xFF; return d }())] {
            let path = dir.appendingPathComponent("\(label).keras").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            XCTAssertThrowsError(try ModelInput.convert(path, optionsPath: nil, destination: path + ".elmk", dtype: nil, force: false)) { error in
                let e = error as? ELMoKitError
                XCTAssertEqual(e?.exitCode, 2, "\(label): \(error)")
                XCTAssertTrue(e?.file?.hasPrefix(path) ?? false, "\(label): the error names the archive: \(error)")
            }
        }
    }
}
