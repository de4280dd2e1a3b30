import Foundation
import XCTest

/// The Keras commands end to end through the built `elmokit` binary: output and exit codes
/// (0 ok, 1 check failed, 2 bad input) as docs/ERRORS.md and `elmokit --help` promise.
final class KerasCLITests: XCTestCase {}

private func fixture(_ name: String) -> String { CLI.root.appendingPathComponent("fixtures/keras/\(name)").path }
private func elmokit(_ arguments: [String]) throws -> CLIResult { try CLI.run(arguments) }

extension KerasCLITests {
    private func temp() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elmokit-cli-keras-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testConvertVerifyExportDiff_exitZero() throws {
        let dir = try temp()
        let elmk = dir.appendingPathComponent("bidi.elmk").path
        let convert = try elmokit(["convert", fixture("bidi_lstm.keras2.h5"), "-o", elmk])
        XCTAssertEqual(convert.status, 0, convert.stderr)
        XCTAssertTrue(convert.stdout.contains("6 tensors"), convert.stdout)
        let verify = try elmokit(["verify", elmk, "--keras-io", fixture("bidi_lstm.io.h5"), "-v"])
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("PASS  sample 0 (5 steps)") && verify.stdout.contains("PASSED: 2/2 samples"), verify.stdout)
        let json = try elmokit(["verify", elmk, "--keras-io", fixture("bidi_lstm.io.h5"), "--json"])
        XCTAssertEqual(json.status, 0)
        XCTAssertTrue(json.stdout.contains("\"samples\"") && json.stdout.contains("\"pass\": true"), json.stdout)
        let exported = dir.appendingPathComponent("out.h5").path
        let export = try elmokit(["export", elmk, "--to", "keras-h5", "-o", exported])
        XCTAssertEqual(export.status, 0, export.stderr)
        XCTAssertTrue(export.stdout.contains("keras-model-h5"), export.stdout)
        let diff = try elmokit(["diff", fixture("bidi_lstm.keras2.h5"), exported])
        XCTAssertEqual(diff.status, 0, diff.stdout)
        // A Keras file verifies directly too, and .keras archives inspect.
        XCTAssertEqual(try elmokit(["verify", fixture("stacked.keras"), "--keras-io", fixture("stacked.io.h5")]).status, 0)
        let inspect = try elmokit(["inspect", fixture("stacked.keras")])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.contains("layers/lstm/cell/vars/0") && inspect.stdout.contains("(keras)"), inspect.stdout)
    }

    func testWeightsOnly_needsConfigForNonDefaults() throws {
        let dir = try temp()
        let elmk = dir.appendingPathComponent("last.elmk").path
        XCTAssertEqual(try elmokit(["convert", fixture("lstm_last.weights.h5"), "-o", elmk]).status, 0)
        let failing = try elmokit(["verify", elmk, "--keras-io", fixture("lstm_last.io.h5")])
        XCTAssertEqual(failing.status, 1, "a check that runs and fails exits 1")
        XCTAssertTrue(failing.stdout.contains("return_sequences") && failing.stdout.contains("--options"), failing.stdout)
        let configured = dir.appendingPathComponent("last2.elmk").path
        XCTAssertEqual(try elmokit(["convert", fixture("lstm_last.weights.h5"), "--options", fixture("lstm_last.keras"), "-o", configured]).status, 0)
        XCTAssertEqual(try elmokit(["verify", configured, "--keras-io", fixture("lstm_last.io.h5")]).status, 0)
    }

    func testBrokenFixtures_convertExitsTwoValidateExitsOne() throws {
        let dir = try temp()
        let expectations = [
            ("broken_gru_bias.weights.h5", ["layer 'gru'", "layers/gru/cell/vars/2", "[2, 10], expected [2, 12]"]),
            ("no_recurrent.h5", ["layer 'dense' (Dense", "not a recurrent layer"]),
            ("bidi_mismatch.h5", ["layer 'bidirectional'", "backward kernel", "[3, 20], expected [3, 16]"]),
            ("config_mismatch.h5", ["layer 'lstm'", "lstm_cell/kernel", "[3, 16], expected [3, 20]"]),
        ]
        for (name, phrases) in expectations {
            let convert = try elmokit(["convert", fixture(name), "-o", dir.appendingPathComponent("\(name).elmk").path])
            XCTAssertEqual(convert.status, 2, name)
            XCTAssertTrue(convert.stderr.hasPrefix("elmokit: error: "), convert.stderr)
            XCTAssertEqual(convert.stderr.split(separator: "\n").count, 1, "one line: \(convert.stderr)")
            for phrase in phrases { XCTAssertTrue(convert.stderr.contains(phrase), "\(name): '\(phrase)' not in \(convert.stderr)") }
            let validate = try elmokit(["validate", fixture(name)])
            XCTAssertEqual(validate.status, 1, "\(name): \(validate.stdout)")
            XCTAssertTrue(validate.stdout.contains("INVALID"), validate.stdout)
            let json = try elmokit(["convert", fixture(name), "-o", dir.appendingPathComponent("\(name).2.elmk").path, "--json"])
            XCTAssertEqual(json.status, 2)
            XCTAssertTrue(json.stdout.contains("\"code\"") && json.stdout.contains("\"exit_code\": 2"), json.stdout)
        }
        let good = try elmokit(["validate", fixture("gru_reset_before.keras2_weights.h5")])
        XCTAssertEqual(good.status, 0, good.stdout)
        XCTAssertTrue(good.stdout.contains("note: [KERAS_NOTE] weights-only file"), good.stdout)
    }

    func testUsageErrors_exitTwo() throws {
        let dir = try temp()
        XCTAssertEqual(try elmokit(["verify", fixture("lstm.h5"), fixture("lstm.h5"), "--keras-io", fixture("lstm.io.h5")]).status, 2)
        XCTAssertEqual(try elmokit(["export", fixture("lstm.h5"), "--to", "keras-nope", "-o", dir.appendingPathComponent("x").path]).status, 2)
        // A Keras io file that does not fit the model: input width differs.
        let wrongIO = try elmokit(["verify", fixture("stacked.keras"), "--keras-io", fixture("bidi_lstm.io.h5")])
        XCTAssertEqual(wrongIO.status, 1, "same input width, different output: a failed check\n\(wrongIO.stdout)\(wrongIO.stderr)")
        let notIO = try elmokit(["verify", fixture("lstm.keras"), "--keras-io", fixture("lstm.h5")])
        XCTAssertEqual(notIO.status, 2, notIO.stderr)
        XCTAssertTrue(notIO.stderr.contains("no dataset 'input'"), notIO.stderr)
    }
}
