import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map that owns its lifetime: views hold a strong reference to it, so a
/// view can never outlive the mapping. Every access goes through a bounds check.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    let base: UnsafeRawPointer?
    /// True when `base` is heap memory this object allocated (`init(bytes:path:)`), not a map.
    private let ownsHeapCopy: Bool

    public init(path: String) throws {
        self.path = path
        ownsHeapCopy = false
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw ELMoKitError(.readFailed, "cannot open: \(String(cString: strerror(errno)))", file: path)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ELMoKitError(.readFailed, "cannot stat", file: path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ELMoKitError(.notARegularFile, "not a regular file", file: path)
        }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        guard let pointer = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0), pointer != MAP_FAILED else {
            throw ELMoKitError(.readFailed, "cannot map: \(String(cString: strerror(errno)))", file: path)
        }
        base = UnsafeRawPointer(pointer)
    }

    /// Wraps a page-aligned private copy of `bytes`, so in-memory data (a fuzzer's input, a test's
    /// corrupted file) goes through exactly the same reader code as a mapped file. `path` only
    /// names the data in errors.
    public init(bytes: [UInt8], path: String) {
        self.path = path
        count = bytes.count
        ownsHeapCopy = true
        if bytes.isEmpty {
            base = nil
            return
        }
        let copy = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 4096)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        base = UnsafeRawPointer(copy)
    }

    deinit {
        guard let base else { return }
        if ownsHeapCopy {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        } else {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        }
    }

    /// The bytes `[offset, offset + length)`, or nil if that range is not inside the file.
    public func bytes(at offset: Int, count length: Int) -> UnsafeRawBufferPointer? {
        guard offset >= 0, length >= 0, offset <= count, length <= count - offset else { return nil }
        guard let base else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: base + offset, count: length)
    }

    /// Drops this process's mapping of the pages under `range` (they stay in the page cache and
    /// fault back in if touched again): a streaming pass over a large map keeps its RSS flat.
    public func release(_ range: UnsafeRawBufferPointer) {
        guard let start = range.baseAddress, range.count > 0 else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let first = Int(bitPattern: start) / page * page
        let last = (Int(bitPattern: start) + range.count + page - 1) / page * page
        madvise(UnsafeMutableRawPointer(bitPattern: first), last - first, MADV_DONTNEED)
    }

    /// Asks the kernel to read ahead; used before whole-file passes such as hashing.
    public func adviseSequential() {
        if let base, !ownsHeapCopy { madvise(UnsafeMutableRawPointer(mutating: base), count, MADV_SEQUENTIAL) }
    }
}

/// A cursor over bytes that never reads past its end: every read checks and throws.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    let onOverrun: (String) -> ELMoKitError

    var remaining: Int { bytes.count - position }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws -> T {
        let size = MemoryLayout<T>.size
        guard remaining >= size else { throw onOverrun(what) }
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: T.self))
        position += size
        return value
    }

    mutating func readBytes(_ n: Int, _ what: String) throws -> UnsafeRawBufferPointer {
        guard n >= 0, remaining >= n else { throw onOverrun(what) }
        let slice = UnsafeRawBufferPointer(rebasing: bytes[position..<(position + n)])
        position += n
        return slice
    }
}

/// Little-endian serialisation into a growing byte array.
struct ByteBuffer {
    var bytes: [UInt8] = []

    mutating func append<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ other: [UInt8]) { bytes.append(contentsOf: other) }

    mutating func pad(toMultipleOf alignment: Int) {
        let extra = (alignment - bytes.count % alignment) % alignment
        bytes.append(contentsOf: repeatElement(0, count: extra))
    }
}

/// Rounds `value` up to a multiple of the power of two `alignment`, or nil on overflow.
func alignUp(_ value: UInt64, _ alignment: UInt64) -> UInt64? {
    let (sum, overflow) = value.addingReportingOverflow(alignment - 1)
    return overflow ? nil : sum & ~(alignment - 1)
}
