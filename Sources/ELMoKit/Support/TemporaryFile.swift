import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A private file in the system temp folder (mode 0600, unique name from `mkstemps`) that is
/// deleted when the value is released. For libraries that only open by path (HDF5) when the data
/// comes from elsewhere, e.g. the `model.weights.h5` inside a `.keras` zip.
public final class TemporaryFile {
    public let path: String
    private var fd: Int32

    /// Creates an empty file named `elmokit-tmp-<pid>-XXXXXX<suffix>`.
    public init(suffix: String) throws {
        let folder = FileManager.default.temporaryDirectory.path
        Self.removeStale()
        var template = Array("\(folder)/\(Self.prefix)\(getpid())-XXXXXX\(suffix)".utf8CString)
        fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, Int32(suffix.utf8.count)) }
        guard fd >= 0 else {
            throw ELMoKitError(.writeFailed, "cannot create a temporary file: \(String(cString: strerror(errno)))", file: folder)
        }
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        if fd >= 0 { close(fd) }
        unlink(path)
    }

    /// Appends all of `bytes`, retrying partial writes and EINTR.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writeAll(fd, bytes, reportingAs: path)
    }

    /// Closes the descriptor; the file stays until the value is released.
    public func finishWriting() {
        if fd >= 0 { close(fd) }
        fd = -1
    }
}

extension TemporaryFile {
    /// Every temp file and folder ELMoKit makes in the system temp folder starts with this and
    /// the pid of the process that made it: `elmokit-tmp-<pid>-…`. Only names of exactly that
    /// shape are ever removed by `removeStale`, never a user's `elmokit-2024…` file.
    static let prefix = "elmokit-tmp-"

    /// A new private folder `elmokit-tmp-<pid>-<kind>-<uuid>` (the caller removes it when done).
    static func makeFolder(kind: String) throws -> URL {
        removeStale()
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)\(getpid())-\(kind)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return url
    }

    /// Removes what processes that are gone left behind (a crash or SIGKILL skips deinit): an
    /// extracted archive, a `.keras` archive's weights.
    static func removeStale() {
        let folder = FileManager.default.temporaryDirectory
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? [] where name.hasPrefix(prefix) {
            let rest = name.dropFirst(prefix.count)
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard rest.dropFirst(digits.count).first == "-", let pid = Int32(digits), pid > 0, pid != getpid(),
                  AtomicOutputFile.processIsGone(pid) else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}
