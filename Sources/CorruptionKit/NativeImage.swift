import ELMoKit

/// A native checkpoint taken apart into editable fields (docs/FORMAT.md, Layout), so a test can
/// set any header field to any value and re-encode a file that is consistent everywhere else:
/// lengths, offsets, the header CRC-32, the tensor CRCs and the SHA-256 are recomputed unless
/// overridden. `NativeImage(decoding:)` then `encode()` reproduces a valid file byte for byte.
///
/// Every `…` override is a claim written into the header; the bytes actually laid out always
/// follow the real sizes (`metadata.count`, the encoded table, `data[i].count`), which is what
/// lets one field lie while the rest stays true.
public struct NativeImage: Sendable {
    public struct Entry: Sendable {
        public var name: [UInt8]
        /// nil: `name.count`.
        public var nameLength: UInt32?
        public var dtype: UInt8
        /// nil: `dims.count`.
        public var rank: UInt8?
        public var reserved: UInt16 = 0
        public var dims: [UInt64]
        /// nil: where the data is actually laid out (relative to data_offset).
        public var offset: UInt64?
        /// nil: the real byte count of this tensor's data.
        public var length: UInt64?

        public init(name: [UInt8], dtype: UInt8, dims: [UInt64]) {
            self.name = name
            self.dtype = dtype
            self.dims = dims
        }
    }

    public var magic = NativeFormat.magic
    public var versionMajor = NativeFormat.versionMajor
    public var versionMinor = NativeFormat.versionMinor
    public var byteOrderMark = NativeFormat.byteOrderMark
    public var alignment = UInt32(NativeFormat.alignment)
    /// Alignment used to lay the bytes out; nil: `alignment` if it is valid, else 64.
    public var layoutAlignment: Int?
    /// nil: `entries.count`.
    public var tensorCount: UInt32?
    public var metadata: [UInt8]
    public var metadataLength: UInt64?
    public var entries: [Entry]
    /// Bytes appended to the encoded table (inside the real table), e.g. to leave extra bytes.
    public var tableTail: [UInt8] = []
    /// Bytes cut from the end of the encoded table.
    public var tableCut = 0
    public var tableLength: UInt64?
    public var dataOffset: UInt64?
    public var dataLength: UInt64?
    /// nil: computed as the reader does, over [0, 56) and the claimed metadata and table.
    public var headerCRC: UInt32?
    public var reserved: UInt32 = 0
    /// Tensor bytes, one array per entry (the data actually laid out).
    public var data: [[UInt8]]
    /// Byte written into every padding gap (0 in a valid file).
    public var paddingByte: UInt8 = 0
    /// Extra bytes between the last tensor and the trailer.
    public var dataTail: [UInt8] = []
    /// nil: CRC-32 of each `data[i]`.
    public var tensorCRCs: [UInt32]?
    public var endMagic = NativeFormat.endMagic
    /// nil: SHA-256 of everything before it.
    public var sha256: [UInt8]?

    public init(metadata: [UInt8], entries: [Entry], data: [[UInt8]]) {
        self.metadata = metadata
        self.entries = entries
        self.data = data
    }

    // MARK: - Decoding a valid file

    public struct DecodeError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Takes apart a valid file (checked with `NativeCheckpoint` first).
    public init(decoding bytes: [UInt8]) throws {
        let checkpoint = try NativeCheckpoint(file: MappedFile(bytes: bytes, path: "<image>"))
        try checkpoint.verifyIntegrity()
        var r = Reader(bytes: bytes, position: 8)
        versionMajor = r.u16()
        versionMinor = r.u16()
        byteOrderMark = r.u32()
        alignment = r.u32()
        let count = Int(r.u32())
        let metaLength = Int(r.u64())
        _ = r.u64()  // table length
        r.position = 64
        metadata = Array(bytes[64..<(64 + metaLength)])
        r.position = 64 + metaLength
        entries = []
        for _ in 0..<count {
            let nameLength = Int(r.u32())
            var e = Entry(name: Array(bytes[r.position..<(r.position + nameLength)]), dtype: 0, dims: [])
            r.position += nameLength
            e.dtype = r.u8()
            let rank = Int(r.u8())
            _ = r.u16()
            e.dims = (0..<rank).map { _ in r.u64() }
            _ = r.u64()
            _ = r.u64()
            entries.append(e)
        }
        data = checkpoint.entries.map { Array(checkpoint.bytes(of: $0)) }
        let reencoded = encode()
        guard reencoded == bytes else {
            throw DecodeError(description: "re-encoding does not reproduce the file (\(reencoded.count) vs \(bytes.count) bytes)")
        }
    }

    // MARK: - Encoding

    /// The file bytes.
    public func encode() -> [UInt8] { layout().bytes }

    /// The file bytes and where its parts landed (absolute offsets).
    public struct Layout {
        public var bytes: [UInt8]
        public var tensorRanges: [Range<Int>]
        public var headerEnd: Int
        public var dataStart: Int
        public var trailerStart: Int
    }

    static func alignUp(_ value: Int, _ alignment: Int) -> Int { (value + alignment - 1) / alignment * alignment }

    public func layout() -> Layout {
        let claimedAlignment = Int(alignment)
        let a = layoutAlignment ?? ((64...65536).contains(claimedAlignment) && claimedAlignment & (claimedAlignment - 1) == 0
            ? claimedAlignment : 64)
        // Real data positions (relative to the data region).
        var relative: [Int] = []
        var position = 0
        for d in data {
            relative.append(position)
            position = Self.alignUp(position + d.count, a)
        }
        let realDataLength = position
        var table = Writer()
        for (i, e) in entries.enumerated() {
            table.u32(e.nameLength ?? UInt32(e.name.count))
            table.bytes(e.name)
            table.u8(e.dtype)
            table.u8(e.rank ?? UInt8(truncatingIfNeeded: e.dims.count))
            table.u16(e.reserved)
            for d in e.dims { table.u64(d) }
            table.u64(e.offset ?? UInt64(i < relative.count ? relative[i] : 0))
            table.u64(e.length ?? UInt64(i < data.count ? data[i].count : 0))
        }
        var tableBytes = table.out + tableTail
        tableBytes.removeLast(min(tableCut, tableBytes.count))
        let headerEnd = 64 + metadata.count + tableBytes.count
        let dataStart = Self.alignUp(headerEnd, a)

        var pre = Writer()
        pre.bytes(magic)
        pre.u16(versionMajor)
        pre.u16(versionMinor)
        pre.u32(byteOrderMark)
        pre.u32(alignment)
        pre.u32(tensorCount ?? UInt32(entries.count))
        pre.u64(metadataLength ?? UInt64(metadata.count))
        pre.u64(tableLength ?? UInt64(tableBytes.count))
        pre.u64(dataOffset ?? UInt64(dataStart))
        pre.u64(dataLength ?? UInt64(realDataLength + dataTail.count))
        pre.u32(0)  // header CRC, filled in below
        pre.u32(reserved)

        var out = pre.out
        out += metadata
        out += tableBytes
        out += [UInt8](repeating: paddingByte, count: dataStart - headerEnd)
        var ranges: [Range<Int>] = []
        for (i, d) in data.enumerated() {
            let start = dataStart + relative[i]
            out += [UInt8](repeating: paddingByte, count: start - out.count)
            ranges.append(start..<(start + d.count))
            out += d
        }
        out += [UInt8](repeating: paddingByte, count: dataStart + realDataLength - out.count)
        out += dataTail
        let trailerStart = out.count
        var trailer = Writer()
        for crc in tensorCRCs ?? data.map({ CRC32.checksum($0) }) { trailer.u32(crc) }
        trailer.bytes(endMagic)
        out += trailer.out

        // Header CRC over what the reader will hash: [0, 56) and the claimed metadata + table.
        let crc = headerCRC ?? {
            let claimedEnd = UInt64(64).addingReportingOverflow(metadataLength ?? UInt64(metadata.count))
            let end2 = claimedEnd.partialValue.addingReportingOverflow(tableLength ?? UInt64(tableBytes.count))
            let end = (claimedEnd.overflow || end2.overflow) ? out.count : Int(min(end2.partialValue, UInt64(out.count)))
            var c = CRC32.checksum(Array(out[0..<56]))
            c = CRC32.checksum(Array(out[64..<max(64, end)]), continuing: c)
            return c
        }()
        withUnsafeBytes(of: crc.littleEndian) { out.replaceSubrange(56..<60, with: $0) }
        out += sha256 ?? SHA256.hash(out)
        return Layout(bytes: out, tensorRanges: ranges, headerEnd: headerEnd, dataStart: dataStart, trailerStart: trailerStart)
    }
}

/// Little-endian reads from a valid file.
struct Reader {
    let bytes: [UInt8]
    var position: Int

    mutating func u8() -> UInt8 { defer { position += 1 }; return bytes[position] }
    mutating func u16() -> UInt16 { UInt16(u8()) | UInt16(u8()) << 8 }
    mutating func u32() -> UInt32 { UInt32(u16()) | UInt32(u16()) << 16 }
    mutating func u64() -> UInt64 { UInt64(u32()) | UInt64(u32()) << 32 }
}

/// Little-endian writes.
struct Writer {
    var out: [UInt8] = []
    mutating func u8(_ v: UInt8) { out.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    mutating func bytes(_ b: [UInt8]) { out += b }
}
