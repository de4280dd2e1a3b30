/// Constants of the native format; docs/FORMAT.md is the contract and names each one.
public enum NativeFormat {
    public static let magic: [UInt8] = [0x89, 0x45, 0x4C, 0x4D, 0x4B, 0x0D, 0x0A, 0x1A]
    public static let endMagic: [UInt8] = Array("ELMKEND".utf8) + [0]
    public static let versionMajor: UInt16 = 1
    public static let versionMinor: UInt16 = 0
    public static let byteOrderMark: UInt32 = 0x0A0B_0C0D
    public static let alignment = 64
    public static let preambleSize = 64
    /// Trailer bytes besides the per-tensor CRCs: end magic + SHA-256.
    public static let trailerFixedSize = 40
    public static let maxMetadataLength = 16 << 20
    public static let maxTableLength = 64 << 20
    public static let maxTensorCount = 65536
    public static let maxRank = 8
    public static let maxNameLength = 1024
    public static let fileExtension = "elmk"

    /// Encodes one tensor table entry (FORMAT.md, TensorEntry).
    static func encodeEntry(name: String, dtype: DType, shape: [Int], offset: UInt64, into buffer: inout ByteBuffer) {
        let nameBytes = Array(name.utf8)
        buffer.append(UInt32(nameBytes.count))
        buffer.append(nameBytes)
        buffer.append(dtype.rawValue)
        buffer.append(UInt8(shape.count))
        buffer.append(UInt16(0))
        for dim in shape { buffer.append(UInt64(dim)) }
        buffer.append(offset)
        buffer.append(UInt64(shape.reduce(1, *) * dtype.size))
    }

    /// Sorts names as FORMAT.md requires: by their UTF-8 bytes.
    static func canonicalOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}
