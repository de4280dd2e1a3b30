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
        try CLI.referenceTar(at: tar)
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

/// Fixes from an attack on the CLI: outputs that are inputs or devices, checks that compare
/// nothing, NaN in diff, vocabulary sizes, malformed safetensors, option types, bfloat16.
final class AttackRegressionCLITests: XCTestCase {
    let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")

    func test_outputThatIsAnInputOrADevice_isRefused() throws {
        let folder = try CLI.temporaryFolder(self)
        let copy = folder + "/w.hdf5", sentences = folder + "/s.txt", native = folder + "/m.elmk"
        try FileManager.default.copyItem(atPath: weights, toPath: copy)
        try "a b\n".write(toFile: sentences, atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.run(["convert", weights, "--options", options, "-o", native]).status, 0)
        let before = [copy, sentences, native].map { CLI.sha256($0) }
        for args in [["convert", copy, "--options", options, "-o", copy, "--force"],
                     ["convert", folder + "/./w.hdf5", "--options", options, "-o", copy, "--force"],
                     ["export", native, "--to", "hdf5", "-o", native, "--force"],
                     ["embed", native, "-i", sentences, "-o", sentences, "--force"],
                     ["convert", weights, "--options", options, "-o", "/dev/null", "--force"]] {
            let run = try CLI.run(args)
            XCTAssertEqual(run.status, 3, "\(args): \(run.stderr)")
            XCTAssertEqual(run.errorJSON?["code"]?.stringValue ?? "E_OUTPUT_EXISTS", "E_OUTPUT_EXISTS")
            XCTAssertTrue(run.stderr.contains("is also an input") || run.stderr.contains("is not a regular file"), run.stderr)
        }
        XCTAssertEqual([copy, sentences, native].map { CLI.sha256($0) }, before, "an input was modified")
    }

    /// A check that compares nothing fails: no sentences, or only empty ones.
    func test_verifyThatComparesNothing_fails() throws {
        let folder = try CLI.temporaryFolder(self)
        for (name, text, reason) in [("empty.json", "[]", "no sentences or samples"), ("blank.txt", "\n\n \n", "every sentence is empty")] {
            try text.write(toFile: folder + "/" + name, atomically: true, encoding: .utf8)
            let run = try CLI.run(["verify", weights, weights, "--options", options, "--options-b", options, "--sentences", folder + "/" + name])
            XCTAssertEqual(run.status, 1, run.stdout)
            XCTAssertTrue(run.stdout.contains("FAIL  nothing was compared: \(reason)"), run.stdout)
        }
    }

    func test_diffOfAFileWithNaN_againstItself_isSame() throws {
        let folder = try CLI.temporaryFolder(self)
        let path = folder + "/nan.elmk"
        let writer = try NativeWriter(destination: path, metadata: .object([]),
                                      tensors: [TensorInfo(name: "t", dtype: .float32, shape: [2])], force: false)
        try writer.write(Array(Float.nan.bitPattern.littleEndianBytes + Float(1).bitPattern.littleEndianBytes))
        _ = try writer.finish()
        let run = try CLI.run(["diff", path, path])
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertTrue(run.stdout.contains("SAME: 1 tensor compared, 1 identical"), run.stdout)
    }

    func test_vocabularyOfTheWrongSize_isRefusedByConvert() throws {
        let folder = try CLI.temporaryFolder(self)
        let token = CLI.fixture("elmo-variants/token_input"), vocab = folder + "/vocab.txt"
        try "a\nb\nc\n".write(toFile: vocab, atomically: true, encoding: .utf8)
        let run = try CLI.run(["convert", token + "/weights.hdf5", "--options", token + "/options.json", "--vocab", vocab,
                               "-o", folder + "/x.elmk"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("the vocabulary has 3 tokens but 'embedding' has"), run.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.elmk"))
    }

    func test_malformedSafetensors_saysWhy() throws {
        let folder = try CLI.temporaryFolder(self)
        func write(_ header: String, data: Int, to name: String) throws -> String {
            var bytes = Array(UInt64(header.utf8.count).littleEndianBytes) + Array(header.utf8)
            bytes += [UInt8](repeating: 0, count: data)
            let path = folder + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        let int64 = try write(#"{"a":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#, data: 16, to: "i64.safetensors")
        let lies = try write(#"{"a":{"dtype":"F32","shape":[5],"data_offsets":[0,16]}}"#, data: 16, to: "lies.safetensors")
        for (path, expected) in [(int64, "has dtype I64; weights must be"), (lies, "16 bytes for shape [5] of float32")] {
            let run = try CLI.run(["inspect", path, "--json"])
            XCTAssertEqual(run.status, 2)
            XCTAssertTrue(run.stderr.contains(expected), run.stderr)
            XCTAssertNotEqual(run.errorJSON?["code"]?.stringValue, "E_HDF5_NOT_HDF5")
        }
    }

    func test_optionsOfTheWrongType_areFindings() throws {
        let folder = try CLI.temporaryFolder(self)
        var text = try String(contentsOfFile: options, encoding: .utf8)
        text = text.replacingOccurrences(of: "\"activation\": \"relu\"", with: "\"activation\": 5")
        XCTAssertTrue(text.contains("\"activation\": 5"), "fixture options changed")
        let bad = folder + "/options.json"
        try text.write(toFile: bad, atomically: true, encoding: .utf8)
        let run = try CLI.run(["validate", weights, "--options", bad])
        XCTAssertEqual(run.status, 1, run.stdout)
        XCTAssertTrue(run.stdout.contains("'char_cnn.activation' must be \"relu\" or \"tanh\", got 5"), run.stdout)
    }

    func test_bfloat16_roundTripsThroughHDF5() throws {
        let folder = try CLI.temporaryFolder(self)
        let bf = folder + "/bf.elmk", exported = folder + "/bf.hdf5", again = folder + "/again.elmk"
        XCTAssertEqual(try CLI.run(["convert", weights, "--options", options, "--dtype", "bf16", "-o", bf]).status, 0)
        XCTAssertEqual(try CLI.run(["export", bf, "--to", "hdf5", "-o", exported]).status, 0)
        let inspect = try CLI.run(["inspect", exported])
        XCTAssertTrue(inspect.stdout.contains("char_embed") && inspect.stdout.contains("bfloat16"), inspect.stdout)
        XCTAssertEqual(try CLI.run(["convert", exported, "-o", again]).status, 0)
        XCTAssertEqual(CLI.sha256(again), CLI.sha256(bf), "bfloat16 did not survive export → convert")
    }
}

final class PipeInputCLITests: XCTestCase {
    /// Sentences from a FIFO (as `--input <(…)` gives): every byte reaches the embedder. The
    /// isolation check once read the first bytes of every argument naming a file, pipes included.
    func test_sentencesFromAFIFO_arriveWhole() throws {
        let folder = try CLI.temporaryFolder(self)
        let fifo = folder + "/sentences", out = folder + "/e.hdf5"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let running = CLI.start(["embed", CLI.reference("elmo/lm_weights.hdf5"), "--options", CLI.reference("elmo/options.json"),
                                 "-i", fifo, "-o", out])
        let writer = FileHandle(forWritingAtPath: fifo)!  // blocks until elmokit opens it
        writer.write(Data("hello world\n".utf8))
        try writer.close()
        running.process.waitUntilExit()
        let result = running.result()
        XCTAssertEqual(result.status, 0, result.stderr)
        // The map is stored as one string; its bytes are in the file as written.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        XCTAssertNotNil(bytes.range(of: Data(#"{"hello world":"0"}"#.utf8)), "sentence_to_index")
    }
}

/// The second attack: what the first round of fixes missed or broke.
final class SecondAttackCLITests: XCTestCase {
    let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")

    func test_jsonAlone_printsHelpAndStops() throws {
        let run = try CLI.run(["--json", "--json"])  // used to loop for ever
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.contains("USAGE: elmokit"), run.stderr)
    }

    func test_outputThatIsASymlinkOrAnOptionsFileBeside_isRefused() throws {
        let folder = try CLI.temporaryFolder(self)
        try FileManager.default.copyItem(atPath: weights, toPath: folder + "/lm_weights.hdf5")
        try FileManager.default.copyItem(atPath: options, toPath: folder + "/options.json")
        let optionsSHA = CLI.sha256(folder + "/options.json")
        let beside = try CLI.run(["convert", folder + "/lm_weights.hdf5", "-o", folder + "/options.json", "--force"])
        XCTAssertEqual(beside.status, 3, beside.stderr)
        XCTAssertTrue(beside.stderr.contains("is also an input"), beside.stderr)
        XCTAssertEqual(CLI.sha256(folder + "/options.json"), optionsSHA)
        try "x".write(toFile: folder + "/target.txt", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: folder + "/link.elmk", withDestinationPath: folder + "/target.txt")
        let link = try CLI.run(["convert", folder + "/lm_weights.hdf5", "-o", folder + "/link.elmk", "--force"])
        XCTAssertEqual(link.status, 3, link.stderr)
        XCTAssertTrue(link.stderr.contains("is a symbolic link"), link.stderr)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: folder + "/link.elmk"), folder + "/target.txt")
    }

    func test_standardOutputOnAFullDevice_isAWriteError() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        for args in [["inspect", weights], ["inspect", weights, "--json"], ["validate", weights, "--options", options]] {
            let (status, stderr) = try CLI.bash("'\(CLI.binary)' " + args.map { "'\($0)'" }.joined(separator: " ") + " > /dev/full")
            XCTAssertEqual(status, 3, "\(args): \(stderr)")
            XCTAssertEqual(stderr, "elmokit: error: cannot write standard output: No space left on device\n", "\(args)")
        }
    }

    func test_pipes_sentencesAreReadOnce_modelsMustBeFiles() throws {
        let folder = try CLI.temporaryFolder(self)
        let native = folder + "/m.elmk", fifo = folder + "/pipe"
        XCTAssertEqual(try CLI.run(["convert", weights, "--options", options, "-o", native]).status, 0)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let running = CLI.start(["verify", native, native, "--sentences", fifo])
        let writer = FileHandle(forWritingAtPath: fifo)!
        writer.write(Data("hello world\nthe cat\n".utf8))
        try writer.close()
        running.process.waitUntilExit()
        let verify = running.result()
        XCTAssertEqual(verify.status, 0, verify.stdout + verify.stderr)
        XCTAssertTrue(verify.stdout.contains("over 2 sentences"), verify.stdout)
        // A pipe where a model belongs is refused at once (it used to block in the format sniffing).
        for args in [["diff", fifo, native], ["export", fifo, "--to", "keras", "-o", folder + "/x.keras"], ["inspect", fifo]] {
            let run = try CLI.run(args)
            XCTAssertEqual(run.status, 2, "\(args)")
            XCTAssertTrue(run.stderr.contains("is a pipe or device, expected a regular file"), "\(args): \(run.stderr)")
        }
    }

    /// `--input <(…)` with an HDF5 model: the pipe is /dev/fd/63, which the isolated child does
    /// not inherit; the parent hands it a copy.
    func test_processSubstitution_reachesTheIsolatedChild() throws {
        let folder = try CLI.temporaryFolder(self)
        let out = folder + "/e.hdf5"
        let (status, stderr) = try CLI.bash("'\(CLI.binary)' embed '\(weights)' --options '\(options)' "
                                            + "--input <(printf 'hello world\\nthe cat\\n') -o '\(out)'")
        XCTAssertEqual(status, 0, stderr)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
        XCTAssertNotNil(bytes.range(of: Data(#"{"hello world":"0","the cat":"1"}"#.utf8)), "sentence_to_index")
    }

    func test_archiveWithTwoVocabularies_asksWhichOne() throws {
        let folder = try CLI.temporaryFolder(self)
        let token = CLI.fixture("elmo-variants/token_input")
        let vocab = try String(contentsOfFile: token + "/vocab.txt", encoding: .utf8)
        try FileManager.default.createDirectory(atPath: folder + "/src", withIntermediateDirectories: true)
        for name in ["weights.hdf5", "options.json", "vocab.txt"] {
            try FileManager.default.copyItem(atPath: token + "/" + name, toPath: folder + "/src/" + name)
        }
        try vocab.split(separator: "\n").reversed().joined(separator: "\n").write(toFile: folder + "/src/b_vocab.txt", atomically: true, encoding: .utf8)
        // A vocabulary beside the archive must not be taken instead.
        try vocab.write(toFile: folder + "/vocab.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(try CLI.bash("tar cf '\(folder)/tk.tar' -C '\(folder)/src' weights.hdf5 options.json vocab.txt b_vocab.txt").status, 0)
        let sentences = folder + "/s.txt"
        try "the cat\n".write(toFile: sentences, atomically: true, encoding: .utf8)
        let run = try CLI.run(["embed", folder + "/tk.tar", "-i", sentences, "-o", folder + "/e.hdf5"])
        XCTAssertEqual(run.status, 2, run.stderr)
        XCTAssertTrue(run.stderr.contains("holds no single *vocab*.txt (found: vocab.txt, b_vocab.txt)")
                      || run.stderr.contains("(found: b_vocab.txt, vocab.txt)"), run.stderr)
    }
}

extension FixedWidthInteger {
    var littleEndianBytes: [UInt8] { withUnsafeBytes(of: littleEndian) { Array($0) } }
}
