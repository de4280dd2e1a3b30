import Foundation
import XCTest

final class InspectCLITests: XCTestCase {
    func test_referenceModel_tableHas33Tensors() throws {
        let r = try CLI.run(["inspect", CLI.reference("elmo/lm_weights.hdf5")])
        XCTAssertEqual(r.status, 0, r.stderr)
        let row = r.stdout.split(separator: "\n").first { $0.hasPrefix("RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0 ") }
        let cells = try XCTUnwrap(row).split(separator: " ", omittingEmptySubsequences: true)
        XCTAssertEqual(Array(cells[1...4]), ["float32", "[32,", "256]", "8192"])
        XCTAssertTrue(r.stdout.contains("total: 33 tensors, 105120 parameters, 420480 bytes"), r.stdout)
        XCTAssertEqual(r.stderr, "")
    }

    /// The JSON parses and its parameter total equals the sum of shapes that h5py listed
    /// independently (the element counts below come from `h5py` on lm_weights.hdf5).
    func test_json_parses_andTotalsMatchIndependentShapes() throws {
        let r = try CLI.run(["inspect", CLI.reference("elmo/lm_weights.hdf5"), "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let doc = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let tensors = try XCTUnwrap(doc["tensors"] as? [[String: Any]])
        XCTAssertEqual(tensors.count, 33)
        // Shapes as h5py lists them: 5 conv banks, 2 highway layers, projection, 2×2 LSTM cells, char_embed.
        var expected = [1 * 1 * 4 * 4, 1 * 2 * 4 * 8, 1 * 3 * 4 * 16, 1 * 4 * 4 * 32, 1 * 5 * 4 * 64, 4, 8, 16, 32, 64]
        expected += Array(repeating: 124 * 124, count: 4) + Array(repeating: 124, count: 4)
        expected += [124 * 16, 16]
        expected += Array(repeating: 256 + 32 * 256 + 64 * 16, count: 4)
        expected += [261 * 4]
        let totals = try XCTUnwrap(doc["totals"] as? [String: Any])
        XCTAssertEqual(totals["parameters"] as? Int, expected.reduce(0, +))
        XCTAssertEqual(totals["tensors"] as? Int, 33)
        XCTAssertEqual(totals["bytes"] as? Int, expected.reduce(0, +) * 4)
        let w0 = try XCTUnwrap(tensors.first { $0["name"] as? String == "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0" })
        XCTAssertEqual(w0["shape"] as? [Int], [32, 256])
        XCTAssertEqual(w0["dtype"] as? String, "float32")
        // Stable key order: the document starts with "file" then "format".
        XCTAssertTrue(r.stdout.hasPrefix("{\n  \"file\": "), r.stdout)
    }

    /// Bad inputs: exit 2, one stderr line naming the file and the problem, nothing on stdout.
    func test_badInputs_exit2_withOneClearLine() throws {
        let folder = try CLI.scratch(self)
        func file(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        var generator = SystemRandomNumberGenerator()
        let real = Array(try Data(contentsOf: URL(fileURLWithPath: CLI.reference("elmo/lm_weights.hdf5"))))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("dir.hdf5"), withIntermediateDirectories: false)
        let cases: [(String, String)] = [
            (folder.appendingPathComponent("missing.hdf5").path, "no such file"),
            (folder.appendingPathComponent("dir.hdf5").path, "is a directory"),
            (try file("empty.hdf5", []), "file is empty"),
            (try file("random.hdf5", (0..<4096).map { _ in UInt8.random(in: 1...255, using: &generator) }), "not an HDF5 file"),
            (try file("page.hdf5", Array("<!DOCTYPE html>\n<html><body>502 Bad Gateway</body></html>\n".utf8)), "not an HDF5 file"),
            (try file("half.hdf5", Array(real[0..<(real.count / 2)])), "truncated or corrupt"),
        ]
        for (path, message) in cases {
            let r = try CLI.run(["inspect", path])
            XCTAssertEqual(r.status, 2, path)
            XCTAssertEqual(r.stdout, "", path)
            let lines = r.stderr.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, r.stderr)
            XCTAssertTrue(r.stderr.contains(path), r.stderr)
            XCTAssertTrue(r.stderr.contains(message), "\(path): \(r.stderr)")
        }
    }

    func test_usage_helpAndVersion() throws {
        XCTAssertEqual(try CLI.run([]).status, 2)
        let help = try CLI.run(["--help"])
        XCTAssertEqual(help.status, 0)
        for command in ["inspect", "convert", "export", "diff", "validate", "verify", "embed"] {
            XCTAssertTrue(help.stdout.contains("  \(command) "), command)
            let sub = try CLI.run(["help", command])
            XCTAssertEqual(sub.status, 0)
            XCTAssertTrue(sub.stdout.contains("USAGE: elmokit \(command)"), sub.stdout)
        }
        XCTAssertTrue(try CLI.run(["--version"]).stdout.hasPrefix("elmokit "))
        let unknown = try CLI.run(["inspect", "--nope", "x"])
        XCTAssertEqual(unknown.status, 2)
        XCTAssertTrue(unknown.stderr.contains("unknown option '--nope'"))
        let json = try CLI.run(["inspect", "/nonexistent.hdf5", "--json"])
        XCTAssertEqual(json.status, 2)
        let error = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: [String: Any]])
        XCTAssertEqual(error["error"]?["code"] as? String, "E_FILE_NOT_FOUND")
        XCTAssertEqual(error["error"]?["file"] as? String, "/nonexistent.hdf5")
    }
}
