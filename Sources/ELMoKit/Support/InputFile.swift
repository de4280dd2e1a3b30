import Foundation

/// Checks run before any parser sees a path, so the common mistakes get plain messages.
public enum InputFile {
    /// Throws unless `path` is an existing, non-empty regular file: what model files must be
    /// (they are mapped, or opened by path by libhdf5; a pipe would block or be read twice).
    public static func checkReadable(_ path: String) throws {
        guard try kind(path) == .regular else {
            throw ELMoKitError(.notARegularFile, "is a pipe or device, expected a regular file", file: path)
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? NSNumber else {
            throw ELMoKitError(.readFailed, "cannot read file attributes", file: path)
        }
        guard size.int64Value > 0 else { throw ELMoKitError(.emptyFile, "file is empty", file: path) }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw ELMoKitError(.readFailed, "permission denied", file: path)
        }
    }

    /// For text inputs (sentences, vocabularies): an empty file is fine, and so is a pipe
    /// (`--sentences <(…)`), which is then read once, to its end.
    public static func checkReadableOrEmpty(_ path: String) throws {
        guard try kind(path) == .regular else { return }
        do { try checkReadable(path) } catch let e as ELMoKitError where e.code == .emptyFile {}
    }

    enum Kind { case regular, stream }

    /// Regular file or stream (FIFO, character device, socket); a missing path or a directory
    /// throws. `stat` only: nothing is opened.
    static func kind(_ path: String) throws -> Kind {
        var info = stat()
        guard !path.isEmpty, stat(path, &info) == 0 else { throw ELMoKitError(.fileNotFound, "no such file", file: path) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: throw ELMoKitError(.notARegularFile, "is a directory, expected a file", file: path)
        default: return .stream
        }
    }

    /// True for an existing regular file (never opens the path).
    public static func isRegularFile(_ path: String) -> Bool { (try? kind(path)) == .regular }

    /// Reads all of a text input, at most `limit` bytes: more is an error, not a silent cut (and
    /// `--input /dev/zero` ends instead of filling memory).
    public static func readAll(_ path: String, limit: Int = 4 << 30) throws -> [UInt8] {
        let bytes = prefix(path, count: limit + 1)
        guard bytes.count <= limit else {
            throw ELMoKitError(.input, "larger than \(limit >> 20) MiB: split the input (embed --shard reads every n-th line)", file: path)
        }
        return bytes
    }

    /// Reads the first `count` bytes (fewer if the file is shorter).
    public static func prefix(_ path: String, count: Int) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: count)) ?? Data())
    }
}
