import XCTest
@testable import ELMoKit

/// Builds native files by hand from docs/FORMAT.md — not with `NativeWriter` — so the reader is
/// checked against the spec, and breaks one rule at a time.
struct HandBuiltFile {
    struct Entry {
        var name: [UInt8]
        var dtype: UInt8 = 3
        var rank: UInt8? = nil
        var reserved: UInt16 = 0
        var dims: [UInt64]
        var offset: UInt64? = nil
        var length: UInt64? = nil
        var data: [UInt8]
    }

    var magic = NativeFormat.magic
    var major: UInt16 = 1, minor: UInt16 = 0
    var bom: UInt32 = 0x0A0B_0C0D
    var alignment: UInt32 = 64
    var metadata = Array(#"{"architecture":"test"}"#.utf8)
    var entries: [Entry] = [
        Entry(name: Array("a".utf8), dims: [2], data: le([Float(1.5), -2])),
        Entry(name: Array("b/c".utf8), dims: [1, 3], data: le([Float(0.25), 4, 8])),
    ]
    var tensorCountOverride: UInt32? = nil
    var metadataLengthOverride: UInt64? = nil
    var dataOffsetOverride: UInt64? = nil
    var dataLengthOverride: UInt64? = nil
    var reservedField: UInt32 = 0
    var fixCRC = true
    var corruptCRC = false
    var endMagic = NativeFormat.endMagic

    static func le(_ values: [Float]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) } }
    static func u(_ v: some FixedWidthInteger) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
    static func align(_ v: Int, _ a: Int) -> Int { (v + a - 1) / a * a }

    func bytes() -> [UInt8] {
        let a = Int(alignment)
        var table: [UInt8] = []
        var offset = 0
        for e in entries {
            table += Self.u(UInt32(e.name.count)) + e.name + [e.dtype, e.rank ?? UInt8(e.dims.count)] + Self.u(e.reserved)
            for d in e.dims { table += Self.u(d) }
            table += Self.u(e.offset ?? UInt64(offset)) + Self.u(e.length ?? UInt64(e.data.count))
            offset = Self.align(offset + e.data.count, a)
        }
        let dataOffset = Self.align(64 + metadata.count + table.count, a)
        var pre: [UInt8] = magic + Self.u(major) + Self.u(minor) + Self.u(bom) + Self.u(alignment)
        pre += Self.u(tensorCountOverride ?? UInt32(entries.count))
        pre += Self.u(metadataLengthOverride ?? UInt64(metadata.count)) + Self.u(UInt64(table.count))
        pre += Self.u(dataOffsetOverride ?? UInt64(dataOffset)) + Self.u(dataLengthOverride ?? UInt64(offset))
        var crc = CRC32.checksum(pre)
        crc = CRC32.checksum(metadata, continuing: crc)
        crc = CRC32.checksum(table, continuing: crc)
        pre += Self.u(corruptCRC ? crc ^ 1 : crc) + Self.u(reservedField)
        var file = pre + metadata + table
        file += [UInt8](repeating: 0, count: dataOffset - file.count)
        for e in entries {
            file += e.data
            file += [UInt8](repeating: 0, count: Self.align(file.count, a) - file.count)
        }
        for e in entries { file += Self.u(CRC32.checksum(e.data)) }
        file += endMagic
        file += SHA256.hash(file)
        return file
    }

    func write(to folder: URL, _ name: String = "hand.elmk") throws -> String {
        let path = folder.appendingPathComponent(name).path
        try Data(bytes()).write(to: URL(fileURLWithPath: path))
        return path
    }
}

final class NativeFormatTests: XCTestCase {
    var folder: URL!
    override func setUpWithError() throws { folder = try TestData.scratch(self) }

    func test_handBuiltFile_fromSpec_isAccepted() throws {
        let file = try NativeCheckpoint(path: try HandBuiltFile().write(to: folder))
        XCTAssertEqual(file.tensorInfos.map(\.name), ["a", "b/c"])
        XCTAssertEqual(file.tensorInfos[1].shape, [1, 3])
        XCTAssertEqual(try file.float32("a").array, [1.5, -2])
        XCTAssertEqual(try file.float32("b/c").array, [0.25, 4, 8])
        XCTAssertEqual(file.metadata["architecture"]?.stringValue, "test")
        XCTAssertNoThrow(try file.verifyIntegrity())
    }

    /// One hand-built file per header rule; each fails with its own code.
    func test_eachHeaderRule_isRejectedWithItsOwnCode() throws {
        var cases: [(String, HandBuiltFile, ELMoKitError.Code)] = []
        func add(_ label: String, _ code: ELMoKitError.Code, _ edit: (inout HandBuiltFile) -> Void) {
            var f = HandBuiltFile()
            edit(&f)
            cases.append((label, f, code))
        }
        add("R2 magic", .nativeMagic) { $0.magic[1] = 0x58 }
        add("R3 version", .nativeVersion) { $0.major = 2 }
        add("R4 byte order", .nativeByteOrder) { $0.bom = UInt32(0x0A0B_0C0D).byteSwapped }
        add("R5 alignment", .nativeAlignment) { $0.alignment = 48 }
        add("R6 tensor count", .nativeTensorCount) { $0.tensorCountOverride = 70000 }
        add("R7 metadata length", .nativeHeaderBounds) { $0.metadataLengthOverride = 1 << 40 }
        add("R8 data offset", .nativeHeaderBounds) { $0.dataOffsetOverride = 64 }
        add("R9 data length", .nativeSize) { $0.dataLengthOverride = 64 }
        add("R10 header CRC", .nativeHeaderChecksum) { $0.corruptCRC = true }
        add("R10 reserved", .nativeHeaderChecksum) { $0.reservedField = 7 }
        add("R11 metadata JSON", .nativeMetadata) { $0.metadata = Array(#"{"a":1,"a":2}"#.utf8) }
        add("R11 metadata object", .nativeMetadata) { $0.metadata = Array("[1, 2]".utf8) }
        add("R13 empty name", .nativeTensorName) { $0.entries[0].name = [] }
        add("R13 invalid UTF-8", .nativeTensorName) { $0.entries[0].name = [0xFF, 0xFE] }
        add("R13 NUL in name", .nativeTensorName) { $0.entries[0].name = [0x61, 0x00] }
        add("R14 duplicate", .nativeDuplicateName) { $0.entries[1].name = Array("a".utf8) }
        add("R14 unsorted", .nativeDuplicateName) { $0.entries.swapAt(0, 1) }
        add("R15 dtype", .nativeDType) { $0.entries[0].dtype = 99 }
        add("R16 rank", .nativeRank) { $0.entries[0].rank = 9; $0.entries[0].dims = Array(repeating: 1, count: 9) }
        add("R16 reserved", .nativeRank) { $0.entries[0].reserved = 1 }
        add("R17 overflow", .nativeShapeOverflow) { $0.entries[0].dims = [1 << 62, 1 << 62] }
        add("R17 huge dimension after a zero", .nativeShapeOverflow) { $0.entries[0].dims = [0, UInt64.max] }
        add("R17 length", .nativeLengthMismatch) { $0.entries[0].length = 12 }
        add("R18 overlap", .nativeOffset) { $0.entries[1].offset = 0 }
        add("R18 out of bounds", .nativeOffset) { $0.entries[1].offset = 1 << 40 }
        add("R20 end magic", .nativeTrailer) { $0.endMagic[0] = 0 }
        var messages = Set<String>()
        for (label, file, code) in cases {
            let path = try file.write(to: folder, "\(label.replacingOccurrences(of: " ", with: "_")).elmk")
            let error = XCTAssertThrowsCode(code, try NativeCheckpoint(path: path))
            XCTAssertEqual(error?.file, path, label)
            if let message = error?.message { messages.insert(message) }
        }
        XCTAssertEqual(messages.count, cases.count, "every broken rule gets its own message")
    }

    func test_truncation_atEveryByteOfASmallFile_isAClearError() throws {
        let bytes = HandBuiltFile().bytes()
        let path = folder.appendingPathComponent("cut.elmk")
        for length in 1..<bytes.count {
            try Data(bytes[0..<length]).write(to: path)
            XCTAssertThrowsError(try NativeCheckpoint(path: path.path), "length \(length)") { error in
                XCTAssertTrue(error is ELMoKitError, "length \(length): \(error)")
            }
        }
    }

    func test_bitFlipInTensorData_namesTheTensor() throws {
        let good = HandBuiltFile().bytes()
        let header = try NativeCheckpoint(path: try HandBuiltFile().write(to: folder))
        for entry in header.entries {
            for bit in 0..<(entry.length * 8) {
                var bytes = good
                bytes[entry.fileOffset + bit / 8] ^= UInt8(1 << (bit % 8))
                let path = folder.appendingPathComponent("flip.elmk")
                try Data(bytes).write(to: path)
                let file = try NativeCheckpoint(path: path.path)
                XCTAssertEqual(file.damagedTensors(), [entry.info.name])
                XCTAssertEqual(XCTAssertThrowsCode(.tensorChecksum, try file.verifyIntegrity())?.tensor, entry.info.name)
            }
        }
    }

    func test_bitFlipInHeader_isAClearError() throws {
        let good = HandBuiltFile().bytes()
        let path = folder.appendingPathComponent("flip.elmk")
        // Every bit of the preamble, metadata and table.
        let headerEnd = try NativeCheckpoint(path: try HandBuiltFile().write(to: folder)).entries[0].fileOffset
        for bit in 0..<(headerEnd * 8) {
            var bytes = good
            bytes[bit / 8] ^= UInt8(1 << (bit % 8))
            try Data(bytes).write(to: path)
            do {
                let file = try NativeCheckpoint(path: path.path)
                // Only padding bytes may parse; then the integrity check must catch them.
                XCTAssertThrowsError(try file.verifyIntegrity(), "bit \(bit)")
            } catch {
                XCTAssertTrue(error is ELMoKitError, "bit \(bit): \(error)")
            }
        }
    }

    func test_padding_nonZero_failsIntegrity() throws {
        var bytes = HandBuiltFile().bytes()
        let file = try NativeCheckpoint(path: try HandBuiltFile().write(to: folder))
        bytes[file.entries[0].fileOffset + 8] = 1  // inside the padding after tensor "a" (8 bytes)
        let path = folder.appendingPathComponent("pad.elmk")
        try Data(bytes).write(to: path)
        XCTAssertThrowsCode(.nativePadding, try NativeCheckpoint(path: path.path).verifyIntegrity())
    }

    /// The writer's output is exactly what the spec builds by hand.
    func test_writer_matchesHandBuiltBytes() throws {
        let spec = HandBuiltFile()
        let path = folder.appendingPathComponent("written.elmk").path
        let writer = try NativeWriter(destination: path, metadata: try JSONParser.parse(spec.metadata), tensors: [
            TensorInfo(name: "b/c", dtype: .float32, shape: [1, 3]), TensorInfo(name: "a", dtype: .float32, shape: [2]),
        ], force: false)
        XCTAssertEqual(writer.nextTensor?.name, "a")
        try writer.write(spec.entries[0].data)
        try writer.write(Array(spec.entries[1].data[0..<4]))
        try writer.write(Array(spec.entries[1].data[4...]))
        try writer.finish()
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), spec.bytes())
    }

    func test_writer_refusesOverwriteWithoutForce_andLeavesNoTempFile() throws {
        let path = folder.appendingPathComponent("x.elmk").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsCode(.outputExists, try NativeWriter(destination: path, metadata: .object([]), tensors: [], force: false))
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        do {
            // Abandoned before finish(): the destination keeps its old content, the temp file goes.
            let writer = try NativeWriter(destination: path, metadata: .object([]), tensors: [TensorInfo(name: "t", dtype: .float32, shape: [4])], force: true)
            try writer.write([1, 2, 3, 4])
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["x.elmk"])
    }

    func test_dtypes_convertOnRead() throws {
        var spec = HandBuiltFile()
        spec.entries = [
            HandBuiltFile.Entry(name: Array("h".utf8), dtype: 1, dims: [2], data: [0x00, 0x3C, 0x00, 0xC0]),  // 1, -2 in binary16
            HandBuiltFile.Entry(name: Array("z".utf8), dtype: 2, dims: [1], data: [0x80, 0x3F]),  // 1 in bfloat16
        ]
        let file = try NativeCheckpoint(path: try spec.write(to: folder))
        XCTAssertEqual(try file.float32("h").array, [1, -2])
        XCTAssertEqual(try file.float32("z").array, [1])
    }
}
