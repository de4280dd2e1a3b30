import ELMoKit
import Foundation
import XCTest

typealias CLIResult = CLI.Result

/// Runs the built `elmokit` binary (the same one `swift build` makes) as a child process.
enum CLI {
    /// The package root: the nearest folder above this file holding Package.swift.
    static let repoRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        repeat { url.deleteLastPathComponent() } while url.path != "/"
            && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
        return url
    }()

    /// `elmokit` next to the test bundle (.build/<config>/), else .build/debug/elmokit.
    static let binary: String = {
        let candidates = [Bundle.main.bundleURL.appendingPathComponent("elmokit").path,
                          URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("elmokit").path,
                          repoRoot.appendingPathComponent(".build/debug/elmokit").path]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates.last!
    }()

    static var root: URL { repoRoot }

    static func fixture(_ relative: String) -> String { repoRoot.appendingPathComponent("fixtures/" + relative).path }

    /// The AllenNLP fixtures that scripts/fetch-reference extracts.
    static func reference(_ relative: String) -> String { repoRoot.appendingPathComponent(".cache/reference/" + relative).path }

    /// A fresh temporary folder as a URL, removed when the test ends.
    static func scratch(_ test: XCTestCase) throws -> URL { URL(fileURLWithPath: try temporaryFolder(test)) }

    struct Result {
        let status: Int32
        /// Set when the process died by a signal.
        let signal: Int32?
        let stdout: String
        let stderr: String

        /// The `{"error": {...}}` document printed with --json.
        var errorJSON: JSONValue? { (try? JSONParser.parse(stdout))?["error"] }
    }

    /// Runs `elmokit args…` to completion; stdout and stderr go through files (no pipe deadlock).
    @discardableResult
    static func run(_ args: [String], environment extra: [String: String] = [:], stdin: String? = nil) throws -> Result {
        let process = start(args, environment: extra, stdin: stdin)
        process.process.waitUntilExit()
        return process.result()
    }

    final class Running {
        let process: Process
        let out: URL, err: URL
        init(process: Process, out: URL, err: URL) { (self.process, self.out, self.err) = (process, out, err) }

        func result() -> Result {
            defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
            let signaled = process.terminationReason == .uncaughtSignal
            return Result(status: signaled ? -1 : process.terminationStatus, signal: signaled ? process.terminationStatus : nil,
                          stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                          stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
        }
    }

    /// - Parameter stdin: a file to feed as standard input (default: inherited).
    static func start(_ args: [String], environment extra: [String: String] = [:], stdin: String? = nil) -> Running {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = args
        var environment = ProcessInfo.processInfo.environment
        environment["SWIFT_BACKTRACE"] = "enable=no"
        for (k, v) in extra { environment[k] = v }
        process.environment = environment
        let tmp = FileManager.default.temporaryDirectory
        let out = tmp.appendingPathComponent("elmokit-cli-\(UUID().uuidString).out")
        let err = tmp.appendingPathComponent("elmokit-cli-\(UUID().uuidString).err")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try? FileHandle(forWritingTo: out)
        process.standardError = try? FileHandle(forWritingTo: err)
        if let stdin { process.standardInput = FileHandle(forReadingAtPath: stdin) }
        do { try process.run() } catch { fatalError("cannot run \(binary): \(error)") }
        return Running(process: process, out: out, err: err)
    }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elmokit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    static func sha256(_ path: String) -> String? { (try? SHA256.hash(file: path)).map(hexString) }

    /// Runs `script` with bash (for redirections and process substitution); its exit status and
    /// standard error.
    @discardableResult
    static func bash(_ script: String) throws -> (status: Int32, stderr: String) {
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/bash")
        shell.arguments = ["-c", script]
        let err = Pipe()
        shell.standardError = err
        try shell.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        return (shell.terminationStatus, stderr)
    }

    /// A plain (ustar) tar of the reference model's weights and options, made by the system tar.
    static func referenceTar(at archive: String) throws {
        let (status, stderr) = try bash("tar cf '\(archive)' -C '\(reference("elmo"))' lm_weights.hdf5 options.json")
        guard status == 0 else { throw ELMoKitError(.writeFailed, "tar failed: \(stderr)", file: archive) }
    }
}

/// Deterministic ELMo weights of any size, for making test models with HDF5Writer: every tensor
/// the options ask for, values small and finite.
final class SyntheticELMo: WeightSource {
    let path = "<synthetic>"
    let tensorInfos: [TensorInfo]
    let optionsJSON: String

    init(optionsJSON: String) throws {
        self.optionsJSON = optionsJSON
        let options = try ELMoOptions(json: JSONParser.parse(optionsJSON))
        tensorInfos = ELMoArchitecture.expectedTensors(options).filter(\.required)
            .map { TensorInfo(name: $0.name, dtype: .float32, shape: $0.shape) }
            .sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// 2^16 + 7 values in (-0.1, 0.1); tensors are windows of it (copies, so fast in debug builds).
    static let pattern: [Float] = (0..<65543).map { i in Float((i &* 7919) % 2001 - 1000) * 1e-4 }

    func values(_ name: String) -> [Float] {
        let count = info(name)!.elementCount
        var start = name.utf8.reduce(0) { ($0 &* 31 &+ Int($1)) & 0x7FFF }
        var out: [Float] = []
        out.reserveCapacity(count)
        while out.count < count {
            let n = min(count - out.count, Self.pattern.count - start)
            out.append(contentsOf: Self.pattern[start..<(start + n)])
            start = 0
        }
        return out
    }

    func float32(_ name: String) throws -> FloatTensor {
        FloatTensor(name: name, shape: info(name)!.shape, array: values(name))
    }

    func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        precondition(dtype == nil || dtype == .float32)
        return try values(name).withUnsafeBytes(body)
    }

    /// Writes the weights as a bilm-tf HDF5 file and the options beside it.
    func write(hdf5 path: String, options optionsPath: String) throws {
        try HDF5Writer.write(from: self, to: path, metadata: nil, force: true)
        try Data(optionsJSON.utf8).write(to: URL(fileURLWithPath: optionsPath))
    }

    static let tinyOptions = """
    {"char_cnn": {"activation": "relu", "embedding": {"dim": 2}, "filters": [[1, 2], [2, 2]],
      "max_characters_per_token": 6, "n_characters": 262, "n_highway": 1},
     "lstm": {"cell_clip": 3, "dim": 4, "n_layers": 1, "proj_clip": 3, "projection_dim": 2, "use_skip_connections": true}}
    """

    /// About 80 MB of float32: big enough that a kill lands while `convert` writes.
    static let largeOptions = """
    {"char_cnn": {"activation": "relu", "embedding": {"dim": 16}, "filters": [[1, 32], [2, 64], [3, 128], [4, 256], [5, 512]],
      "max_characters_per_token": 50, "n_characters": 262, "n_highway": 2},
     "lstm": {"cell_clip": 3, "dim": 2048, "n_layers": 2, "proj_clip": 3, "projection_dim": 256, "use_skip_connections": true}}
    """
}
