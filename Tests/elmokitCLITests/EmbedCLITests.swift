import ELMoKit
import Foundation
import XCTest

/// `elmokit embed` writes exactly what the library's runner computes (the pass `verify` checks),
/// in the allennlp elmo layout, whatever the bucketing, batch size and threads.
final class EmbedCLITests: XCTestCase {
    func test_embedOutput_equalsRunnerOutput_bitLevel_forAllTopAverage() throws {
        let folder = try CLI.scratch(self)
        let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")
        let long = (0..<75).map { "w\($0 % 9)" }.joined(separator: " ")
        let lines = ["The cat sat .", "", "  Étonnant , non ?  ", "The cat sat .", long, "a\u{1C}b <S> x",
                     String(repeating: "é", count: 40) + " ok", "\t", "Hello world !"]
        let input = folder.appendingPathComponent("in.txt")
        try Data((lines.joined(separator: "\n") + "\r\n").utf8).write(to: input)
        let model = try ELMoModel(weightsPath: weights, optionsPath: options)
        let expected = lines.map { ELMoRunner(model: model, threads: 1).embed([SentenceSet.tokens($0)])[0] }
        let L = model.options.nLayers, W = model.options.outputDim
        for (mode, batch, threads) in [("--all", "2", "2"), ("--top", "3", "1"), ("--average", "32", "2")] {
            let out = folder.appendingPathComponent("out\(mode).hdf5").path
            let run = try CLI.run(["embed", weights, "--options", options, "--input", input.path, "-o", out, mode,
                                   "--batch-size", batch, "--threads", threads])
            XCTAssertEqual(run.status, 0, run.stderr)
            XCTAssertFalse(run.stderr.contains("tokens/s"), "no progress bar when stderr is not a terminal")
            let file = try HDF5File(path: out)
            for (i, e) in expected.enumerated() {
                let info = try file.info(String(i))
                let values = try file.readFloat32(String(i))
                let want: [Float]
                switch mode {
                case "--all":
                    XCTAssertEqual(info.shape, [L + 1, e.tokenCount, W], "line \(i)")
                    want = e.values
                case "--top":
                    XCTAssertEqual(info.shape, [e.tokenCount, W])
                    want = Array(e.layer(L))
                default:
                    XCTAssertEqual(info.shape, [e.tokenCount, W])
                    want = Verifier.average(e)
                }
                XCTAssertEqual(values.map(\.bitPattern), want.map(\.bitPattern), "\(mode) line \(i)")
            }
            // sentence_to_index: stripped lines as keys, a repeated line keeps its last key.
            let bytes = try Data(contentsOf: URL(fileURLWithPath: out))
            let index = #"{"":"7","Hello world !":"8","The cat sat .":"3","#
            XCTAssertNotNil(bytes.range(of: Data(index.utf8)), "sentence_to_index")
            XCTAssertNotNil(bytes.range(of: Data(#""Étonnant , non ?":"2""#.utf8)))
        }
        XCTAssertEqual(expected[4].tokenCount, 75)
        XCTAssertEqual(expected[5].tokenCount, 4)
    }

    func test_embedStateful_matchesStatefulRunner() throws {
        let folder = try CLI.scratch(self)
        let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")
        let sentences = ["a b c", "d e", "f g h i", "j", "k l m n o p", "q r"]
        let input = folder.appendingPathComponent("in.txt")
        try Data(sentences.joined(separator: "\n").utf8).write(to: input)
        let out = folder.appendingPathComponent("s.hdf5").path
        let run = try CLI.run(["embed", weights, "--options", options, "--input", input.path, "-o", out, "--stateful", "-b", "4"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let runner = ELMoRunner(model: try ELMoModel(weightsPath: weights, optionsPath: options), stateful: true)
        let expected = runner.embed(Array(sentences[0..<4]).map(SentenceSet.tokens)) + runner.embed(Array(sentences[4...]).map(SentenceSet.tokens))
        let file = try HDF5File(path: out)
        for (i, e) in expected.enumerated() {
            XCTAssertEqual(try file.readFloat32(String(i)).map(\.bitPattern), e.values.map(\.bitPattern), "line \(i)")
        }
    }

    /// `--input -` reads standard input and writes what the same file gives; invalid UTF-8 names
    /// its line and byte; scalar-mix options without --mix are usage errors; nothing is written.
    func test_stdinInput_utf8Errors_andOrphanMixOptions() throws {
        let folder = try CLI.scratch(self)
        let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")
        let input = folder.appendingPathComponent("in.txt")
        try Data("the cat\nsat on the mat .\n".utf8).write(to: input)
        let fromFile = folder.appendingPathComponent("file.hdf5").path, fromStdin = folder.appendingPathComponent("stdin.hdf5").path
        XCTAssertEqual(try CLI.run(["embed", weights, "--options", options, "-i", input.path, "-o", fromFile]).status, 0)
        let piped = try CLI.run(["embed", weights, "--options", options, "-i", "-", "-o", fromStdin], stdin: input.path)
        XCTAssertEqual(piped.status, 0, piped.stderr)
        let a = try HDF5File(path: fromFile), b = try HDF5File(path: fromStdin)
        for key in ["0", "1"] { XCTAssertEqual(try a.readFloat32(key).map(\.bitPattern), try b.readFloat32(key).map(\.bitPattern)) }

        let bad = folder.appendingPathComponent("bad.txt")
        try Data([0x61, 0x0A, 0x62, 0x63, 0xC3, 0x28, 0x0A]).write(to: bad)  // "a\nbc" then a cut 2-byte sequence
        let out = folder.appendingPathComponent("bad.hdf5").path
        let invalid = try CLI.run(["embed", weights, "--options", options, "-i", bad.path, "-o", out])
        XCTAssertEqual(invalid.status, 2)
        XCTAssertTrue(invalid.stderr.contains("not valid UTF-8 text: line 2, byte 3 of the line (offset 4 in the file) is 0xc3"), invalid.stderr)
        for orphan in [["--gamma", "2"], ["--layer-norm"]] {
            let run = try CLI.run(["embed", weights, "--options", options, "-i", input.path, "-o", out, "--top"] + orphan)
            XCTAssertEqual(run.status, 2, "\(orphan)")
            XCTAssertTrue(run.stderr.contains("applies to the scalar mix"), run.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
