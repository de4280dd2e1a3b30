import CZlib

/// A read-only zip archive (PKWARE APPNOTE 6.3): the central directory, and STORED or DEFLATE
/// entries, read from a memory map with every offset and length bounds-checked before use.
/// Used for Keras `.keras` files and meant for ELMo release archives too.
///
/// Deliberately unsupported (each a clear `E_ARCHIVE_UNSUPPORTED`): zip64, multi-disk archives,
/// encryption, methods other than 0 and 8. Hostile input is bounded: entry names ≤ 4096 bytes,
/// inflated output may never exceed the size the directory declares, and the CRC-32 is checked.
public final class ZipArchive {
    public struct Entry: Sendable, Equatable {
        public let name: String
        /// 0 stored, 8 deflate.
        public let method: UInt16
        public let flags: UInt16
        public let crc32: UInt32
        public let compressedSize: Int
        public let uncompressedSize: Int
        let localHeaderOffset: Int

        public var isDirectory: Bool { name.hasSuffix("/") }
    }

    public let path: String
    /// In central-directory order.
    public let entries: [Entry]
    private let file: MappedFile

    static let localSignature: UInt32 = 0x0403_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let endSignature: UInt32 = 0x0605_4B50
    static let maxNameLength = 4096

    /// True if the file starts like a zip: a local header, or the end record of an empty archive.
    public static func hasSignature(_ path: String) -> Bool {
        let head = InputFile.prefix(path, count: 4)
        return head == [0x50, 0x4B, 0x03, 0x04] || head == [0x50, 0x4B, 0x05, 0x06]
    }

    public init(path: String) throws {
        self.path = path
        try InputFile.checkReadable(path)
        file = try MappedFile(path: path)
        entries = try Self.readDirectory(file, path)
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    // MARK: - Central directory

    private static func readDirectory(_ file: MappedFile, _ path: String) throws -> [Entry] {
        func corrupt(_ message: String) -> ELMoKitError { ELMoKitError(.archiveCorrupt, "corrupt zip: \(message)", file: path) }
        let size = file.count
        guard size >= 22, let all = file.bytes(at: 0, count: size) else { throw corrupt("\(size) bytes, too small for a zip") }
        // End of central directory: 22 bytes + a comment of at most 65535, searched from the end.
        var end: Int? = nil
        var position = size - 22
        while position >= max(0, size - 22 - 65535) {
            if all.loadUnaligned(fromByteOffset: position, as: UInt32.self).littleEndian == endSignature {
                let commentLength = Int(all.u16(position + 20))
                if position + 22 + commentLength <= size { end = position; break }
            }
            position -= 1
        }
        guard let end else { throw corrupt("no end-of-central-directory record (truncated, or not a zip)") }
        let disk = all.u16(end + 4), directoryDisk = all.u16(end + 6)
        let diskEntries = all.u16(end + 8), totalEntries = all.u16(end + 10)
        let directorySize = all.u32(end + 12), directoryOffset = all.u32(end + 16)
        if totalEntries == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw ELMoKitError(.archiveUnsupported, "zip64 archives are not supported", file: path)
        }
        guard disk == 0, directoryDisk == 0, diskEntries == totalEntries else {
            throw ELMoKitError(.archiveUnsupported, "multi-disk zip archives are not supported", file: path)
        }
        guard Int(directoryOffset) + Int(directorySize) <= end else {
            throw corrupt("central directory (\(directorySize) bytes at \(directoryOffset)) runs past its end record at \(end)")
        }
        var entries: [Entry] = []
        var names = Set<String>()
        var p = Int(directoryOffset)
        let directoryEnd = Int(directoryOffset) + Int(directorySize)
        for index in 0..<Int(totalEntries) {
            guard p + 46 <= directoryEnd, all.u32(p) == centralSignature else {
                throw corrupt("central directory entry \(index) at offset \(p) is missing or damaged")
            }
            let flags = all.u16(p + 8), method = all.u16(p + 10), crc = all.u32(p + 16)
            let compressed = all.u32(p + 20), uncompressed = all.u32(p + 24)
            let nameLength = Int(all.u16(p + 28)), extraLength = Int(all.u16(p + 30)), commentLength = Int(all.u16(p + 32))
            let localOffset = all.u32(p + 42)
            guard nameLength <= maxNameLength, p + 46 + nameLength + extraLength + commentLength <= directoryEnd else {
                throw corrupt("central directory entry \(index) runs past the directory")
            }
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: all[(p + 46)..<(p + 46 + nameLength)]), as: UTF8.self)
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                throw ELMoKitError(.archiveUnsupported, "entry '\(name)' uses zip64 sizes, which are not supported", file: path)
            }
            guard names.insert(name).inserted else { throw corrupt("two entries named '\(name)'") }
            entries.append(Entry(name: name, method: method, flags: flags, crc32: crc, compressedSize: Int(compressed),
                                 uncompressedSize: Int(uncompressed), localHeaderOffset: Int(localOffset)))
            p += 46 + nameLength + extraLength + commentLength
        }
        return entries
    }

    // MARK: - Entry data

    /// The entry's compressed bytes, after checking its local header against the directory.
    private func rawData(_ entry: Entry) throws -> UnsafeRawBufferPointer {
        func corrupt(_ message: String) -> ELMoKitError {
            ELMoKitError(.archiveCorrupt, "corrupt zip entry '\(entry.name)': \(message)", file: path)
        }
        guard entry.flags & 1 == 0 else {
            throw ELMoKitError(.archiveUnsupported, "entry '\(entry.name)' is encrypted", file: path)
        }
        guard entry.method == 0 || entry.method == 8 else {
            throw ELMoKitError(.archiveUnsupported, "entry '\(entry.name)' uses compression method \(entry.method); only stored (0) and deflate (8) are supported", file: path)
        }
        let o = entry.localHeaderOffset
        guard let header = file.bytes(at: o, count: 30), header.u32(0) == Self.localSignature else {
            throw corrupt("no local header at offset \(o)")
        }
        let nameLength = Int(header.u16(26)), extraLength = Int(header.u16(28))
        guard let localName = file.bytes(at: o + 30, count: nameLength),
              String(decoding: localName, as: UTF8.self) == entry.name else {
            throw corrupt("local header name differs from the central directory")
        }
        guard header.u16(8) == entry.method else { throw corrupt("local header method differs from the central directory") }
        guard let data = file.bytes(at: o + 30 + nameLength + extraLength, count: entry.compressedSize) else {
            throw corrupt("\(entry.compressedSize) bytes of data at offset \(o + 30 + nameLength + extraLength) run past the end of the file (truncated?)")
        }
        if entry.method == 0, entry.compressedSize != entry.uncompressedSize {
            throw corrupt("stored entry has compressed size \(entry.compressedSize) but size \(entry.uncompressedSize)")
        }
        return data
    }

    /// Passes the entry's uncompressed bytes to `sink` in pieces, then checks size and CRC-32.
    public func stream(_ entry: Entry, to sink: (UnsafeRawBufferPointer) throws -> Void) throws {
        let data = try rawData(entry)
        var crc: UInt32 = 0
        var produced = 0
        func emit(_ piece: UnsafeRawBufferPointer) throws {
            crc = CRC32.checksum(piece, continuing: crc)
            produced += piece.count
            try sink(piece)
        }
        if entry.method == 0 {
            var offset = 0
            while offset < data.count {
                let n = min(1 << 20, data.count - offset)
                try emit(UnsafeRawBufferPointer(rebasing: data[offset..<(offset + n)]))
                offset += n
            }
        } else {
            try Inflater.inflateRaw(data, limit: entry.uncompressedSize, entry: entry.name, file: path, emit)
        }
        guard produced == entry.uncompressedSize else {
            throw ELMoKitError(.archiveCorrupt, "corrupt zip entry '\(entry.name)': \(produced) bytes, the directory says \(entry.uncompressedSize)",
                               file: path)
        }
        guard crc == entry.crc32 else {
            throw ELMoKitError(.archiveCorrupt, "corrupt zip entry '\(entry.name)': CRC-32 \(String(format8: crc)), the directory says \(String(format8: entry.crc32))",
                               file: path)
        }
    }

    /// The whole entry in memory; refuses entries larger than `maxBytes` before reading them.
    public func read(_ entry: Entry, maxBytes: Int) throws -> [UInt8] {
        guard entry.uncompressedSize <= maxBytes else {
            throw ELMoKitError(.archiveUnsupported, "entry '\(entry.name)' is \(entry.uncompressedSize) bytes, more than the \(maxBytes) allowed", file: path)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entry.uncompressedSize)
        try stream(entry) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Extracts the entry into a new temporary file, deleted when the returned value is released.
    public func extractToTemporaryFile(_ entry: Entry, suffix: String) throws -> TemporaryFile {
        let temp = try TemporaryFile(suffix: suffix)
        try stream(entry) { try temp.write($0) }
        temp.finishWriting()
        return temp
    }
}

/// zlib's raw inflate (no zlib or gzip header: windowBits −15), as zip's method 8 stores it.
enum Inflater {
    static func inflateRaw(_ input: UnsafeRawBufferPointer, limit: Int, entry: String, file: String,
                           _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        func corrupt(_ message: String) -> ELMoKitError {
            ELMoKitError(.archiveCorrupt, "corrupt zip entry '\(entry)': \(message)", file: file)
        }
        var stream = z_stream()
        guard inflateInit2_(&stream, -MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ELMoKitError(.readFailed, "zlib inflateInit2 failed", file: file)
        }
        defer { inflateEnd(&stream) }
        let chunk = 1 << 18
        var output = [UInt8](repeating: 0, count: chunk)
        var consumed = 0
        var produced = 0
        while true {
            // avail_in is 32-bit: feed at most 1 GiB at a time.
            let feed = min(input.count - consumed, 1 << 30)
            stream.next_in = feed > 0 ? UnsafeMutablePointer(mutating: input.baseAddress!.assumingMemoryBound(to: UInt8.self) + consumed) : nil
            stream.avail_in = UInt32(feed)
            let (status, wrote, used) = output.withUnsafeMutableBufferPointer { out -> (Int32, Int, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(chunk)
                let status = inflate(&stream, Z_NO_FLUSH)
                return (status, chunk - Int(stream.avail_out), feed - Int(stream.avail_in))
            }
            consumed += used
            produced += wrote
            guard produced <= limit else { throw corrupt("inflates to more than the \(limit) bytes the directory declares") }
            if wrote > 0 { try output.withUnsafeBytes { try emit(UnsafeRawBufferPointer(rebasing: $0[0..<wrote])) } }
            switch status {
            case Z_STREAM_END: return
            case Z_OK: continue
            case Z_BUF_ERROR where consumed >= input.count && wrote == 0:
                throw corrupt("deflate data ends early (truncated)")
            case Z_BUF_ERROR: continue
            default:
                let reason = stream.msg.map { String(cString: $0) } ?? "error \(status)"
                throw corrupt("invalid deflate data (\(reason))")
            }
        }
    }
}

private extension UnsafeRawBufferPointer {
    func u16(_ offset: Int) -> UInt16 { UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self)) }
    func u32(_ offset: Int) -> UInt32 { UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
}
