import Foundation
import XCTest
@testable import ELMoKit

/// Layout traps: each test reads the weights the wrong way a plausible reader might (gate blocks
/// in another order, GRU biases summed, outputs flipped) and shows `verify` catches it, next to
/// the right reading passing. If the pass were wrong in that way, the round-trip tests would fail.
final class KerasTrapTests: XCTestCase {}

extension KerasTrapTests {
    private func verify(_ weights: WeightSource, _ config: RecurrentModelConfig, io model: String) throws -> VerificationReport {
        try KerasVerifier.againstIO(try RecurrentModel(weights: weights, config: config), ioPath: KerasFixtures.keras("\(model).io.h5"),
                                    atol: 1e-5, rtol: 0)
    }

    /// LSTM blocks are i, f, c, o. Reading them as TF1's i, c(j), f, o, or with i and f
    /// exchanged, must fail verification.
    func testLSTMGateOrder_swappedBlocksFailVerify() throws {
        let file = try KerasModelFile(path: KerasFixtures.keras("lstm.h5"))
        XCTAssertTrue(try verify(file.weights, file.config, io: "lstm").passed, "the right reading passes")
        for (a, b) in [(1, 2), (0, 1), (2, 3)] {
            let wrong = try MemoryWeights(copying: file.weights)
            for role in ["kernel", "recurrent_kernel", "bias"] {
                wrong["lstm/\(role)"] = wrong["lstm/\(role)"].swappingBlocks(a, b, width: 4)
            }
            let report = try verify(wrong, file.config, io: "lstm")
            XCTAssertFalse(report.passed, "LSTM blocks \(a) and \(b) swapped must not verify")
            XCTAssertGreaterThan(report.maxAbs, 1e-2)
            print("LSTM gate blocks \(a)<->\(b) swapped: max |Δ| \(report.maxAbs) (fails, as it must)")
        }
    }

    /// GRU blocks are z, r, h (PyTorch's are r, z, n). Reading z and r exchanged must fail.
    func testGRUGateOrder_swappedUpdateAndResetFailVerify() throws {
        for model in ["gru_reset_after", "gru_reset_before"] {
            let file = try KerasModelFile(path: KerasFixtures.keras("\(model).h5"))
            XCTAssertTrue(try verify(file.weights, file.config, io: model).passed)
            let wrong = try MemoryWeights(copying: file.weights)
            for role in ["kernel", "recurrent_kernel", "bias"] {
                wrong["gru/\(role)"] = wrong["gru/\(role)"].swappingBlocks(0, 1, width: 4)
            }
            let report = try verify(wrong, file.config, io: model)
            XCTAssertFalse(report.passed, "\(model): z and r swapped must not verify")
            print("\(model) z<->r swapped: max |Δ| \(report.maxAbs) (fails, as it must)")
        }
    }

    /// GRU reset_after=True keeps the recurrent bias of the candidate inside r ⊙ (h·U_h + b_rec_h).
    /// Folding the (2, 3u) bias into one row (input + recurrent, the PyTorch-style shortcut that is
    /// only valid for z and r) and running reset_before-style must fail; so must dropping row 1.
    func testGRUResetAfterBias_summedRowsFailVerify() throws {
        let file = try KerasModelFile(path: KerasFixtures.keras("gru_reset_after.h5"))
        let bias = try file.weights.float32("gru/bias").array
        XCTAssertEqual(try file.weights.float32("gru/bias").shape, [2, 12])
        let summed = (0..<12).map { bias[$0] + bias[12 + $0] }
        // (a) one summed bias, reset_before cell.
        var config = file.config
        config.layers[0].forward.resetAfter = false
        let folded = try MemoryWeights(copying: file.weights)
        folded["gru/bias"] = FloatTensor(name: "gru/bias", shape: [12], array: summed)
        let a = try verify(folded, config, io: "gru_reset_after")
        XCTAssertFalse(a.passed, "summed bias with reset before must not verify")
        // (b) the summed bias as the input row, recurrent row zero, reset_after cell: exact for z
        // and r, wrong for h.
        let moved = try MemoryWeights(copying: file.weights)
        moved["gru/bias"] = FloatTensor(name: "gru/bias", shape: [2, 12], array: summed + [Float](repeating: 0, count: 12))
        let b = try verify(moved, file.config, io: "gru_reset_after")
        XCTAssertFalse(b.passed, "recurrent h-bias moved outside r ⊙ (…) must not verify")
        // (c) row 1 ignored.
        let dropped = try MemoryWeights(copying: file.weights)
        dropped["gru/bias"] = FloatTensor(name: "gru/bias", shape: [2, 12], array: Array(bias[0..<12]) + [Float](repeating: 0, count: 12))
        let c = try verify(dropped, file.config, io: "gru_reset_after")
        XCTAssertFalse(c.passed, "ignoring the recurrent bias row must not verify")
        // Moving only the z and r parts of the recurrent bias into the input row is exact.
        var zr = bias
        for j in 0..<8 { zr[j] += zr[12 + j]; zr[12 + j] = 0 }
        let exact = try MemoryWeights(copying: file.weights)
        exact["gru/bias"] = FloatTensor(name: "gru/bias", shape: [2, 12], array: zr)
        XCTAssertTrue(try verify(exact, file.config, io: "gru_reset_after").passed, "z/r biases may be summed")
        print("GRU reset_after bias traps: summed+reset_before \(a.maxAbs), h-bias moved \(b.maxAbs), row 1 dropped \(c.maxAbs) (all fail)")
    }

    /// go_backwards returns outputs in processing order. Running forwards, or flipping the
    /// outputs back to input order, must fail.
    func testGoBackwards_processingOrderIsRequired() throws {
        let file = try KerasModelFile(path: KerasFixtures.keras("gru_go_backwards.h5"))
        XCTAssertTrue(file.config.layers[0].forward.goBackwards)
        let right = try verify(file.weights, file.config, io: "gru_go_backwards")
        XCTAssertTrue(right.passed)
        var forwards = file.config
        forwards.layers[0].forward.goBackwards = false
        XCTAssertFalse(try verify(file.weights, forwards, io: "gru_go_backwards").passed, "ignoring go_backwards must not verify")
        // Flip our outputs to input time order and compare: must not match Keras.
        let model = try RecurrentModel(weights: file.weights, config: file.config)
        let io = try HDF5File(path: KerasFixtures.keras("gru_go_backwards.io.h5"))
        let ours = try model.forward(try io.readFloat32("input"), batch: 2, timesteps: 5)
        let flipped = RecurrentModel.flipTime(ours, batch: 2, steps: 5, width: 4)
        let comparison = OutputComparison(actual: flipped[...], expected: try io.readFloat32("output")[...], atol: 1e-5, rtol: 0)
        XCTAssertFalse(comparison.passed, "outputs flipped back to input order must not match Keras")
    }

    /// Legacy files list weights in weight_names order; HDF5 lists bias first. A file whose
    /// weight_names put bias first is reported by name and position.
    func testWeightNamesOutOfOrder_isReported() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        let path = dir.appendingPathComponent("reordered.h5").path
        // Rewrite lstm.legacy_weights.h5 with weight_names in HDF5 listing order (alphabetical).
        let source = try KerasModelFile(path: KerasFixtures.keras("lstm.legacy_weights.h5"))
        let output = try AtomicOutputFile(destination: path, force: false)
        output.releaseForExternalWriter()
        let b = try HDF5Builder(path: output.tempPath, display: path)
        try b.stringAttribute("layer_names", on: "/", ["input", "lstm"])
        try b.emptyListAttribute("weight_names", on: "input")
        try b.stringAttribute("weight_names", on: "lstm", ["lstm/lstm_cell/bias", "lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel"])
        for role in ["bias", "kernel", "recurrent_kernel"] {
            let t = try source.weights.float32("lstm/\(role)")
            try t.array.withUnsafeBytes { try b.dataset("lstm/lstm/lstm_cell/\(role)", dtype: .float32, shape: t.shape, raw: $0) }
        }
        try b.close()
        try output.commit()
        // Weights only: the architecture cannot even be inferred; with the model config, the
        // shape check names each misplaced weight.
        let inferred = try KerasValidator.validate(path: path, configPath: nil)
        XCTAssertTrue(inferred.contains { $0.severity == .error && $0.message.contains("weight 0 is 'lstm/lstm_cell/bias'") }, "\(inferred)")
        let configured = try KerasValidator.validate(path: path, configPath: KerasFixtures.keras("lstm.keras"))
        XCTAssertEqual(configured.filter { $0.code == "E_WEIGHT_ORDER" }.count, 3, "\(configured)")
        XCTAssertTrue(configured.contains { $0.code == "E_SHAPE_MISMATCH" && $0.message.contains("shape [16], expected [3, 16]") }, "\(configured)")
        for options in [nil, KerasFixtures.keras("lstm.keras")] {
            XCTAssertThrowsError(try ModelInput.convert(path, optionsPath: options, destination: path + ".elmk", dtype: nil, force: false)) { error in
                XCTAssertTrue((error as? ELMoKitError)?.message.contains("weight 0 is 'lstm/lstm_cell/bias'") ?? false, "\(error)")
            }
        }
    }
}
