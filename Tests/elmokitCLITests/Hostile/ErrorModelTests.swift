import ELMoKit
import Foundation
import XCTest

/// The error model of docs/ERRORS.md, through the real binary: exit codes, one stderr line, the
/// `--json` error document (code, message, file, tensor, exit_code), HDF5 isolation, and inputs
/// that no command modifies.
final class ErrorModelTests: XCTestCase {
    var folder = ""
    var hdf5 = "", options = "", native = "", sentences = ""

    override func setUpWithError() throws {
        folder = try CLI.temporaryFolder(self)
        hdf5 = folder + "/tiny.hdf5"
        options = folder + "/options.json"
        native = folder + "/tiny.elmk"
        sentences = folder + "/sentences.txt"
        try SyntheticELMo(optionsJSON: SyntheticELMo.tinyOptions).write(hdf5: hdf5, options: options)
        try Data("The cat sat .\nHello world\n".utf8).write(to: URL(fileURLWithPath: sentences))
        let r = try CLI.run(["convert", hdf5, "--options", options, "-o", native])
        XCTAssertEqual(r.status, 0, r.stderr)
    }

    /// Runs with --json and checks the error document against `code`, `exit`, `file`, `tensor`.
    func expectError(_ args: [String], code: ELMoKitError.Code, exit: Int32, file: String? = nil, tensor: String? = nil,
                     line: UInt = #line) throws {
        let r = try CLI.run(args + ["--json"])
        XCTAssertEqual(r.status, exit, "\(args): \(r.stderr)", line: line)
        XCTAssertEqual(code.exitCode, exit, line: line)
        guard let e = r.errorJSON else { return XCTFail("\(args): no JSON error on stdout: \(r.stdout)", line: line) }
        XCTAssertEqual(e["code"]?.stringValue, code.rawValue, "\(args)", line: line)
        XCTAssertEqual(e["exit_code"]?.intValue, Int(exit), line: line)
        XCTAssertFalse(e["message"]?.stringValue?.isEmpty ?? true, line: line)
        XCTAssertEqual(e["file"]?.stringValue, file, "\(args)", line: line)
        XCTAssertEqual(e["tensor"]?.stringValue, tensor, "\(args)", line: line)
        // One line on stderr, with the code's message; without --json nothing on stdout.
        XCTAssertTrue(r.stderr.hasPrefix("elmokit: error: "), r.stderr, line: line)
        let plain = try CLI.run(args)
        XCTAssertEqual(plain.status, exit, line: line)
        XCTAssertEqual(plain.stdout, "", line: line)
        XCTAssertEqual(plain.stderr.split(separator: "\n").count, 1, plain.stderr, line: line)
    }

    func damagedCopy() throws -> (path: String, tensor: String) {
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: native)))
        let checkpoint = try NativeCheckpoint(path: native)
        let entry = checkpoint.entries.first { $0.length > 0 }!
        bytes[entry.fileOffset + 1] ^= 0x04
        let path = folder + "/damaged.elmk"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, entry.info.name)
    }

    func testJSONErrorsCarryCodeFileAndTensor() throws {
        let missing = folder + "/missing.elmk"
        try expectError(["inspect", missing], code: .fileNotFound, exit: 2, file: missing)
        try expectError(["inspect", folder], code: .notARegularFile, exit: 2, file: folder)
        try expectError(["convert", hdf5], code: .usage, exit: 2)
        try expectError(["frobnicate"], code: .usage, exit: 2)
        // Integrity: exit 1, names the file and the damaged tensor.
        let damaged = try damagedCopy()
        try expectError(["convert", damaged.path, "-o", folder + "/x.elmk"], code: .tensorChecksum, exit: 1,
                        file: damaged.path, tensor: damaged.tensor)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/x.elmk"))
        // A structural rule at open: exit 2, names the file.
        var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: native)))
        bytes[16] = 3  // alignment 64 → 3
        let badHeader = folder + "/bad-header.elmk"
        try Data(bytes).write(to: URL(fileURLWithPath: badHeader))
        try expectError(["inspect", badHeader], code: .nativeAlignment, exit: 2, file: badHeader)
        // Output errors: exit 3.
        try expectError(["convert", hdf5, "--options", options, "-o", native], code: .outputExists, exit: 3, file: native)
        let nowhere = folder + "/no/such/folder/out.elmk"
        try expectError(["convert", hdf5, "--options", options, "-o", nowhere], code: .writeFailed, exit: 3, file: nowhere)
        // HDF5 with a non-float dataset where a weight belongs names the dataset.
        let badOptions = folder + "/bad-options.json"
        try Data(#"{"lstm": {"dim": 4, "n_layers": 1000000}}"#.utf8).write(to: URL(fileURLWithPath: badOptions))
        try expectError(["convert", hdf5, "--options", badOptions, "-o", folder + "/y.elmk"], code: .optionsInvalid, exit: 2, file: badOptions)
    }

    func testValidateReportsIntegrityFindingsWithTensor() throws {
        let damaged = try damagedCopy()
        let r = try CLI.run(["validate", damaged.path, "--json"])
        XCTAssertEqual(r.status, 1, r.stderr)
        let findings = try JSONParser.parse(r.stdout)["findings"]?.arrayValue ?? []
        XCTAssertTrue(findings.contains { $0["code"]?.stringValue == "E_TENSOR_CHECKSUM" && $0["tensor"]?.stringValue == damaged.tensor },
                      r.stdout)
        XCTAssertEqual(try CLI.run(["validate", native]).status, 0)
    }

    // MARK: - HDF5 isolation

    func testLibHDF5CrashBecomesAnError() throws {
        let crash = CLI.fixture("hdf5-broken/libhdf5-crash-chunked.hdf5")
        // The fixture really crashes libhdf5 when read in-process (otherwise this test is moot).
        let unprotected = try CLI.run(["inspect", crash, "--no-isolation"])
        XCTAssertEqual(unprotected.signal, SIGSEGV, "fixture no longer crashes libhdf5: \(unprotected.stderr)")
        // Isolated (the default): one clear error, exit 2.
        try expectError(["inspect", crash], code: .hdf5Crashed, exit: 2, file: crash)
        let r = try CLI.run(["inspect", crash])
        XCTAssertTrue(r.stderr.contains("libhdf5 crashed reading"), r.stderr)
        // A writing command (export reads every dataset): same error, and neither output nor
        // temp file is left behind.
        let out = folder + "/from-crash.safetensors"
        try expectError(["export", crash, "--to", "safetensors", "-o", out], code: .hdf5Crashed, exit: 2, file: crash)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("from-crash") }, [])
        // The same file inside archives: a plain tar (its first member's data sits at byte 512,
        // where libhdf5 also finds a signature) and a zip whose first bytes are an empty
        // end-of-directory record, not a local header (found by attacking the CLI).
        for archive in ["hdf5-broken/libhdf5-crash-in.tar", "hdf5-broken/libhdf5-crash-in-prefixed.zip"] {
            try expectError(["inspect", CLI.fixture(archive)], code: .hdf5Crashed, exit: 2, file: CLI.fixture(archive))
        }
        // Healthy HDF5 still works through the child, with its exit status and output.
        let ok = try CLI.run(["inspect", hdf5, "--json"])
        XCTAssertEqual(ok.status, 0, ok.stderr)
        XCTAssertEqual(try JSONParser.parse(ok.stdout)["format"]?.stringValue, "hdf5")
        let bad = try CLI.run(["validate", hdf5, "--options", folder + "/nope.json"])
        XCTAssertEqual(bad.status, 2)
    }

    // MARK: - Inputs are never modified

    struct Snapshot: Equatable {
        let sha: String?
        let size: Int?
        let modified: Date?
        let permissions: Int?
    }

    static func snapshot(_ path: String) -> Snapshot {
        let a = try? FileManager.default.attributesOfItem(atPath: path)
        return Snapshot(sha: CLI.sha256(path), size: (a?[.size] as? NSNumber)?.intValue, modified: a?[.modificationDate] as? Date,
                        permissions: (a?[.posixPermissions] as? NSNumber)?.intValue)
    }

    func testNoCommandModifiesItsInputs() throws {
        let damaged = try damagedCopy().path
        let inputs = [hdf5, options, native, sentences, damaged, CLI.fixture("hdf5-broken/libhdf5-crash-chunked.hdf5")]
        // Make mtimes old, so a rewrite with the same bytes would still show.
        for path in inputs where path.hasPrefix(folder) {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1_000_000_000)], ofItemAtPath: path)
        }
        let before = inputs.map(Self.snapshot)
        let out = folder + "/out"
        let commands: [[String]] = [
            ["inspect", hdf5], ["inspect", native, "--json"], ["inspect", hdf5, "--attrs", "--no-isolation"],
            ["validate", native], ["validate", hdf5, "--options", options], ["validate", damaged, "--json"],
            ["convert", hdf5, "--options", options, "-o", out + "1.elmk"],
            ["convert", native, "-o", out + "2.elmk", "--dtype", "f16"],
            ["convert", hdf5, "--options", options, "-o", native],  // exists: exit 3
            ["convert", damaged, "-o", out + "3.elmk"],  // integrity failure: exit 1
            ["export", native, "--to", "hdf5", "-o", out + "4.hdf5"],
            ["export", native, "--to", "safetensors", "-o", out + "5.safetensors"],
            ["diff", hdf5, native], ["diff", native, damaged],
            ["verify", native, out + "2.elmk", "--sentences", sentences, "--atol", "1"],
            ["inspect", CLI.fixture("hdf5-broken/libhdf5-crash-chunked.hdf5")],
        ]
        for command in commands {
            let r = try CLI.run(command)
            XCTAssertNil(r.signal, "\(command) crashed")
            XCTAssertTrue([0, 1, 2, 3].contains(r.status), "\(command): \(r.status)")
            XCTAssertEqual(inputs.map(Self.snapshot), before, "\(command) modified an input")
        }
        XCTAssertEqual(try CLI.run(["validate", out + "1.elmk"]).status, 0)
    }
}
