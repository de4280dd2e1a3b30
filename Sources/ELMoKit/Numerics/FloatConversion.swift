/// Conversions between stored little-endian float formats and Float. Exact where the target can
/// represent the value; narrowing rounds to nearest even (Float16 init, bfloat16 below).
enum FloatConversion {
    static func toFloat32(_ raw: UnsafeRawBufferPointer, dtype: DType) -> [Float] {
        let n = raw.count / dtype.size
        var out = [Float](repeating: 0, count: n)
        switch dtype {
        case .float32:
            for i in 0..<n { out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))) }
        case .float64:
            for i in 0..<n { out[i] = Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))) }
        case .float16:
            for i in 0..<n { out[i] = Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))) }
        case .bfloat16:
            for i in 0..<n { out[i] = Float(bitPattern: UInt32(UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) << 16) }
        }
        return out
    }

    /// Converts little-endian `from` bytes into little-endian `to` bytes.
    static func convert(_ raw: UnsafeRawBufferPointer, from: DType, to: DType) -> [UInt8] {
        if from == to { return Array(raw) }
        var out = ByteBuffer()
        let n = raw.count / from.size
        out.bytes.reserveCapacity(n * to.size)
        if from == .float64, to == .float32 {
            for i in 0..<n {
                out.append(Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))).bitPattern)
            }
            return out.bytes
        }
        let values: [Double] = from == .float64
            ? (0..<n).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
            : toFloat32(raw, dtype: from).map(Double.init)
        for v in values {
            switch to {
            case .float64: out.append(v.bitPattern)
            case .float32: out.append(Float(v).bitPattern)
            case .float16: out.append(Float16(Float(v)).bitPattern)
            case .bfloat16: out.append(bfloat16Bits(Float(v)))
            }
        }
        return out.bytes
    }

    /// Round-to-nearest-even float32 → bfloat16; NaN stays NaN.
    static func bfloat16Bits(_ x: Float) -> UInt16 {
        if x.isNaN { return 0x7FC0 }
        let bits = x.bitPattern
        let rounding = 0x7FFF + ((bits >> 16) & 1)
        return UInt16((bits &+ rounding) >> 16)
    }
}
