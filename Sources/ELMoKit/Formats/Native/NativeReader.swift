/// One tensor of a native checkpoint, as its table entry describes it.
public struct NativeTensorEntry: Sendable {
    public let info: TensorInfo
    /// Absolute byte offset of the data in the file.
    public let fileOffset: Int
    public let length: Int
    /// The CRC-32 the trailer records for this tensor.
    public let storedCRC: UInt32
}

/// A native checkpoint opened by memory map. The initializer enforces every structural rule of
/// docs/FORMAT.md (R1–R18, R20) before any tensor is exposed; `verifyIntegrity()` adds R19, R21
/// and R22. Tensor data is returned as zero-copy views into the map.
public final class NativeCheckpoint: @unchecked Sendable {
    public let path: String
    public let file: MappedFile
    public let versionMinor: UInt16
    public let alignment: Int
    public let metadata: JSONValue
    public let entries: [NativeTensorEntry]
    public let storedSHA256: [UInt8]
    private let index: [String: Int]
    /// Layout positions, kept for the padding check.
    private let headerEnd: Int, dataOffset: Int, trailerStart: Int

    public struct Options: Sendable {
        /// Skip R10; only the fuzzer sets this, to reach the rules behind the checksum.
        public var checkHeaderCRC = true
        public init() {}
    }

    public convenience init(path: String) throws { try self.init(path: path, options: Options()) }

    public convenience init(path: String, options: Options) throws {
        try InputFile.checkReadable(path)
        try self.init(file: MappedFile(path: path), options: options)
    }

    /// Opens a checkpoint held by `file`: a map of a file, or bytes in memory
    /// (`MappedFile(bytes:path:)`, used by the fuzzer and the corruption tests). One code path.
    public init(file: MappedFile, options: Options = Options()) throws {
        let path = file.path
        self.path = path
        self.file = file
        do {
            let parsed = try Self.parse(file, options)
            (versionMinor, alignment, metadata, entries, storedSHA256) =
                (parsed.minor, parsed.alignment, parsed.metadata, parsed.entries, parsed.sha)
            (headerEnd, dataOffset, trailerStart) = (parsed.headerEnd, parsed.dataOffset, parsed.trailerStart)
        } catch let error as ELMoKitError {
            throw error.inFile(path)
        }
        var index: [String: Int] = [:]
        for (i, e) in entries.enumerated() { index[e.info.name] = i }
        self.index = index
    }

    private static func fail(_ code: ELMoKitError.Code, _ message: String, tensor: String? = nil) -> ELMoKitError {
        ELMoKitError(code, message, tensor: tensor)
    }

    private static func parse(_ file: MappedFile, _ options: Options) throws
        -> (minor: UInt16, alignment: Int, metadata: JSONValue, entries: [NativeTensorEntry], sha: [UInt8],
            headerEnd: Int, dataOffset: Int, trailerStart: Int)
    {
        let size = file.count
        let minimum = NativeFormat.preambleSize + NativeFormat.trailerFixedSize
        // R1: room for a preamble and a trailer.
        guard size >= minimum else {
            throw fail(.nativeTooSmall, "truncated or not an ELMoKit checkpoint: \(size) bytes, at least \(minimum) needed")
        }
        let all = file.bytes(at: 0, count: size)!
        var pre = ByteCursor(bytes: UnsafeRawBufferPointer(rebasing: all[0..<64])) {
            fail(.nativeTooSmall, "preamble ends inside \($0)")
        }
        // R2: magic.
        let magic = Array(try pre.readBytes(8, "magic"))
        guard magic == NativeFormat.magic else {
            throw fail(.nativeMagic, "not an ELMoKit checkpoint (bad magic bytes \(hexString(magic)))")
        }
        // R3: major version.
        let major = try pre.read(UInt16.self, "version_major")
        let minor = try pre.read(UInt16.self, "version_minor")
        guard major == NativeFormat.versionMajor else {
            throw fail(.nativeVersion, "format version \(major).\(minor) is not supported (this reader reads 1.x)")
        }
        // R4: byte-order mark.
        let bom = try pre.read(UInt32.self, "byte_order_mark")
        guard bom == NativeFormat.byteOrderMark else {
            let swapped = bom == NativeFormat.byteOrderMark.byteSwapped
            throw fail(.nativeByteOrder, swapped ? "file is big-endian; version 1 files are little-endian"
                                                 : "corrupt byte-order mark 0x\(String(bom, radix: 16))")
        }
        // R5: alignment.
        let alignment = try pre.read(UInt32.self, "alignment")
        guard alignment >= 64, alignment <= 65536, alignment & (alignment - 1) == 0 else {
            throw fail(.nativeAlignment, "alignment \(alignment) is not a power of two in [64, 65536]")
        }
        // R6: tensor count.
        let count = try pre.read(UInt32.self, "tensor_count")
        guard count <= NativeFormat.maxTensorCount else {
            throw fail(.nativeTensorCount, "tensor_count \(count) exceeds \(NativeFormat.maxTensorCount)")
        }
        let metaLength = try pre.read(UInt64.self, "metadata_length")
        let tableLength = try pre.read(UInt64.self, "table_length")
        let dataOffset = try pre.read(UInt64.self, "data_offset")
        let dataLength = try pre.read(UInt64.self, "data_length")
        let headerCRC = try pre.read(UInt32.self, "header_crc32")
        let reserved = try pre.read(UInt32.self, "reserved")
        // R7: lengths within caps and within the file (each bounded first, so sums cannot overflow).
        guard metaLength >= 2, metaLength <= NativeFormat.maxMetadataLength,
              tableLength <= NativeFormat.maxTableLength,
              64 + metaLength + tableLength <= UInt64(size) else {
            throw fail(.nativeHeaderBounds,
                       "truncated or corrupt header: metadata \(metaLength) + table \(tableLength) bytes do not fit a \(size)-byte file")
        }
        let headerEnd = 64 + metaLength + tableLength
        // R8: data offset is the aligned end of the table.
        guard let expectedDataOffset = alignUp(headerEnd, UInt64(alignment)), dataOffset == expectedDataOffset else {
            throw fail(.nativeHeaderBounds, "data_offset \(dataOffset) is not the aligned end of the header")
        }
        // R9 (size part): data and trailer fit the file exactly.
        let trailerSize = UInt64(count) * 4 + UInt64(NativeFormat.trailerFixedSize)
        guard dataLength <= UInt64(size), dataOffset <= UInt64(size),
              dataOffset + dataLength + trailerSize == UInt64(size) else {
            let expected = dataOffset.addingReportingOverflow(dataLength).partialValue &+ trailerSize
            throw fail(.nativeSize, "truncated or corrupt: file is \(size) bytes, its header describes \(expected)")
        }
        // R10: header checksum and reserved field.
        let meta = UnsafeRawBufferPointer(rebasing: all[64..<Int(64 + metaLength)])
        let table = UnsafeRawBufferPointer(rebasing: all[Int(64 + metaLength)..<Int(headerEnd)])
        if options.checkHeaderCRC {
            var crc = CRC32.checksum(UnsafeRawBufferPointer(rebasing: all[0..<56]))
            crc = CRC32.checksum(meta, continuing: crc)
            crc = CRC32.checksum(table, continuing: crc)
            guard crc == headerCRC else {
                throw fail(.nativeHeaderChecksum, "corrupt header: CRC-32 is \(String(crc, radix: 16)), stored \(String(headerCRC, radix: 16))")
            }
        }
        guard reserved == 0 else { throw fail(.nativeHeaderChecksum, "corrupt header: reserved field is \(reserved), must be 0") }
        // R11: metadata is a JSON object.
        let metadata: JSONValue
        do {
            metadata = try JSONParser.parse(Array(meta))
        } catch let error as ELMoKitError {
            throw fail(.nativeMetadata, "metadata is not valid JSON (\(error.message))")
        }
        guard case .object = metadata else { throw fail(.nativeMetadata, "metadata is not a JSON object") }
        // R20: end magic (checked before the table so a truncated tail is named as such).
        let trailerStart = Int(dataOffset + dataLength)
        let endMagic = Array(UnsafeRawBufferPointer(rebasing: all[(trailerStart + Int(count) * 4)..<(trailerStart + Int(count) * 4 + 8)]))
        guard endMagic == NativeFormat.endMagic else {
            throw fail(.nativeTrailer, "truncated or corrupt: trailer magic missing")
        }
        // R12–R18: the tensor table.
        var cursor = ByteCursor(bytes: table) { fail(.nativeHeaderBounds, "tensor table ends inside \($0)") }
        var entries: [NativeTensorEntry] = []
        entries.reserveCapacity(Int(count))
        var expectedOffset: UInt64 = 0
        var previousName: [UInt8]? = nil
        for i in 0..<Int(count) {
            // R13: name.
            let nameLength = try cursor.read(UInt32.self, "the name length of entry \(i)")
            guard nameLength >= 1, nameLength <= NativeFormat.maxNameLength else {
                throw fail(.nativeTensorName, "entry \(i): name length \(nameLength) is not in 1...1024")
            }
            let nameBytes = Array(try cursor.readBytes(Int(nameLength), "the name of entry \(i)"))
            guard !nameBytes.contains(0) else { throw fail(.nativeTensorName, "entry \(i): name contains a NUL byte") }
            guard let name = String(validating: nameBytes, as: UTF8.self) else {
                throw fail(.nativeTensorName, "entry \(i): name is not valid UTF-8")
            }
            // R14: unique and sorted.
            if let previousName {
                guard previousName != nameBytes else {
                    throw fail(.nativeDuplicateName, "tensor name '\(name)' appears twice", tensor: name)
                }
                guard previousName.lexicographicallyPrecedes(nameBytes) else {
                    throw fail(.nativeDuplicateName, "tensor '\(name)' is out of order (names must be sorted)", tensor: name)
                }
            }
            previousName = nameBytes
            // R15: dtype.
            let code = try cursor.read(UInt8.self, "the dtype of '\(name)'")
            guard let dtype = DType(rawValue: code) else {
                throw fail(.nativeDType, "tensor '\(name)': unknown dtype code \(code)", tensor: name)
            }
            // R16: rank and reserved.
            let rank = try cursor.read(UInt8.self, "the rank of '\(name)'")
            let entryReserved = try cursor.read(UInt16.self, "the entry of '\(name)'")
            guard rank <= NativeFormat.maxRank, entryReserved == 0 else {
                throw fail(.nativeRank, "tensor '\(name)': rank \(rank) (at most 8) or reserved \(entryReserved) (must be 0)", tensor: name)
            }
            // R17: shape × dtype size = length, overflow-checked. The product is taken over the
            // non-zero dimensions: a zero used to hide a later huge one, so [0, 2^63] passed and
            // trapped in Int(dim), and [0, 2^62, 2^62] would overflow in any code that multiplies
            // part of the shape (found by fuzzing; regression test NativeReaderRegressionTests).
            var dims: [Int] = []
            var rawDims: [UInt64] = []
            var nonZeroBytes = UInt64(dtype.size)
            var hasZero = false
            var overflow = false
            for d in 0..<Int(rank) {
                let dim = try cursor.read(UInt64.self, "dimension \(d) of '\(name)'")
                rawDims.append(dim)
                if dim == 0 { hasZero = true } else {
                    let (product, o) = nonZeroBytes.multipliedReportingOverflow(by: dim)
                    overflow = overflow || o || product > UInt64(Int64.max)
                    nonZeroBytes = product
                }
                dims.append(overflow ? 0 : Int(dim))
            }
            let bytes = hasZero ? 0 : nonZeroBytes
            guard !overflow else {
                throw fail(.nativeShapeOverflow, "tensor '\(name)': shape \(rawDims) of \(dtype) overflows 2^63 bytes", tensor: name)
            }
            let offset = try cursor.read(UInt64.self, "the offset of '\(name)'")
            let length = try cursor.read(UInt64.self, "the length of '\(name)'")
            guard length == bytes else {
                throw fail(.nativeLengthMismatch, "tensor '\(name)': length \(length) bytes, but shape \(dims) of \(dtype) needs \(bytes)", tensor: name)
            }
            // R18: contiguous, aligned, inside the data region.
            guard offset == expectedOffset, offset <= dataLength, length <= dataLength - offset else {
                throw fail(.nativeOffset, "tensor '\(name)': offset \(offset) (expected \(expectedOffset)), length \(length), data region \(dataLength) bytes", tensor: name)
            }
            expectedOffset = alignUp(offset + length, UInt64(alignment))!
            let crcOffset = trailerStart + i * 4
            let storedCRC = UInt32(littleEndian: all.loadUnaligned(fromByteOffset: crcOffset, as: UInt32.self))
            entries.append(NativeTensorEntry(info: TensorInfo(name: name, dtype: dtype, shape: dims),
                                             fileOffset: Int(dataOffset + offset), length: Int(length),
                                             storedCRC: storedCRC))
        }
        guard cursor.remaining == 0 else {
            throw fail(.nativeHeaderBounds, "tensor table has \(cursor.remaining) bytes after its \(count) entries")
        }
        // R9 (layout part): data_length is the aligned end of the last tensor.
        guard dataLength == expectedOffset else {
            throw fail(.nativeSize, "data_length \(dataLength) is not the aligned end of the last tensor (\(expectedOffset))")
        }
        let shaStart = size - 32
        let sha = Array(UnsafeRawBufferPointer(rebasing: all[shaStart..<size]))
        return (minor, Int(alignment), metadata, entries, sha, Int(headerEnd), Int(dataOffset), trailerStart)
    }

    // MARK: - Access

    public var tensorInfos: [TensorInfo] { entries.map(\.info) }

    public func entry(_ name: String) -> NativeTensorEntry? { index[name].map { entries[$0] } }

    /// Zero-copy view of a tensor's bytes; valid while this checkpoint is alive.
    public func bytes(of entry: NativeTensorEntry) -> UnsafeRawBufferPointer {
        // Bounds were established by R18 at open.
        file.bytes(at: entry.fileOffset, count: entry.length)!
    }

    // MARK: - Integrity (R19, R21, R22)

    /// Checks every tensor's CRC-32, the padding and the file's SHA-256. Throws on the first
    /// damaged tensor, naming it; `damagedTensors()` lists them all.
    public func verifyIntegrity() throws {
        // Two passes over the map at once: CRC-32s and padding on one thread, SHA-256 on the other
        // (SHA-256 alone runs at about 1.7 GB/s here; it bounds the whole check). Errors are
        // reported in the same order as a sequential check would find them.
        var damaged: [String] = []
        var padding: Result<Void, Error> = .success(())
        var digest: [UInt8] = []
        file.adviseSequential()
        Parallel.forEach(2) { part in
            if part == 0 {
                digest = computeSHA256()
            } else {
                damaged = damagedTensors()
                padding = Result { try checkPadding() }
            }
        }
        if let first = damaged.first {
            throw ELMoKitError(.tensorChecksum, "integrity check failed: tensor '\(first)' does not match its CRC-32 (data corrupted)",
                               file: path, tensor: first)
        }
        try padding.get()
        guard digest == storedSHA256 else {
            throw ELMoKitError(.fileHash, "integrity check failed: SHA-256 of the file is \(hexString(digest)), trailer says \(hexString(storedSHA256))",
                               file: path)
        }
    }

    /// Names of the tensors whose data does not match their stored CRC-32.
    public func damagedTensors() -> [String] {
        file.adviseSequential()
        return entries.filter { CRC32.checksum(bytes(of: $0)) != $0.storedCRC }.map(\.info.name)
    }

    /// R19: the gaps between header and data, between tensors, and before the trailer are zero.
    private func checkPadding() throws {
        var spans = [(headerEnd, dataOffset)]
        var previousEnd = dataOffset
        for e in entries {
            spans.append((previousEnd, e.fileOffset))
            previousEnd = e.fileOffset + e.length
        }
        spans.append((previousEnd, trailerStart))
        for (start, end) in spans where end > start {
            guard file.bytes(at: start, count: end - start)!.allSatisfy({ $0 == 0 }) else {
                throw ELMoKitError(.nativePadding, "non-zero padding bytes at offset \(start) (data corrupted)", file: path)
            }
        }
    }

    /// SHA-256 of every byte before the trailer's hash field.
    public func computeSHA256() -> [UInt8] {
        let hasher = SHA256()
        hasher.update(file.bytes(at: 0, count: file.count - 32)!)
        return hasher.finalize()
    }
}

extension NativeCheckpoint: WeightSource {
    public func float32(_ name: String) throws -> FloatTensor {
        guard let e = entry(name) else {
            throw ELMoKitError(.missingTensor, "no tensor '\(name)'", file: path, tensor: name)
        }
        let raw = bytes(of: e)
        if e.info.dtype == .float32 {
            // Zero-copy: data is 64-byte aligned in a page-aligned map.
            let view = UnsafeBufferPointer(start: raw.baseAddress?.assumingMemoryBound(to: Float.self), count: e.info.elementCount)
            return FloatTensor(name: name, shape: e.info.shape, view: view, owner: self)
        }
        return FloatTensor(name: name, shape: e.info.shape, array: FloatConversion.toFloat32(raw, dtype: e.info.dtype))
    }

    /// Streams a tensor's bytes in pieces, releasing each piece's pages after use (flat RSS).
    public func streamBytes(_ name: String, as dtype: DType?, pieceBytes: Int,
                            _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let e = entry(name) else {
            throw ELMoKitError(.missingTensor, "no tensor '\(name)'", file: path, tensor: name)
        }
        let raw = bytes(of: e)
        let size = e.info.dtype.size, step = max(1, (pieceBytes + size - 1) / size) * size  // whole elements
        var start = 0
        repeat {
            let end = min(raw.count, start + step)
            let piece = UnsafeRawBufferPointer(rebasing: raw[start..<end])
            if dtype == nil || dtype == e.info.dtype {
                try body(piece)
            } else {
                try FloatConversion.convert(piece, from: e.info.dtype, to: dtype!).withUnsafeBytes(body)
            }
            file.release(piece)
            start = end
        } while start < raw.count
    }

    public func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let e = entry(name) else {
            throw ELMoKitError(.missingTensor, "no tensor '\(name)'", file: path, tensor: name)
        }
        let raw = bytes(of: e)
        if dtype == nil || dtype == e.info.dtype { return try body(raw) }
        return try FloatConversion.convert(raw, from: e.info.dtype, to: dtype!).withUnsafeBytes(body)
    }
}
