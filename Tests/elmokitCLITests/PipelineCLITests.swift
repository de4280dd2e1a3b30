import Foundation
import XCTest

/// The README's main job, command by command, with exit codes and JSON reports.
final class PipelineCLITests: XCTestCase {
    func test_convertValidateVerifyEmbed_onTheReferenceModel() throws {
        let folder = try CLI.scratch(self)
        let model = folder.appendingPathComponent("model.elmk").path
        let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")
        let before = try Data(contentsOf: URL(fileURLWithPath: weights))
        XCTAssertEqual(try CLI.run(["convert", weights, "--options", options, "-o", model]).status, 0)
        XCTAssertEqual(try CLI.run(["convert", weights, "--options", options, "-o", model]).status, 3, "refuses to overwrite")
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: weights)), before, "input untouched")

        let validate = try CLI.run(["validate", model, "--json"])
        XCTAssertEqual(validate.status, 0, validate.stdout)
        let summary = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(validate.stdout.utf8)) as? [String: Any])?["summary"] as? [String: Any])
        XCTAssertEqual(summary["errors"] as? Int, 0)

        var verifyArgs = ["verify", model, "--sentences", CLI.reference("elmo/sentences.json"), "--atol", "2e-6"]
        for k in 0..<3 { verifyArgs += ["--expected", CLI.reference("elmo/lm_embeddings_\(k).hdf5")] }
        let verify = try CLI.run(verifyArgs)
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("PASSED: 30/30 comparisons"), verify.stdout)
        // A tolerance no float pass can meet must fail with exit 1: the check can fail.
        var failing = verifyArgs
        failing[failing.firstIndex(of: "2e-6")!] = "1e-12"
        let fail = try CLI.run(failing + ["--json"])
        XCTAssertEqual(fail.status, 1)
        let failDoc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(fail.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((failDoc["summary"] as? [String: Any])?["pass"] as? Bool, false)

        let text = folder.appendingPathComponent("s.txt")
        try Data("The cat sat .\n\nÉtonnant , non ?\n".utf8).write(to: text)
        let out = folder.appendingPathComponent("e.hdf5").path
        let embed = try CLI.run(["embed", model, "--input", text.path, "-o", out])
        XCTAssertEqual(embed.status, 0, embed.stderr)
        let inspect = try CLI.run(["inspect", out, "--json"])
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(inspect.stdout.utf8)) as? [String: Any])
        let shapes = Dictionary(uniqueKeysWithValues: (doc["tensors"] as! [[String: Any]]).map { ($0["name"] as! String, $0["shape"] as! [Int]) })
        XCTAssertEqual(shapes["0"], [3, 4, 32])
        XCTAssertEqual(shapes["1"], [3, 0, 32])
        XCTAssertEqual(shapes["2"], [3, 4, 32])
        XCTAssertEqual(shapes["sentence_to_index"], [1])
    }

    func test_diff_reportsDifferences_withExit1() throws {
        let a = CLI.reference("elmo/lm_weights.hdf5"), b = CLI.reference("elmo_multilingual/fr/weights.hdf5")
        let same = try CLI.run(["diff", a, a])
        XCTAssertEqual(same.status, 0)
        XCTAssertTrue(same.stdout.contains("SAME: 33 tensors compared, 33 identical, 0 beyond tolerance"), same.stdout)
        let different = try CLI.run(["diff", a, b, "--json"])
        XCTAssertEqual(different.status, 1)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(different.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((doc["summary"] as? [String: Any])?["pass"] as? Bool, false)
    }
}

final class ValidateCLITests: XCTestCase {
    func test_exitCodes_findingsAre1_unreadableOptionsAre2() throws {
        let folder = try CLI.scratch(self)
        let weights = CLI.reference("elmo/lm_weights.hdf5")
        let wrong = folder.appendingPathComponent("wrong.json")
        try Data(#"{"lstm": {"dim": 64, "projection_dim": 8, "n_layers": 2, "use_skip_connections": true}, "char_cnn": {"embedding": {"dim": 4}, "filters": [[1, 4], [2, 8], [3, 16], [4, 32], [5, 64]], "n_highway": 2}}"#.utf8).write(to: wrong)
        let findings = try CLI.run(["validate", weights, "--options", wrong.path])
        XCTAssertEqual(findings.status, 1)
        XCTAssertTrue(findings.stdout.contains("tensor 'CNN_proj/W_proj' has shape [124, 16], expected [124, 8]"), findings.stdout)
        XCTAssertTrue(findings.stdout.contains("INVALID"), findings.stdout)
        let malformed = folder.appendingPathComponent("bad.json")
        try Data("{\"lstm\": ".utf8).write(to: malformed)
        let unreadable = try CLI.run(["validate", weights, "--options", malformed.path])
        XCTAssertEqual(unreadable.status, 2)
        XCTAssertTrue(unreadable.stderr.contains("bad.json: options are not valid JSON"), unreadable.stderr)
        XCTAssertEqual(unreadable.stdout, "")
        // Without --options: the one options file beside the weights is used, and said so.
        let beside = try CLI.run(["validate", weights])
        XCTAssertEqual(beside.status, 0, beside.stderr)
        XCTAssertTrue(beside.stdout.contains("options read from \(CLI.reference("elmo/options.json"))"), beside.stdout)
        // Alone in a folder, or beside two unrelated options files: exit 2, asking for --options.
        let alone = folder.appendingPathComponent("alone")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: weights, toPath: alone.appendingPathComponent("lm_weights.hdf5").path)
        let noOptions = try CLI.run(["validate", alone.appendingPathComponent("lm_weights.hdf5").path])
        XCTAssertEqual(noOptions.status, 2)
        XCTAssertTrue(noOptions.stderr.contains("pass --options"), noOptions.stderr)
        for name in ["a_options.json", "b_options.json"] {
            try FileManager.default.copyItem(atPath: CLI.reference("elmo/options.json"), toPath: alone.appendingPathComponent(name).path)
        }
        let ambiguous = try CLI.run(["validate", alone.appendingPathComponent("lm_weights.hdf5").path])
        XCTAssertEqual(ambiguous.status, 2)
        XCTAssertTrue(ambiguous.stderr.contains("a_options.json, b_options.json beside it"), ambiguous.stderr)
    }
}
