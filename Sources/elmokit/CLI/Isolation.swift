import CProcess
import ELMoKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reading untrusted HDF5 in a child process (docs/ERRORS.md, "HDF5 isolation").
///
/// libhdf5 is not designed for malformed files: a crafted one can crash it inside H5Dread
/// (fixtures/hdf5-broken/libhdf5-crash-chunked.hdf5 does). So when a command's inputs include an
/// HDF5 file, or an archive that may hold one, the CLI runs the same command line in a child: the
/// same executable with `--no-isolation` added. The child inherits stdin, stdout and stderr, and
/// its exit status becomes ours; if it dies by a signal we print one error (E_HDF5_CRASHED, exit
/// 2) and remove the temp file its output left. The child dies with us (PR_SET_PDEATHSIG), so
/// killing elmokit never leaves a writer running. `--no-isolation` reads everything in-process.
enum Isolation {
    static let flag = "--no-isolation"
    /// Set in the child's environment to the parent's pid.
    static let parentVariable = "ELMOKIT_ISOLATION_PARENT"

    /// Removes every `--no-isolation` from `argv`; true if there was one.
    static func strip(_ argv: inout [String]) -> Bool {
        let before = argv.count
        argv.removeAll { $0 == flag }
        return argv.count != before
    }

    /// In the child: ask to be killed when the parent dies, and quit if it already has.
    static func enterChildIfIsolated() {
        guard let text = ProcessInfo.processInfo.environment[parentVariable], let parent = Int32(text) else { return }
        _ = ek_set_parent_death_signal(SIGKILL)
        if getppid() != parent { exit(2) }
    }

    /// The arguments (or `--option=value` values) naming files this process should not parse:
    /// HDF5 files, and zip, gzip or tar archives (they may hold one).
    static func untrustedInputs(_ args: [String]) -> [String] {
        // Exactly the files `openWeights` would hand to libhdf5, directly or from an archive.
        FileArguments.regularFiles(args).filter { ReleaseArchive.kind(of: $0) != nil || HDF5File.hasSignature($0) }
    }

    /// Runs `command rest…` in a child process and returns its exit status, or throws
    /// E_HDF5_CRASHED if it died by a signal.
    static func runInChild(command: String, rest: [String], inputs: [String], output: String?) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let (arguments, copies) = try passingStreams(rest)
        defer { withExtendedLifetime(copies) {} }
        process.arguments = [command, flag] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment[parentVariable] = String(getpid())
        // A crash is reported by us in one line; the runtime's backtrace dump would bury it.
        if environment["SWIFT_BACKTRACE"] == nil { environment["SWIFT_BACKTRACE"] = "enable=no" }
        process.environment = environment
        do { try process.run() } catch {
            throw ELMoKitError(.readFailed, "cannot start the isolated reader (\(error)); try \(flag)")
        }
        process.waitUntilExit()
        if process.terminationReason == .exit { return process.terminationStatus }
        let signal = process.terminationStatus
        if let output { AtomicOutputFile.removeStaleTempFiles(for: output) }
        // Signals from outside (a closed pipe in `elmokit inspect x.h5 | head`, Ctrl-C, kill):
        // die of the same signal, as an unisolated elmokit would, with no message.
        if [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT].contains(signal) {
            Glibc.signal(signal, SIG_DFL)
            kill(getpid(), signal)
        }
        let name = signalName(signal)
        let what = inputs.count == 1 ? "the file" : "one of " + inputs.joined(separator: ", ")
        let message: String
        if [SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE, SIGTRAP].contains(signal) {
            message = "libhdf5 crashed reading \(what) (\(name)): it is corrupt or hostile; HDF5 is not safe on malformed files"
        } else {
            message = "the isolated reader of \(what) was killed (\(name))"
        }
        throw ELMoKitError(.hdf5Crashed, message, file: inputs.count == 1 ? inputs[0] : nil)
    }

    /// The child inherits only standard input, output and error, so a pipe named on the command
    /// line (`--input <(zcat corpus.gz)` is `/dev/fd/63`) would not exist there: each is read
    /// here, once, into a private temp file that the child reads instead.
    static func passingStreams(_ args: [String]) throws -> ([String], [TemporaryFile]) {
        var copies: [TemporaryFile] = []
        let mapped = try args.map { arg -> String in
            let (prefix, path) = FileArguments.split(arg)
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFIFO || (info.st_mode & S_IFMT) == S_IFCHR,
                  !["/dev/null", "/dev/zero", "/dev/full"].contains(path) else { return arg }
            let copy = try TemporaryFile(suffix: ".stream")
            try InputFile.readAll(path).withUnsafeBytes { try copy.write($0) }
            copy.finishWriting()
            copies.append(copy)
            return prefix + copy.path
        }
        return (mapped, copies)
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [SIGSEGV: "SIGSEGV", SIGBUS: "SIGBUS", SIGABRT: "SIGABRT", SIGILL: "SIGILL",
                                      SIGFPE: "SIGFPE", SIGTRAP: "SIGTRAP", SIGKILL: "SIGKILL", SIGTERM: "SIGTERM"]
        return names[signal].map { "\($0), signal \(signal)" } ?? "signal \(signal)"
    }
}
