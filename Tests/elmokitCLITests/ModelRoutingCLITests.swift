import ELMoKit
import Foundation
import XCTest

/// What a command does with each kind of model it is handed: token-input models and their
/// vocabulary, plain tar archives, Keras models given to ELMo commands, Keras files in `diff`.
final class ModelRoutingCLITests: XCTestCase {
    let tokenFolder = CLI.fixture("elmo-variants/token_input")

    /// A copy of the token-input model's weights and options, without the vocabulary beside them.
    func bareTokenModel() throws -> (folder: String, weights: String, options: String) {
        let folder = try CLI.temporaryFolder(self)
        for name in ["weights.hdf5", "options.json"] {
            try FileManager.default.copyItem(atPath: tokenFolder + "/" + name, toPath: folder + "/" + name)
        }
        return (folder, folder + "/weights.hdf5", folder + "/options.json")
    }

    func test_tokenInputModel_keepsItsVocabularyThroughExportAndBack() throws {
        let folder = try CLI.temporaryFolder(self)
        let native = folder + "/tok.elmk"
        let convert = try CLI.run(["convert", tokenFolder + "/weights.hdf5", "--options", tokenFolder + "/options.json",
                                   "--vocab", tokenFolder + "/vocab.txt", "-o", native])
        XCTAssertEqual(convert.status, 0, convert.stderr)
        let vocabulary = try NativeCheckpoint(path: native).metadata["vocabulary"]?.arrayValue
        XCTAssertEqual(vocabulary?.count, try HDF5File(path: tokenFolder + "/weights.hdf5").info("embedding").shape[0])
        let sentences = folder + "/s.txt"
        try "the cat sat\n".write(toFile: sentences, atomically: true, encoding: .utf8)
        for format in ["hdf5", "safetensors"] {
            let exported = folder + "/tok.\(format)", again = folder + "/again-\(format).elmk"
            XCTAssertEqual(try CLI.run(["export", native, "--to", format, "-o", exported]).status, 0)
            let back = try CLI.run(["convert", exported, "-o", again])
            XCTAssertEqual(back.status, 0, back.stderr)
            XCTAssertEqual(CLI.sha256(again), CLI.sha256(native), "\(format): export → convert lost bytes")
            // The export itself runs: its embedded metadata carries the vocabulary.
            let embed = try CLI.run(["embed", exported, "-i", sentences, "-o", folder + "/e-\(format).hdf5"])
            XCTAssertEqual(embed.status, 0, "\(format): \(embed.stderr)")
        }
    }

    func test_tokenInputModel_withoutVocabulary_isRefusedAndFlagged() throws {
        let bare = try bareTokenModel()
        let out = bare.folder + "/x.elmk"
        let convert = try CLI.run(["convert", bare.weights, "--options", bare.options, "-o", out])
        XCTAssertEqual(convert.status, 2)
        XCTAssertTrue(convert.stderr.contains("token-input model (no char_cnn): pass --vocab VOCAB.txt"), convert.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let validate = try CLI.run(["validate", bare.weights, "--options", bare.options, "--json"])
        XCTAssertEqual(validate.status, 0, validate.stdout)
        let codes = (try JSONParser.parse(validate.stdout))["findings"]?.arrayValue?.compactMap { $0["code"]?.stringValue }
        XCTAssertEqual(codes?.contains("W_NO_VOCABULARY"), true, validate.stdout)
        // The one vocabulary file beside the weights is found, as the options file is.
        try FileManager.default.copyItem(atPath: tokenFolder + "/vocab.txt", toPath: bare.folder + "/vocab.txt")
        let found = try CLI.run(["convert", bare.weights, "--options", bare.options, "-o", out])
        XCTAssertEqual(found.status, 0, found.stderr)
        XCTAssertNotNil(try NativeCheckpoint(path: out).metadata["vocabulary"])
    }

    func test_vocabularyForACharacterModel_isAUsageError() throws {
        let folder = try CLI.temporaryFolder(self)
        let run = try CLI.run(["convert", CLI.reference("elmo/lm_weights.hdf5"), "--options", CLI.reference("elmo/options.json"),
                               "--vocab", tokenFolder + "/vocab.txt", "-o", folder + "/x.elmk"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("is for token-input models"), run.stderr)
    }

    func test_plainTarArchive_worksWithEveryCommand() throws {
        let folder = try CLI.temporaryFolder(self)
        let tar = folder + "/elmo.tar"
        let make = Process()
        make.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        make.arguments = ["tar", "cf", tar, "-C", CLI.reference("elmo"), "lm_weights.hdf5", "options.json"]
        try make.run()
        make.waitUntilExit()
        XCTAssertEqual(make.terminationStatus, 0)
        let inspect = try CLI.run(["inspect", tar])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertTrue(inspect.stdout.hasPrefix("\(tar) (release-archive)"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("\"weights\": \"lm_weights.hdf5\""), inspect.stdout)
        XCTAssertEqual(try CLI.run(["validate", tar]).status, 0)
        let sentences = folder + "/s.txt"
        try "Hello world .\n".write(toFile: sentences, atomically: true, encoding: .utf8)
        let embed = try CLI.run(["embed", tar, "-i", sentences, "-o", folder + "/e.hdf5"])
        XCTAssertEqual(embed.status, 0, embed.stderr)
        let verify = try CLI.run(["verify", tar, CLI.reference("elmo/lm_weights.hdf5"), "--options-b", CLI.reference("elmo/options.json"),
                                  "--sentences", sentences, "--atol", "0"])
        XCTAssertEqual(verify.status, 0, verify.stderr + verify.stdout)
    }

    func test_kerasModelGivenToELMoCommands_saysWhatItIs() throws {
        let folder = try CLI.temporaryFolder(self)
        let sentences = folder + "/s.txt"
        try "a b\n".write(toFile: sentences, atomically: true, encoding: .utf8)
        let native = folder + "/lstm.elmk"
        XCTAssertEqual(try CLI.run(["convert", CLI.fixture("keras/lstm.h5"), "-o", native]).status, 0)
        for model in [native, CLI.fixture("keras/lstm.h5")] {
            for args in [["embed", model, "-i", sentences, "-o", folder + "/e.hdf5"], ["verify", model, native, "--sentences", sentences]] {
                let run = try CLI.run(args)
                XCTAssertEqual(run.status, 2, "\(args)")
                XCTAssertTrue(run.stderr.contains("keras-recurrent model, not ELMo"), "\(args): \(run.stderr)")
                XCTAssertTrue(run.stderr.contains("--keras-io"), run.stderr)
            }
        }
    }

    func test_diff_comparesKerasLayoutsUnderCheckpointNames() throws {
        let folder = try CLI.temporaryFolder(self)
        let native = folder + "/lstm.elmk"
        XCTAssertEqual(try CLI.run(["convert", CLI.fixture("keras/lstm.h5"), "-o", native]).status, 0)
        for (a, b) in [(CLI.fixture("keras/lstm.weights.h5"), CLI.fixture("keras/lstm.h5")),
                       (native, CLI.fixture("keras/lstm.keras2.h5")), (CLI.fixture("keras/lstm.keras"), native)] {
            let run = try CLI.run(["diff", a, b, "--json"])
            XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
            let summary = try JSONParser.parse(run.stdout)["summary"]
            XCTAssertEqual(summary?["compared"]?.intValue, 3)
            XCTAssertEqual(summary?["identical"]?.intValue, 3)
            XCTAssertEqual(summary?["pass"], JSONValue(true))
        }
        // Different models still differ.
        XCTAssertEqual(try CLI.run(["diff", CLI.fixture("keras/lstm.h5"), CLI.fixture("keras/lstm_last.h5")]).status, 1)
    }
}

/// Sentences and reference files that do not fit what `verify` and `embed` expect.
final class VerifyInputCLITests: XCTestCase {
    func test_sentencesAsAJSONObject_isAnInputError() throws {
        let folder = try CLI.temporaryFolder(self)
        let sentences = folder + "/s.json"
        try "{\"a\": 1}\n".write(toFile: sentences, atomically: true, encoding: .utf8)
        let run = try CLI.run(["verify", CLI.reference("elmo/lm_weights.hdf5"), "--options", CLI.reference("elmo/options.json"),
                               "--sentences", sentences, "--expected", CLI.reference("elmo/lm_embeddings_0.hdf5"), "--json"])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.errorJSON?["code"]?.stringValue, "E_INPUT")
        XCTAssertTrue(run.stderr.contains("expected a JSON list of sentences, got a JSON object"), run.stderr)
    }

    func test_referenceCoverage_isReported() throws {
        let folder = try CLI.temporaryFolder(self)
        let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")
        let all = folder + "/all.txt", two = folder + "/two.txt", reference = folder + "/ref.hdf5"
        try "a b c\nd e\nf\ng h i j\n".write(toFile: all, atomically: true, encoding: .utf8)
        try "a b c\nd e\n".write(toFile: two, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(["embed", weights, "--options", options, "-i", all, "-o", reference]).status, 0)
        // Fewer sentences than the reference holds: a pass, with a note that says what was left out.
        let partial = try CLI.run(["verify", weights, "--options", options, "--sentences", two, "--expected", reference, "--json"])
        XCTAssertEqual(partial.status, 0, partial.stdout)
        let notes = try JSONParser.parse(partial.stdout)["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        XCTAssertEqual(notes.count, 1)
        XCTAssertTrue(notes.first?.contains("holds 2 more sentences than the 2 given: not compared") ?? false, "\(notes)")
        // A file that is no reference at all: one problem line, not one per sentence.
        let wrong = try CLI.run(["verify", weights, "--options", options, "--sentences", all, "--expected", weights])
        XCTAssertEqual(wrong.status, 1)
        let failures = wrong.stdout.split(separator: "\n").filter { $0.hasPrefix("FAIL  ") }
        XCTAssertEqual(failures.count, 1, wrong.stdout)
        XCTAssertTrue(failures.first?.contains("no dataset for 4 sentences ('0', '1', '2', '3'): not a reference embeddings file?") ?? false,
                      wrong.stdout)
    }

    func test_embedToStandardOutput_isAUsageError() throws {
        let folder = try CLI.temporaryFolder(self)
        let sentences = folder + "/s.txt"
        try "a b\n".write(toFile: sentences, atomically: true, encoding: .utf8)
        let run = try CLI.run(["embed", CLI.reference("elmo/lm_weights.hdf5"), "--options", CLI.reference("elmo/options.json"),
                               "-i", sentences, "-o", "-"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("-o - is not supported"), run.stderr)
        XCTAssertEqual(run.stdout, "")
    }

    func test_validateOfACheckpoint_saysTheIntegrityCheckRan() throws {
        let folder = try CLI.temporaryFolder(self)
        let native = folder + "/m.elmk"
        XCTAssertEqual(try CLI.run(["convert", CLI.reference("elmo/lm_weights.hdf5"), "--options", CLI.reference("elmo/options.json"),
                                    "-o", native]).status, 0)
        let run = try CLI.run(["validate", native])
        XCTAssertEqual(run.status, 0)
        XCTAssertTrue(run.stdout.contains("note: [INTEGRITY_OK] integrity verified: 33 tensor CRC-32s, zero padding, SHA-256 "), run.stdout)
    }
    /// Names from a file are data: control characters in them are shown escaped, never sent raw to
    /// the terminal (a hostile checkpoint could clear the screen or forge an error line).
    func test_controlCharactersInTensorNames_areEscapedInText() throws {
        let folder = try CLI.temporaryFolder(self)
        let path = folder + "/names.elmk"
        let names = ["a\u{1B}[2Jcleared", "b\nelmokit: error: forged"]
        let writer = try NativeWriter(destination: path, metadata: .object([("architecture", JSONValue("elmo"))]),
                                      tensors: names.map { TensorInfo(name: $0, dtype: .float32, shape: [1]) }, force: false)
        for _ in names { try writer.write([0, 0, 0, 0]) }
        _ = try writer.finish()
        let inspect = try CLI.run(["inspect", path])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertFalse(inspect.stdout.unicodeScalars.contains("\u{1B}"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("a\\u{1B}[2Jcleared"), inspect.stdout)
        XCTAssertFalse(inspect.stdout.split(separator: "\n").contains { $0.hasPrefix("elmokit: error: forged") }, inspect.stdout)
        let json = try CLI.run(["inspect", path, "--json"])
        let listed = try JSONParser.parse(json.stdout)["tensors"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        XCTAssertEqual(listed.map(Set.init), Set(names))
    }
}
