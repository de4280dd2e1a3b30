import ELMoKit
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The command-line arguments that name existing files, looked at without reading them.
enum FileArguments {
    /// Arguments (and `--option=value` values) naming existing regular files, in order, once
    /// each. Only `stat` is used: FIFOs, `<(…)` process substitutions and devices are neither
    /// listed nor opened, so nothing here consumes a pipe's bytes or blocks on one.
    static func regularFiles(_ args: [String]) -> [String] {
        var found: [String] = []
        for arg in args {
            let path = split(arg).path
            if identity(path)?.regular == true, !found.contains(path) { found.append(path) }
        }
        return found
    }

    /// `--option=value` as ("--option=", "value"); any other argument as ("", itself).
    static func split(_ arg: String) -> (prefix: String, path: String) {
        guard arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") else { return ("", arg) }
        return (String(arg[...eq]), String(arg[arg.index(after: eq)...]))
    }

    /// Device and inode of `path` (following links), and whether it is a regular file.
    static func identity(_ path: String) -> (device: UInt64, inode: UInt64, regular: Bool)? {
        var info = stat()
        guard !path.isEmpty, stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino), (info.st_mode & S_IFMT) == S_IFREG)
    }

    /// Refuses an output that is one of the command's inputs (`--force` would replace the input
    /// with the result), a symbolic link, or an existing file that is not a regular one (a device,
    /// FIFO, socket: renaming over it would replace the node itself, and opening a FIFO blocks).
    static func checkOutput(_ output: String, arguments: [String], force: Bool) throws {
        try AtomicOutputFile.checkDestination(output, force: force)
        // The new file is renamed into place: over a symbolic link that replaces the link, not
        // what it points to (`-o /dev/stdout` as root would replace /dev/stdout itself).
        var link = stat()
        if lstat(output, &link) == 0, (link.st_mode & S_IFMT) == S_IFLNK {
            let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: output)) ?? "?"
            throw ELMoKitError(.outputExists, "is a symbolic link (to \(target)): give the path of a file", file: output)
        }
        guard let target = identity(output) else { return }
        guard target.regular else {
            throw ELMoKitError(.outputExists, "is not a regular file (a device, FIFO or socket): refusing to replace it", file: output)
        }
        // Inputs named on the command line, and those found beside a model (its options file,
        // the vocabulary of a token-input model).
        let named = regularFiles(arguments)
        let beside = named.flatMap { [ELMoModel.optionsBeside($0).chosen, ELMoModel.vocabularyBeside($0)].compactMap { $0 } }
        for input in named + beside {
            if let other = identity(input), other.device == target.device, other.inode == target.inode {
                throw ELMoKitError(.outputExists, "is also an input of this command (\(input)): write the output elsewhere", file: output)
            }
        }
    }
}
