import ELMoKit

/// What a damaged file must lead to.
public enum Expectation: Sendable, Equatable, CustomStringConvertible {
    /// A bit flip inside tensor data: the integrity check names exactly this tensor.
    case tensorChecksum(String)
    /// A clear ELMoKitError; one of `codes` (the rule the edit targets), or any code if empty.
    case error([ELMoKitError.Code])
    /// A valid variant (control): opens and verifies.
    case success

    public var description: String {
        switch self {
        case let .tensorChecksum(name): return "E_TENSOR_CHECKSUM naming '\(name)'"
        case let .error(codes): return codes.isEmpty ? "a clear error" : codes.map(\.rawValue).joined(separator: " or ")
        case .success: return "success"
        }
    }
}

/// One damaged variant of a valid file, built on demand (a 400 MB model × 1000 flips would not
/// fit in memory at once).
public struct CorruptionCase: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        case flipInData = "bit flip in tensor data"
        case flipElsewhere = "bit flip elsewhere"
        case truncation = "truncation or extension"
        case header = "header field edit"
        case foreign = "not a checkpoint"
        case control = "valid variant (control)"
    }

    public let kind: Kind
    public let name: String
    public let expectation: Expectation
    let build: @Sendable (CorruptionSuite) -> [UInt8]

    public func bytes(in suite: CorruptionSuite) -> [UInt8] { build(suite) }
}

/// What the reader did with a case.
public enum Outcome: Sendable, Equatable {
    case success
    case error(code: ELMoKitError.Code, tensor: String?, message: String)
    /// Something other than an ELMoKitError was thrown (never expected).
    case foreign(String)
}

/// How a case ended, judged against its expectation.
public enum Verdict: Sendable, Equatable {
    /// A flip in data named its tensor.
    case namedTensor
    /// A clear error; `atExpectedRule` false when the code is not among the expected ones.
    case clearError(atExpectedRule: Bool)
    /// A control case opened and verified.
    case accepted
    case failed(String)

    public var passed: Bool {
        if case .failed = self { return false }
        return true
    }
}

/// The corruption generator: from one valid native checkpoint, every damaged variant the hostile
/// input tests need (docs/ERRORS.md, "Corruption generator"):
/// * truncation at every header boundary and at every 1/64 of the file, and a few extensions;
/// * `flips` seeded random single-bit flips anywhere in the file;
/// * header fields set to extremes, one rule at a time, with the header CRC-32 (and the SHA-256,
///   tensor CRCs) recomputed so that the targeted rule is the one reached;
/// * a few foreign files, and valid variants that must be accepted (controls).
public final class CorruptionSuite: @unchecked Sendable {
    public let base: [UInt8]
    public let image: NativeImage
    public let layout: NativeImage.Layout
    public let tensorNames: [String]
    public private(set) var cases: [CorruptionCase] = []

    public init(base: [UInt8], flips: Int = 1000, seed: UInt64 = 1) throws {
        self.base = base
        image = try NativeImage(decoding: base)
        layout = image.layout()
        tensorNames = image.entries.map { String(decoding: $0.name, as: UTF8.self) }
        cases = truncations() + bitFlips(count: flips, seed: seed) + headerEdits() + foreignFiles() + controls()
    }

    // MARK: - Running a case in this process

    /// Opens `bytes` as the CLI would (every rule, header CRC on), verifies integrity, reads
    /// every tensor.
    public static func run(_ bytes: [UInt8]) -> Outcome {
        do {
            let checkpoint = try NativeCheckpoint(file: MappedFile(bytes: bytes, path: "<case>"))
            try checkpoint.verifyIntegrity()
            for entry in checkpoint.entries { _ = try checkpoint.float32(entry.info.name) }
            return .success
        } catch let e as ELMoKitError {
            return .error(code: e.code, tensor: e.tensor, message: e.message)
        } catch {
            return .foreign("\(error)")
        }
    }

    public static func judge(_ outcome: Outcome, _ expectation: Expectation) -> Verdict {
        switch (expectation, outcome) {
        case (.success, .success): return .accepted
        case (.success, let .error(code, _, message)): return .failed("valid variant rejected: \(code.rawValue) \(message)")
        case (_, .success): return .failed("silent success: the damage went unnoticed")
        case (_, let .foreign(text)): return .failed("not an ELMoKitError: \(text)")
        case let (.tensorChecksum(name), .error(code, tensor, message)):
            guard code == .tensorChecksum, tensor == name else {
                return .failed("expected E_TENSOR_CHECKSUM naming '\(name)', got \(code.rawValue) tensor \(tensor ?? "nil"): \(message)")
            }
            return .namedTensor
        case let (.error(codes), .error(code, _, message)):
            guard !message.isEmpty else { return .failed("\(code.rawValue) with an empty message") }
            return .clearError(atExpectedRule: codes.isEmpty || codes.contains(code))
        }
    }

    // MARK: - Truncations

    func truncations() -> [CorruptionCase] {
        let size = base.count
        var points: [(Int, String)] = []
        let fields = [(8, "magic"), (10, "version_major"), (12, "version_minor"), (16, "byte_order_mark"), (20, "alignment"),
                      (24, "tensor_count"), (32, "metadata_length"), (40, "table_length"), (48, "data_offset"),
                      (56, "data_length"), (60, "header_crc32"), (64, "reserved")]
        points.append((0, "empty file"))
        for (end, field) in fields { points.append((end - 1, "inside \(field)")); points.append((end, "after \(field)")) }
        points.append((64 + image.metadata.count / 2, "inside the metadata"))
        points.append((64 + image.metadata.count, "after the metadata"))
        // Every table entry boundary and the fields within the first entry.
        var position = 64 + image.metadata.count
        for (i, e) in image.entries.enumerated() {
            let fieldEnds = [4, 4 + e.name.count, 5 + e.name.count, 6 + e.name.count, 8 + e.name.count,
                             8 + e.name.count + 8 * e.dims.count, 16 + e.name.count + 8 * e.dims.count]
            if i == 0 { for f in fieldEnds { points.append((position + f, "inside entry 0 at +\(f)")) } }
            position += 24 + e.name.count + 8 * e.dims.count
            points.append((position, "after entry \(i)"))
        }
        points.append((layout.dataStart, "at data_offset"))
        for (i, r) in layout.tensorRanges.enumerated() where !r.isEmpty {
            points.append((r.lowerBound + r.count / 2, "inside tensor \(i)"))
            points.append((r.upperBound, "after tensor \(i)"))
        }
        points.append((layout.trailerStart, "at the trailer"))
        points.append((size - 40, "before the end magic"))
        points.append((size - 32, "before the SHA-256"))
        points.append((size - 1, "one byte short"))
        for k in 0..<64 { points.append((size * k / 64, "at \(k)/64")) }
        var seen = Set<Int>()
        var cases = points.filter { $0.0 >= 0 && $0.0 < size && seen.insert($0.0).inserted }.map { length, label in
            CorruptionCase(kind: .truncation, name: "truncate to \(length) bytes (\(label))",
                           expectation: .error([.nativeTooSmall, .nativeHeaderBounds, .nativeSize])) { Array($0.base[0..<length]) }
        }
        for extra in [1, 64, 4096] {
            cases.append(CorruptionCase(kind: .truncation, name: "extend by \(extra) zero bytes",
                                        expectation: .error([.nativeSize])) { $0.base + [UInt8](repeating: 0, count: extra) })
        }
        return cases
    }

    // MARK: - Bit flips

    func bitFlips(count: Int, seed: UInt64) -> [CorruptionCase] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { n in
            let position = Int(rng.next() % UInt64(base.count))
            let bit = Int(rng.next() % 8)
            if let t = layout.tensorRanges.firstIndex(where: { $0.contains(position) }) {
                return CorruptionCase(kind: .flipInData, name: "flip #\(n): bit \(bit) of byte \(position) (tensor '\(tensorNames[t])')",
                                      expectation: .tensorChecksum(tensorNames[t])) { Self.flip($0.base, position, bit) }
            }
            return CorruptionCase(kind: .flipElsewhere, name: "flip #\(n): bit \(bit) of byte \(position) (\(region(of: position)))",
                                  expectation: .error([])) { Self.flip($0.base, position, bit) }
        }
    }

    static func flip(_ bytes: [UInt8], _ position: Int, _ bit: Int) -> [UInt8] {
        var copy = bytes
        copy[position] ^= UInt8(1 << bit)
        return copy
    }

    /// A name for the part of the file holding `position`.
    public func region(of position: Int) -> String {
        switch position {
        case 0..<56: return "preamble"
        case 56..<60: return "header_crc32"
        case 60..<64: return "reserved"
        case 64..<(64 + image.metadata.count): return "metadata"
        case ..<layout.headerEnd: return "tensor table"
        case ..<layout.dataStart: return "header padding"
        case ..<layout.trailerStart: return "padding between tensors"
        case ..<(base.count - 40): return "tensor CRCs"
        case ..<(base.count - 32): return "end magic"
        default: return "SHA-256"
        }
    }

    // MARK: - Header edits

    func edit(_ name: String, _ codes: [ELMoKitError.Code], kind: CorruptionCase.Kind = .header,
              _ change: @escaping @Sendable (inout NativeImage) -> Void) -> CorruptionCase {
        CorruptionCase(kind: kind, name: name, expectation: codes.isEmpty && kind == .control ? .success : .error(codes)) { suite in
            var image = suite.image
            change(&image)
            return image.encode()
        }
    }

    func headerEdits() -> [CorruptionCase] {
        var list: [CorruptionCase] = []
        let count = image.entries.count
        let meta = image.metadata.count
        let withData = image.data.indices.filter { !image.data[$0].isEmpty }
        let first = withData.first ?? 0, second = withData.dropFirst().first ?? first, last = withData.last ?? 0
        let u63 = UInt64(1) << 63, max64 = UInt64.max

        // R2–R6: preamble fields.
        list.append(edit("magic: first byte changed", [.nativeMagic]) { $0.magic[0] = 0x88 })
        list.append(edit("magic: an HDF5 signature", [.nativeMagic]) { $0.magic = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] })
        for v: UInt16 in [0, 2, 0xFFFF] { list.append(edit("version_major = \(v)", [.nativeVersion]) { $0.versionMajor = v }) }
        list.append(edit("byte_order_mark byte-swapped (big-endian file)", [.nativeByteOrder]) { $0.byteOrderMark = NativeFormat.byteOrderMark.byteSwapped })
        list.append(edit("byte_order_mark = 0", [.nativeByteOrder]) { $0.byteOrderMark = 0 })
        for a: UInt32 in [0, 1, 32, 63, 96, 100, 131072, 1 << 31, .max] {
            list.append(edit("alignment = \(a)", [.nativeAlignment]) { $0.alignment = a })
        }
        list.append(edit("alignment = 128 but laid out for 64", [.nativeHeaderBounds, .nativeOffset, .nativeSize]) {
            $0.alignment = 128; $0.layoutAlignment = 64
        })
        for c: UInt32 in [65537, .max] { list.append(edit("tensor_count = \(c)", [.nativeTensorCount]) { $0.tensorCount = c }) }
        list.append(edit("tensor_count + 1 (trailer size no longer matches)", [.nativeSize]) { $0.tensorCount = UInt32(count + 1) })
        if count > 0 {
            list.append(edit("tensor_count - 1 (trailer size no longer matches)", [.nativeSize]) { $0.tensorCount = UInt32(count - 1) })
            list.append(edit("tensor_count - 1 with a matching trailer: table longer than its entries", [.nativeHeaderBounds]) {
                $0.tensorCount = UInt32(count - 1); $0.tensorCRCs = Array($0.data.map { CRC32.checksum($0) }.dropLast())
            })
        }
        list.append(edit("tensor_count + 1 with a matching trailer: table ends inside an entry", [.nativeHeaderBounds]) {
            $0.tensorCount = UInt32(count + 1); $0.tensorCRCs = $0.data.map { CRC32.checksum($0) } + [0]
        })

        // R7, R8: lengths and offsets of the header parts.
        for (label, value) in [("0", UInt64(0)), ("1", 1), ("2^63", u63), ("2^64-1", max64), ("16 MiB + 1", UInt64(16 << 20) + 1)] {
            list.append(edit("metadata_length = \(label)", [.nativeHeaderBounds]) { $0.metadataLength = value })
        }
        list.append(edit("metadata_length + 1 (metadata swallows a table byte)", []) { $0.metadataLength = UInt64(meta + 1) })
        list.append(edit("metadata_length - 1 (metadata cut short)", [.nativeMetadata, .nativeHeaderBounds]) { $0.metadataLength = UInt64(meta - 1) })
        for (label, value) in [("2^63", u63), ("2^64-1", max64), ("64 MiB + 1", UInt64(64 << 20) + 1)] {
            list.append(edit("table_length = \(label)", [.nativeHeaderBounds]) { $0.tableLength = value })
        }
        if count > 0 {
            list.append(edit("table_length = 0", [.nativeHeaderBounds]) { $0.tableLength = 0 })
            list.append(edit("table cut by 1 byte: last entry ends early", [.nativeHeaderBounds]) { $0.tableCut = 1 })
        }
        list.append(edit("8 extra bytes after the last table entry", [.nativeHeaderBounds]) { $0.tableTail = [UInt8](repeating: 0, count: 8) })
        for (label, delta) in [("+1", 1), ("+64", 64), ("-64", -64)] {
            list.append(edit("data_offset \(label)", [.nativeHeaderBounds]) { [dataStart = layout.dataStart] in
                $0.dataOffset = UInt64(dataStart + delta)
            })
        }
        for (label, value) in [("0", UInt64(0)), ("2^63", u63), ("2^64-1", max64)] {
            list.append(edit("data_offset = \(label)", [.nativeHeaderBounds]) { $0.dataOffset = value })
        }
        // R9: data length.
        for (label, value) in [("2^63", u63), ("2^64-1", max64)] {
            list.append(edit("data_length = \(label)", [.nativeSize]) { $0.dataLength = value })
        }
        if count > 0 { list.append(edit("data_length = 0", [.nativeSize]) { $0.dataLength = 0 }) }
        list.append(edit("data_length + 64 with 64 more bytes before the trailer", [.nativeSize]) {
            $0.dataTail = [UInt8](repeating: 0, count: 64)
        })
        // R10.
        list.append(edit("header_crc32 wrong", [.nativeHeaderChecksum]) { [crc = Self.storedHeaderCRC(base)] in $0.headerCRC = crc ^ 1 })
        list.append(edit("reserved = 1", [.nativeHeaderChecksum]) { $0.reserved = 1 })

        // R11: metadata.
        let metadataCases: [(String, [UInt8])] = [
            ("not JSON", Array("not json at all".utf8)),
            ("a JSON array", Array("[1,2,3]".utf8)),
            ("a JSON string", Array("\"elmo\"".utf8)),
            ("truncated JSON", Array(image.metadata.dropLast())),
            ("trailing garbage", image.metadata + Array("}".utf8)),
            ("duplicate key", Array(#"{"a":1,"a":2}"#.utf8)),
            ("invalid UTF-8 in a string", Array(#"{"a":""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8)),
            ("a lone surrogate escape", Array(#"{"a":"\udc00"}"#.utf8)),
            ("nested 600 deep", Array(#"{"a":"#.utf8) + [UInt8](repeating: UInt8(ascii: "["), count: 600)
                + [UInt8](repeating: UInt8(ascii: "]"), count: 600) + [UInt8(ascii: "}")]),
            ("NUL bytes", [UInt8](repeating: 0, count: 16)),
        ]
        for (label, bytes) in metadataCases {
            list.append(edit("metadata: \(label)", [.nativeMetadata]) { $0.metadata = bytes })
        }

        // R12–R18: the tensor table, on the first, second and last tensors.
        if count > 0 {
            for (label, value) in [("0", UInt32(0)), ("1025", 1025), ("2^32-1", .max)] {
                list.append(edit("entry 0: name_length = \(label)", [.nativeTensorName]) { $0.entries[0].nameLength = value })
            }
            list.append(edit("entry 0: name_length + 1 (misparse)", []) { $0.entries[0].nameLength = UInt32($0.entries[0].name.count + 1) })
            let badNames: [(String, [UInt8])] = [
                ("empty", []), ("invalid UTF-8", [0x61, 0xFF, 0x62]), ("contains NUL", [0x61, 0x00, 0x62]),
                ("overlong UTF-8 '/'", [0xC0, 0xAF]), ("UTF-16 surrogate in UTF-8", [0xED, 0xA0, 0x80]),
                ("1025 bytes", [UInt8](repeating: UInt8(ascii: "a"), count: 1025)),
            ]
            for (label, name) in badNames {
                list.append(edit("entry 0: name \(label)", [.nativeTensorName]) { $0.entries[0].name = name })
            }
            for code: UInt8 in [0, 5, 255] { list.append(edit("entry \(last): dtype code \(code)", [.nativeDType]) { $0.entries[last].dtype = code }) }
            for r: UInt8 in [9, 255] { list.append(edit("entry 0: rank \(r)", [.nativeRank]) { $0.entries[0].rank = r }) }
            list.append(edit("entry 0: reserved = 1", [.nativeRank]) { $0.entries[0].reserved = 1 })
            let overflowing: [(String, [UInt64])] = [
                ("[2^62, 4]", [1 << 62, 4]), ("[2^61, 2^61]", [1 << 61, 1 << 61]), ("[2^63]", [u63]), ("[1, 2^64-1]", [1, max64]),
                ("[0, 2^63] (zero hides a huge dim)", [0, u63]), ("[0, 2^40, 2^40]", [0, 1 << 40, 1 << 40]),
                ("[2^32, 2^32]", [1 << 32, 1 << 32]), ("[2^8] * 8", [UInt64](repeating: 256, count: 8)),
            ]
            for (label, dims) in overflowing {
                list.append(edit("entry \(first): shape \(label)", [.nativeShapeOverflow]) { $0.entries[first].dims = dims; $0.entries[first].length = 0 })
            }
            list.append(edit("entry \(first): a dimension + 1, length unchanged", [.nativeLengthMismatch]) {
                if $0.entries[first].dims.isEmpty { $0.entries[first].dims = [2] } else { $0.entries[first].dims[0] += 1 }
            })
            for (label, value) in [("0", UInt64(0)), ("2^63", u63), ("2^64-1", max64)] {
                list.append(edit("entry \(first): length = \(label)", [.nativeLengthMismatch]) { $0.entries[first].length = value })
            }
            // R18 with shape and length consistent: only the offset lies.
            list.append(edit("entry \(first): offset + 64 (a hole)", [.nativeOffset]) { [r = relativeOffset(first)] in $0.entries[first].offset = r + 64 })
            list.append(edit("entry \(first): offset + 1 (misaligned)", [.nativeOffset]) { [r = relativeOffset(first)] in $0.entries[first].offset = r + 1 })
            list.append(edit("entry \(first): offset = 2^63 (out of bounds)", [.nativeOffset]) { $0.entries[first].offset = u63 })
            list.append(edit("entry \(first): offset = 2^64-1", [.nativeOffset]) { $0.entries[first].offset = max64 })
            if second != first {
                list.append(edit("entry \(second): offset of entry \(first) (overlap)", [.nativeOffset]) { [r = relativeOffset(first)] in
                    $0.entries[second].offset = r
                })
                list.append(edit("entry \(second): name of entry \(first) (duplicate)", [.nativeDuplicateName]) {
                    $0.entries[second].name = $0.entries[first].name
                })
                list.append(edit("entries \(first) and \(second) swapped (not sorted)", [.nativeDuplicateName]) {
                    $0.entries.swapAt(first, second); $0.data.swapAt(first, second)
                })
            }
            list.append(edit("entry \(last): shape grown past the data region (length consistent)", [.nativeOffset, .nativeSize]) {
                let e = $0.entries[last]
                $0.entries[last].dims = (e.dims.isEmpty ? [1] : e.dims) + [1024]
                let size = UInt64(DType(rawValue: e.dtype)?.size ?? 4)
                $0.entries[last].length = $0.entries[last].dims.reduce(size, *)
                $0.entries[last].rank = UInt8($0.entries[last].dims.count)
            })
        }

        // R19–R22: trailer and padding, with the SHA-256 recomputed so the targeted rule fires.
        list.append(edit("end magic changed", [.nativeTrailer]) { $0.endMagic[0] ^= 0x20 })
        list.append(edit("end magic all zero", [.nativeTrailer]) { $0.endMagic = [UInt8](repeating: 0, count: 8) })
        if layout.dataStart > layout.headerEnd {
            list.append(edit("non-zero padding between header and data", [.nativePadding]) { $0.paddingByte = 0x5A })
        }
        list.append(edit("SHA-256 wrong", [.fileHash]) { [sha = Array(base.suffix(32))] in $0.sha256 = sha.map { $0 ^ 0xFF } })
        // A wrong stored CRC-32: the check must name that tensor.
        if let t = withData.first {
            let name = tensorNames[t]
            list.append(CorruptionCase(kind: .header, name: "stored CRC-32 of '\(name)' wrong", expectation: .tensorChecksum(name)) { suite in
                var image = suite.image
                image.tensorCRCs = image.data.map { CRC32.checksum($0) }
                image.tensorCRCs![t] ^= 1
                return image.encode()
            })
        }
        // Padding between tensors, if the layout has any gap.
        if let gap = zip(layout.tensorRanges, layout.tensorRanges.dropFirst()).first(where: { $0.upperBound < $1.lowerBound }) {
            let position = gap.0.upperBound
            list.append(CorruptionCase(kind: .header, name: "non-zero padding byte \(position) between tensors (SHA-256 recomputed)",
                                       expectation: .error([.nativePadding])) { suite in
                var bytes = suite.base
                bytes[position] = 1
                bytes.replaceSubrange((bytes.count - 32)..., with: SHA256.hash(Array(bytes.dropLast(32))))
                return bytes
            })
        }
        return list
    }

    func relativeOffset(_ i: Int) -> UInt64 { UInt64(layout.tensorRanges[i].lowerBound - layout.dataStart) }

    static func storedHeaderCRC(_ bytes: [UInt8]) -> UInt32 {
        bytes[56..<60].reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    // MARK: - Foreign files and controls

    func foreignFiles() -> [CorruptionCase] {
        var rng = SplitMix64(seed: 99)
        let random = (0..<4096).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        let files: [(String, [UInt8], [ELMoKitError.Code])] = [
            ("103 zero bytes", [UInt8](repeating: 0, count: 103), [.nativeTooSmall]),
            ("104 zero bytes", [UInt8](repeating: 0, count: 104), [.nativeMagic]),
            ("4 KiB of random bytes", random, [.nativeMagic]),
            ("an HDF5 superblock", [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A] + [UInt8](repeating: 0, count: 200), [.nativeMagic]),
            ("an HTML page", Array("<!DOCTYPE html><html><body>404 Not Found</body></html>".utf8) + [UInt8](repeating: 0x20, count: 100), [.nativeMagic]),
            ("the magic and nothing else valid", NativeFormat.magic + [UInt8](repeating: 0xFF, count: 200), [.nativeVersion]),
        ]
        return files.map { label, bytes, codes in
            CorruptionCase(kind: .foreign, name: label, expectation: .error(codes)) { _ in bytes }
        }
    }

    func controls() -> [CorruptionCase] {
        [
            CorruptionCase(kind: .control, name: "the file itself", expectation: .success) { $0.base },
            edit("version_minor = 65535 (readers of 1.x accept higher minors)", [], kind: .control) { $0.versionMinor = .max },
            edit("metadata {} (smallest object)", [], kind: .control) { $0.metadata = Array("{}".utf8) },
            edit("alignment 128, laid out for it", [], kind: .control) { $0.alignment = 128; $0.layoutAlignment = 128 },
            edit("alignment 65536, laid out for it", [], kind: .control) { $0.alignment = 65536; $0.layoutAlignment = 65536 },
            edit("no tensors at all", [], kind: .control) { $0.entries = []; $0.data = [] },
        ]
    }
}

/// A small, fast, seedable generator (SplitMix64), so every run makes the same flips.
public struct SplitMix64: Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
