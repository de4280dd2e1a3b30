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

    /// Creates an empty file named `elmokit-XXXXXX<suffix>`.
    public init(suffix: String) throws {
        let folder = FileManager.default.temporaryDirectory.path
        var template = Array("\(folder)/elmokit-XXXXXX\(suffix)".utf8CString)
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
