import CELMoKernels
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An output file written crash-safely: data goes to a temp file in the destination's folder,
/// named `.<name>.elmokit-tmp-<pid>`; `commit()` fsyncs it and renames it over the destination.
/// Until then the destination is untouched; a killed process leaves only the temp file, which the
/// next run removes (`removeStaleTempFiles`). Dropped without `commit()`, the temp file is deleted.
public final class AtomicOutputFile {
    public let destination: String
    public let tempPath: String
    private var fd: Int32
    private var committed = false

    /// Suffix marker of temp files; docs/ERRORS.md documents the pattern.
    public static let tempMarker = ".elmokit-tmp-"

    public init(destination: String, force: Bool) throws {
        self.destination = destination
        let url = URL(fileURLWithPath: destination)
        try Self.checkDestination(destination, force: force)
        let folder = url.deletingLastPathComponent().path
        Self.removeStaleTempFiles(for: destination)
        tempPath = folder + "/." + url.lastPathComponent + Self.tempMarker + String(getpid())
        fd = open(tempPath, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ELMoKitError(.writeFailed, "cannot create a file: \(String(cString: strerror(errno)))", file: destination)
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
        if !committed { unlink(tempPath) }
    }

    /// Everything about `destination` that can be known before any work is done: a file path
    /// (not empty, not a folder), in an existing folder, short enough for its temp name, absent
    /// unless `force`. Commands call it first so that a bad `-o` fails at once.
    public static func checkDestination(_ destination: String, force: Bool) throws {
        guard !destination.isEmpty, !destination.hasSuffix("/") else {
            throw ELMoKitError(.usage, "the output must be a file path, got '\(destination)'", file: destination.isEmpty ? nil : destination)
        }
        let url = URL(fileURLWithPath: destination)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination, isDirectory: &isDirectory) {
            if isDirectory.boolValue {
                throw ELMoKitError(.outputExists, "is a directory, expected an output file path", file: destination)
            }
            if !force {
                throw ELMoKitError(.outputExists, "already exists (use --force to overwrite)", file: destination)
            }
        }
        let folder = url.deletingLastPathComponent().path
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ELMoKitError(.writeFailed, "'\(folder)' is a file, not a folder", file: destination) }
        } else {
            throw ELMoKitError(.writeFailed, "output folder does not exist", file: destination)
        }
        // The temp name is the file name plus about 25 bytes; most file systems stop at 255.
        let tempName = "." + url.lastPathComponent + tempMarker + String(Int32.max)
        guard tempName.utf8.count <= 255 else {
            throw ELMoKitError(.writeFailed, "file name too long: at most \(255 - (tempName.utf8.count - url.lastPathComponent.utf8.count)) bytes "
                               + "(the temp file written first adds its own suffix)", file: destination)
        }
    }

    /// Writes all of `bytes`, retrying partial writes and EINTR.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try writeAll(fd, bytes, reportingAs: destination)
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Writes all of `bytes` at `offset` (pwrite; the file position does not move). Safe to call
    /// from several threads for disjoint ranges.
    public func write(_ bytes: UnsafeRawBufferPointer, at offset: Int) throws {
        guard var pointer = bytes.baseAddress else { return }
        var left = bytes.count, position = offset
        while left > 0 {
            let n = pwrite(fd, pointer, left, off_t(position))
            if n < 0 {
                if errno == EINTR { continue }
                throw ELMoKitError(.writeFailed, "write failed: \(String(cString: strerror(errno)))", file: destination)
            }
            pointer += n
            left -= n
            position += n
        }
    }

    /// Starts writing `[offset, offset + count)` to disk without waiting (Linux `sync_file_range`),
    /// so that `commit`'s fsync has little left to flush. A hint: failures are ignored.
    public func startWriteback(offset: Int, count: Int) {
        _ = elmk_start_writeback(fd, Int64(offset), Int64(count))
    }

    /// Reads back `buffer.count` bytes written at `offset`.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        guard var pointer = buffer.baseAddress else { return }
        var left = buffer.count, position = offset
        while left > 0 {
            let n = pread(fd, pointer, left, off_t(position))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw ELMoKitError(.writeFailed, "cannot read back the output: \(n < 0 ? String(cString: strerror(errno)) : "short file")",
                                   file: destination)
            }
            pointer += n
            left -= n
            position += n
        }
    }

    /// Closes our descriptor so a library that creates files by path (HDF5) can write `tempPath`.
    public func releaseForExternalWriter() {
        if fd >= 0 { close(fd) }
        fd = -1
    }

    /// Flushes to disk and atomically replaces the destination.
    public func commit() throws {
        if fd < 0 { fd = open(tempPath, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0, fsync(fd) == 0 else {
            throw ELMoKitError(.writeFailed, "fsync failed: \(String(cString: strerror(errno)))", file: destination)
        }
        close(fd)
        fd = -1
        guard rename(tempPath, destination) == 0 else {
            throw ELMoKitError(.writeFailed, "rename failed: \(String(cString: strerror(errno)))", file: destination)
        }
        committed = true
        // Make the rename itself durable.
        let folder = URL(fileURLWithPath: destination).deletingLastPathComponent().path
        let dirfd = open(folder, O_RDONLY | O_DIRECTORY)
        if dirfd >= 0 { fsync(dirfd); close(dirfd) }
    }

    /// Deletes temp files left for `destination` by processes that no longer run.
    public static func removeStaleTempFiles(for destination: String) {
        let url = URL(fileURLWithPath: destination)
        let folder = url.deletingLastPathComponent().path
        let prefix = "." + url.lastPathComponent + tempMarker
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count)) else { continue }
            if pid != getpid(), processIsGone(pid) {
                unlink(folder + "/" + name)
            }
        }
    }

    /// True if no live process has this pid: kill(pid, 0) fails with ESRCH, or the process is a
    /// zombie. A writer killed while isolated in a child (the CLI's HDF5 isolation) is orphaned,
    /// and where PID 1 does not reap orphans (some containers) it stays a zombie for ever; its
    /// temp file must still be cleaned.
    static func processIsGone(_ pid: Int32) -> Bool {
        if kill(pid, 0) != 0 { return errno == ESRCH }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let end = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: end)...].drop { $0 == " " }.first
        return state == "Z" || state == "X"
    }
}

/// Writes all of `bytes` to `fd`, retrying partial writes and EINTR; errors name `path`.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, reportingAs path: String) throws {
    guard var pointer = bytes.baseAddress else { return }
    var left = bytes.count
    while left > 0 {
        let n = Glibc.write(fd, pointer, left)
        if n < 0 {
            if errno == EINTR { continue }
            throw ELMoKitError(.writeFailed, "write failed: \(String(cString: strerror(errno)))", file: path)
        }
        pointer += n
        left -= n
    }
}
