import Foundation

/// Checks run before any parser sees a path, so the common mistakes get plain messages.
public enum InputFile {
    /// Throws unless `path` is an existing, non-empty regular file.
    public static func checkReadable(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ELMoKitError(.fileNotFound, "no such file", file: path)
        }
        guard !isDirectory.boolValue else {
            throw ELMoKitError(.notARegularFile, "is a directory, expected a file", file: path)
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

    /// Like `checkReadable`, but an empty file is fine (an empty text input).
    public static func checkReadableOrEmpty(_ path: String) throws {
        do { try checkReadable(path) } catch let e as ELMoKitError where e.code == .emptyFile {}
    }

    /// Reads the first `count` bytes (fewer if the file is shorter).
    public static func prefix(_ path: String, count: Int) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        return Array((try? handle.read(upToCount: count)) ?? Data())
    }
}
