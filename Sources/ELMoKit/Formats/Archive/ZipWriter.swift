/// Writes a zip archive of STORED entries (no compression), as Keras' own `.keras` files are,
/// with a fixed 1980-01-01 00:00 timestamp so the same entries always give the same bytes.
/// No zip64: every entry and the whole archive must stay below 4 GiB.
final class ZipWriter {
    private let output: AtomicOutputFile
    private var offset = 0
    private var directory = ByteBuffer()
    private var count = 0
    /// DOS date of 1980-01-01: ((1980 − 1980) << 9) | (1 << 5) | 1.
    private static let dosDate: UInt16 = 0x21

    init(destination: String, force: Bool) throws {
        output = try AtomicOutputFile(destination: destination, force: force)
    }

    /// Appends one entry: local header, then the bytes.
    func add(_ name: String, _ data: UnsafeRawBufferPointer) throws {
        let nameBytes = Array(name.utf8)
        guard data.count < 0xFFFF_FFFF, offset < 0xFFFF_FFFF - data.count, count < 0xFFFF else {
            throw ELMoKitError(.writeFailed, "entry '\(name)' would need zip64, which this writer does not produce", file: output.destination)
        }
        let crc = CRC32.checksum(data)
        var local = ByteBuffer()
        local.append(UInt32(0x0403_4B50))
        Self.appendCommon(&local, crc: crc, size: data.count, nameLength: nameBytes.count)
        local.append(nameBytes)
        var central = ByteBuffer()
        central.append(UInt32(0x0201_4B50))
        central.append(UInt16(20))  // made by: MS-DOS, spec 2.0
        Self.appendCommon(&central, crc: crc, size: data.count, nameLength: nameBytes.count)
        central.append(UInt16(0))  // comment length
        central.append(UInt16(0))  // disk number
        central.append(UInt16(0))  // internal attributes
        central.append(UInt32(0))  // external attributes
        central.append(UInt32(offset))
        central.append(nameBytes)
        directory.append(central.bytes)
        try output.write(local.bytes)
        try output.write(data)
        offset += local.bytes.count + data.count
        count += 1
    }

    func add(_ name: String, _ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try add(name, $0) } }

    /// version needed, flags, method, time, date, crc, sizes, name and extra lengths.
    private static func appendCommon(_ b: inout ByteBuffer, crc: UInt32, size: Int, nameLength: Int) {
        b.append(UInt16(20))
        b.append(UInt16(0))
        b.append(UInt16(0))  // stored
        b.append(UInt16(0))  // 00:00:00
        b.append(dosDate)
        b.append(crc)
        b.append(UInt32(size))
        b.append(UInt32(size))
        b.append(UInt16(nameLength))
        b.append(UInt16(0))
    }

    /// Writes the central directory and the end record, then renames the file into place.
    func finish() throws {
        var end = ByteBuffer()
        end.append(UInt32(0x0605_4B50))
        end.append(UInt16(0))
        end.append(UInt16(0))
        end.append(UInt16(count))
        end.append(UInt16(count))
        end.append(UInt32(directory.bytes.count))
        end.append(UInt32(offset))
        end.append(UInt16(0))
        try output.write(directory.bytes)
        try output.write(end.bytes)
        try output.commit()
    }
}
