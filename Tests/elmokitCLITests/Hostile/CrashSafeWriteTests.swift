import ELMoKit
import Foundation
import XCTest

/// Crash-safe writes (docs/ERRORS.md): SIGKILL at any moment leaves no output or the previous
/// complete file, never a partial one; leftovers are only `.<name>.elmokit-tmp-<pid>` files, and
/// the next run removes them. Inputs are never modified.
final class CrashSafeWriteTests: XCTestCase {
    /// One synthetic ~90 MB ELMo for the whole class (making it takes a few seconds).
    nonisolated(unsafe) static var shared: (folder: String, hdf5: String, options: String, sha: String)?

    static func largeModel() throws -> (folder: String, hdf5: String, options: String, sha: String) {
        if let shared { return shared }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("elmokit-sigkill-\(getpid())").path
        try? FileManager.default.removeItem(atPath: folder)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let hdf5 = folder + "/big.hdf5", options = folder + "/big-options.json"
        try SyntheticELMo(optionsJSON: SyntheticELMo.largeOptions).write(hdf5: hdf5, options: options)
        shared = (folder, hdf5, options, CLI.sha256(hdf5)!)
        return shared!
    }

    override class func tearDown() {
        if let shared { try? FileManager.default.removeItem(atPath: shared.folder) }
        super.tearDown()
    }

    /// Where to kill: after a delay, or once the temp output holds some fraction of the file.
    enum KillPoint: CustomStringConvertible {
        case after(milliseconds: Int)
        case tempFraction(Double)

        var description: String {
            switch self {
            case let .after(ms): return "\(ms) ms after start"
            case let .tempFraction(f): return "temp file at \(Int(f * 100))%"
            }
        }
    }

    struct Observation {
        var sawPartialTemp = false
        var killed = false
    }

    /// Starts `elmokit args`, kills it (SIGKILL) at `point`, waits for every writer to be gone.
    func killRun(_ args: [String], destination: String, expectedSize: Int, at point: KillPoint) throws -> Observation {
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        let prefix = "." + URL(fileURLWithPath: destination).lastPathComponent + AtomicOutputFile.tempMarker
        let running = CLI.start(args)
        let pid = running.process.processIdentifier
        var observation = Observation()
        let started = Date()
        while running.process.isRunning, Date().timeIntervalSince(started) < 60 {
            switch point {
            case let .after(ms):
                if Date().timeIntervalSince(started) * 1000 >= Double(ms) {
                    observation.killed = kill(pid, SIGKILL) == 0
                }
            case let .tempFraction(f):
                let temps = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.filter { $0.hasPrefix(prefix) } ?? []
                for t in temps {
                    let size = ((try? FileManager.default.attributesOfItem(atPath: folder + "/" + t))?[.size] as? NSNumber)?.intValue ?? 0
                    if size >= Int(Double(expectedSize) * f) {
                        observation.killed = kill(pid, SIGKILL) == 0
                        observation.sawPartialTemp = size < expectedSize
                    }
                }
            }
            if observation.killed { break }
            usleep(200)
        }
        running.process.waitUntilExit()
        _ = running.result()
        // The isolated child (if any) dies with its parent; wait until every writer is gone.
        try waitForWriters(folder: folder, prefix: prefix)
        return observation
    }

    /// Waits until the pid in every leftover temp file is dead (or a zombie).
    func waitForWriters(folder: String, prefix: String) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let temps = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasPrefix(prefix) }
            let alive = temps.compactMap { Int32($0.dropFirst(prefix.count)) }.filter { !Self.isGone($0) }
            if alive.isEmpty { return }
            usleep(2000)
        }
        XCTFail("a writer outlived the killed elmokit")
    }

    static func isGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: end)...].drop { $0 == " " }.first == "Z"
    }

    /// The state after a kill: the destination is absent or one of `allowed` (by SHA-256), and
    /// everything else in the folder is an input or a temp file of this destination.
    func checkState(folder: String, destination: String, allowed: [String?], inputs: [String], _ label: String) throws {
        let sha = CLI.sha256(destination)
        XCTAssertTrue(allowed.contains(sha), "\(label): the output is neither absent/previous nor complete (sha \(sha ?? "none"))")
        let prefix = "." + URL(fileURLWithPath: destination).lastPathComponent + AtomicOutputFile.tempMarker
        let names = Set(inputs.map { URL(fileURLWithPath: $0).lastPathComponent } + [URL(fileURLWithPath: destination).lastPathComponent])
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where !names.contains(name) {
            XCTAssertTrue(name.hasPrefix(prefix) && Int32(name.dropFirst(prefix.count)) != nil, "\(label): unexpected leftover '\(name)'")
        }
    }

    /// Runs `args` once for the complete output, then again, killed at each of `points`, with no
    /// previous output: after each kill the destination is absent or complete. Returns the complete
    /// output's SHA-256 and how many kills landed while the temp file was partial.
    func killRepeatedly(_ args: [String], destination: String, inputs: [String], at points: [KillPoint],
                        _ label: String) throws -> (complete: String, partial: Int) {
        XCTAssertEqual(try CLI.run(args).status, 0)
        let complete = CLI.sha256(destination)!
        let size = try FileManager.default.attributesOfItem(atPath: destination)[.size] as! Int
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        var partial = 0
        for point in points {
            try? FileManager.default.removeItem(atPath: destination)
            if try killRun(args, destination: destination, expectedSize: size, at: point).sawPartialTemp { partial += 1 }
            try checkState(folder: folder, destination: destination, allowed: [nil, complete], inputs: inputs, "\(label), \(point)")
        }
        return (complete, partial)
    }

    func leftovers(_ folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(AtomicOutputFile.tempMarker) }
    }

    // MARK: - convert

    func testSIGKILLDuringConvertLeavesNoPartialOutput() throws {
        let model = try Self.largeModel()
        let folder = try CLI.temporaryFolder(self)
        let destination = folder + "/out.elmk"
        let convert = ["convert", model.hdf5, "--options", model.options, "-o", destination, "--force"]

        // The complete result, once, for reference (convert is deterministic).
        let reference = folder + "/reference.elmk"
        XCTAssertEqual(try CLI.run(["convert", model.hdf5, "--options", model.options, "-o", reference]).status, 0)
        let complete = CLI.sha256(reference)!
        let size = try FileManager.default.attributesOfItem(atPath: reference)[.size] as! Int
        try FileManager.default.removeItem(atPath: reference)

        let points: [KillPoint] = [.after(milliseconds: 0), .after(milliseconds: 40), .tempFraction(0), .tempFraction(0.1),
                                   .tempFraction(0.35), .tempFraction(0.6), .tempFraction(0.85), .tempFraction(0.99)]
        var partial = 0
        // 1. No previous output: after a kill there is none, or the complete file.
        for (mode, extra) in [("isolated", [String]()), ("in-process", ["--no-isolation"])] {
            for point in mode == "isolated" ? points : [points[0], points[3], points[5], points[7]] {
                try? FileManager.default.removeItem(atPath: destination)
                let o = try killRun(convert + extra, destination: destination, expectedSize: size, at: point)
                if o.sawPartialTemp { partial += 1 }
                try checkState(folder: folder, destination: destination, allowed: [nil, complete], inputs: [], "\(mode), \(point)")
            }
        }
        // 2. A previous complete file (float16, so it differs): after a kill, it or the new one.
        XCTAssertEqual(try CLI.run(["convert", model.hdf5, "--options", model.options, "-o", destination, "--force", "--dtype", "f16"]).status, 0)
        let previous = CLI.sha256(destination)!
        XCTAssertNotEqual(previous, complete)
        for point in [points[2], points[4], points[6]] {
            let o = try killRun(convert, destination: destination, expectedSize: size, at: point)
            if o.sawPartialTemp { partial += 1 }
            let now = CLI.sha256(destination)
            try checkState(folder: folder, destination: destination, allowed: [previous, complete], inputs: [], "over a previous file, \(point)")
            if now == complete {
                // Put the previous version back for the next kill.
                XCTAssertEqual(try CLI.run(["convert", model.hdf5, "--options", model.options, "-o", destination, "--force", "--dtype", "f16"]).status, 0)
            }
        }
        // The kills did land mid-write (the test would prove nothing otherwise).
        XCTAssertGreaterThanOrEqual(partial, 6, "too few kills landed while the temp file was partial")
        XCTAssertFalse(try leftovers(folder).isEmpty, "expected temp files left by the kills")

        // 3. The next run removes the leftovers and writes the complete file.
        let result = try CLI.run(convert)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(CLI.sha256(destination), complete)
        XCTAssertEqual(try leftovers(folder), [], "the next run did not clean the temp files")
        try NativeCheckpoint(path: destination).verifyIntegrity()

        // The input was never touched.
        XCTAssertEqual(CLI.sha256(model.hdf5), model.sha)
    }

    // MARK: - export

    func testSIGKILLDuringExportLeavesNoPartialOutput() throws {
        let model = try Self.largeModel()
        let folder = try CLI.temporaryFolder(self)
        let native = folder + "/model.elmk"
        XCTAssertEqual(try CLI.run(["convert", model.hdf5, "--options", model.options, "-o", native]).status, 0)
        let nativeSHA = CLI.sha256(native)!
        for format in ["safetensors", "hdf5"] {
            let destination = folder + "/out.\(format)"
            let export = ["export", native, "--to", format, "-o", destination, "--force"]
            let (complete, partial) = try killRepeatedly(export, destination: destination, inputs: [native],
                                                         at: [.after(milliseconds: 0), .tempFraction(0.2), .tempFraction(0.5), .tempFraction(0.8)], format)
            XCTAssertGreaterThanOrEqual(partial, 2, "\(format): too few kills landed mid-write")
            XCTAssertEqual(try CLI.run(export).status, 0)
            XCTAssertEqual(CLI.sha256(destination), complete)
            XCTAssertEqual(try leftovers(folder), [], "\(format): temp files not cleaned by the next run")
            try FileManager.default.removeItem(atPath: destination)
        }
        XCTAssertEqual(CLI.sha256(native), nativeSHA, "export modified its input")
    }

    // MARK: - embed

    func testSIGKILLDuringEmbedLeavesNoPartialOutput() throws {
        let folder = try CLI.temporaryFolder(self)
        let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")
        // 1,500 lines of 1 to 20 tokens: a few MB of output, written dataset by dataset.
        let sentences = folder + "/sentences.txt"
        let words = ["the", "cat", "sat", "on", "a", "mat", "élan", "naïve", "über", "."]
        let text = (0..<1500).map { i in (0...(i * 7) % 20).map { words[($0 * 31 + i) % words.count] }.joined(separator: " ") }
        try (text.joined(separator: "\n") + "\n").write(toFile: sentences, atomically: true, encoding: .utf8)
        let inputSHA = CLI.sha256(sentences)
        let destination = folder + "/out.hdf5"
        let embed = ["embed", weights, "--options", options, "-i", sentences, "-o", destination, "--force"]
        let (complete, partial) = try killRepeatedly(embed, destination: destination, inputs: [sentences],
                                                     at: [.after(milliseconds: 0), .after(milliseconds: 100), .tempFraction(0.2),
                                                          .tempFraction(0.5), .tempFraction(0.8)], "embed")
        XCTAssertGreaterThanOrEqual(partial, 2, "embed: too few kills landed mid-write")
        XCTAssertEqual(try CLI.run(embed).status, 0)
        XCTAssertEqual(CLI.sha256(destination), complete, "embed output is not deterministic")
        XCTAssertEqual(try leftovers(folder), [], "embed: temp files not cleaned by the next run")
        XCTAssertEqual(CLI.sha256(sentences), inputSHA, "embed modified its input")
    }
    // MARK: - temp folders

    /// What a killed process extracted (a release archive, a `.keras`'s weights) is removed by the
    /// next run that extracts anything.
    func testStaleExtractionFolders_areRemovedByTheNextRun() throws {
        let done = Process()
        done.executableURL = URL(fileURLWithPath: "/bin/true")
        try done.run()
        done.waitUntilExit()
        let temp = FileManager.default.temporaryDirectory
        let stale = temp.appendingPathComponent("elmokit-tmp-\(done.processIdentifier)-archive-test").path
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: true)
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: stale + "/weights.hdf5"))
        // A user's files that merely look alike are never touched.
        let mine = [temp.appendingPathComponent("elmokit-\(done.processIdentifier)-mydata").path,
                    temp.appendingPathComponent("elmokit-tmp-\(done.processIdentifier).log").path]
        for path in mine { try Data([1]).write(to: URL(fileURLWithPath: path)) }
        defer { for path in mine { try? FileManager.default.removeItem(atPath: path) } }
        let folder = try CLI.temporaryFolder(self)
        let archive = folder + "/m.tar"
        try CLI.referenceTar(at: archive)
        XCTAssertEqual(try CLI.run(["inspect", archive, "--no-stats"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stale), "the dead process's folder is still there")
        for path in mine { XCTAssertTrue(FileManager.default.fileExists(atPath: path), "removed a file that is not ours: \(path)") }
    }

    // MARK: - a full disk

    /// Every writer on a full file system (a 200 KiB tmpfs in a private mount namespace): one
    /// E_WRITE line, exit 3, nothing left behind. libhdf5 used to crash at exit after its failed
    /// close, which the isolated parent then reported as a crash reading the input.
    func testFullDisk_isAWriteError_withNothingLeftBehind() throws {
        let folder = try CLI.temporaryFolder(self)
        let weights = CLI.reference("elmo/lm_weights.hdf5"), options = CLI.reference("elmo/options.json")
        let native = folder + "/m.elmk", sentences = folder + "/s.txt"
        XCTAssertEqual(try CLI.run(["convert", weights, "--options", options, "-o", native]).status, 0)
        try String(repeating: "the cat sat on the mat .\n", count: 2000).write(toFile: sentences, atomically: true, encoding: .utf8)
        let small = folder + "/small"
        try FileManager.default.createDirectory(atPath: small, withIntermediateDirectories: true)
        let runs: [[String]] = [["export", native, "--to", "hdf5", "-o", small + "/x.h5"],
                                ["export", native, "--to", "safetensors", "-o", small + "/x.safetensors"],
                                ["convert", weights, "--options", options, "-o", small + "/c.elmk"],
                                ["embed", native, "-i", sentences, "-o", small + "/e.h5"],
                                ["embed", weights, "--options", options, "-i", sentences, "-o", small + "/e.h5"]]
        let script = "mount -t tmpfs -o size=200k tmpfs \(small) || exit 97\n" + runs.map { args in
            "\(CLI.binary) " + args.map { "'\($0)'" }.joined(separator: " ") + " 2>&1; echo \"rc=$?\"; ls -A \(small) | wc -l"
        }.joined(separator: "\n")
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        shell.arguments = ["-m", "sh", "-c", script]
        let pipe = Pipe()
        shell.standardOutput = pipe
        shell.standardError = pipe
        guard (try? shell.run()) != nil else { throw XCTSkip("unshare is not available") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        if shell.terminationStatus != 0 { throw XCTSkip("no private tmpfs here (needs root): \(output)") }
        let lines = output.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, runs.count * 3, output)
        for (i, args) in runs.enumerated() where lines.count == runs.count * 3 {
            XCTAssertTrue(lines[3 * i].hasPrefix("elmokit: error: ") && lines[3 * i].hasSuffix("write failed: No space left on device"),
                          "\(args[0]): \(lines[3 * i])")
            XCTAssertEqual(lines[3 * i + 1], "rc=3", "\(args)")
            XCTAssertEqual(lines[3 * i + 2], "0", "\(args): files left in the full folder")
        }
    }
}
