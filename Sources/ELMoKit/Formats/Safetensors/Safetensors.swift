/// safetensors files (8-byte header length, JSON header, raw little-endian data), read with the
/// same strictness as the reference implementation and written deterministically: tensors sorted by
/// name, `__metadata__` holding our config and provenance as JSON strings, header padded with
/// spaces to a multiple of 8 bytes.
public final class SafetensorsFile: WeightSource {
    public let path: String
    public let tensorInfos: [TensorInfo]
    public let metadata: [String: String]
    let file: MappedFile
    private let ranges: [String: (offset: Int, length: Int)]

    static let maxHeaderLength = 100 << 20

    public init(path: String) throws {
        self.path = path
        file = try MappedFile(path: path)
        guard file.count >= 8, let lengthBytes = file.bytes(at: 0, count: 8) else {
            throw ELMoKitError(.unknownFormat, "too small for a safetensors file", file: path)
        }
        let headerLength = UInt64(littleEndian: lengthBytes.loadUnaligned(as: UInt64.self))
        guard headerLength >= 2, headerLength <= UInt64(Self.maxHeaderLength), headerLength <= UInt64(file.count - 8),
              let headerBytes = file.bytes(at: 8, count: Int(headerLength)), headerBytes.first == UInt8(ascii: "{") else {
            throw ELMoKitError(.unknownFormat, "not a safetensors file (bad header length)", file: path)
        }
        let header: JSONValue
        do { header = try JSONParser.parse(Array(headerBytes)) } catch let e as ELMoKitError {
            throw ELMoKitError(.unknownFormat, "safetensors header is not JSON: \(e.message)", file: path)
        }
        guard let members = header.objectValue else {
            throw ELMoKitError(.unknownFormat, "safetensors header is not an object", file: path)
        }
        let dataStart = 8 + Int(headerLength)
        let dataLength = file.count - dataStart
        var infos: [TensorInfo] = []
        var ranges: [String: (Int, Int)] = [:]
        var meta: [String: String] = [:]
        var spans: [(Int, Int, String)] = []
        for (name, value) in members {
            if name == "__metadata__" {
                for (k, v) in value.objectValue ?? [] { meta[k] = v.stringValue ?? "" }
                continue
            }
            if let dtypeName = value["dtype"]?.stringValue, !DType.allCases.contains(where: { $0.safetensorsName == dtypeName }) {
                throw ELMoKitError(.unsupportedDType, "safetensors tensor '\(name)' has dtype \(dtypeName); weights must be "
                                   + DType.allCases.map(\.safetensorsName).joined(separator: ", "), file: path, tensor: name)
            }
            guard let dtypeName = value["dtype"]?.stringValue,
                  let dtype = DType.allCases.first(where: { $0.safetensorsName == dtypeName }),
                  let shapeValues = value["shape"]?.arrayValue, shapeValues.count <= 8,
                  let offsets = value["data_offsets"]?.arrayValue, offsets.count == 2,
                  let begin = offsets[0].intValue, let end = offsets[1].intValue, begin >= 0, begin <= end, end <= dataLength
            else {
                throw ELMoKitError(.unknownFormat, "safetensors entry '\(name)' is malformed or out of bounds", file: path, tensor: name)
            }
            var shape: [Int] = []
            var count = 1
            for dimValue in shapeValues {
                guard let dim = dimValue.intValue, dim >= 0 else {
                    throw ELMoKitError(.unknownFormat, "safetensors entry '\(name)' has a bad dimension", file: path, tensor: name)
                }
                let (p, o) = count.multipliedReportingOverflow(by: dim)
                guard !o else { throw ELMoKitError(.unknownFormat, "safetensors entry '\(name)' shape overflows", file: path, tensor: name) }
                count = p
                shape.append(dim)
            }
            guard count.multipliedReportingOverflow(by: dtype.size) == (end - begin, false) else {
                throw ELMoKitError(.unknownFormat, "safetensors entry '\(name)': \(end - begin) bytes for shape \(shape) of \(dtype)",
                                   file: path, tensor: name)
            }
            infos.append(TensorInfo(name: name, dtype: dtype, shape: shape))
            ranges[name] = (dataStart + begin, end - begin)
            spans.append((begin, end, name))
        }
        // As the reference reader: tensors tile the data buffer exactly, no holes, no overlap.
        spans.sort { $0.0 < $1.0 }
        var expected = 0
        for (begin, end, name) in spans {
            guard begin == expected else {
                throw ELMoKitError(.unknownFormat, "safetensors tensor '\(name)' overlaps or leaves a hole", file: path, tensor: name)
            }
            expected = end
        }
        guard expected == dataLength else {
            throw ELMoKitError(.unknownFormat, "safetensors data is \(dataLength) bytes, tensors cover \(expected)", file: path)
        }
        tensorInfos = infos.sorted { NativeFormat.canonicalOrder($0.name, $1.name) }
        self.ranges = ranges
        metadata = meta
    }

    public func float32(_ name: String) throws -> FloatTensor {
        try withBytes(name, as: nil) { raw in
            let info = self.info(name)!
            return FloatTensor(name: name, shape: info.shape, array: FloatConversion.toFloat32(raw, dtype: info.dtype))
        }
    }

    public func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let range = ranges[name], let info = info(name), let raw = file.bytes(at: range.offset, count: range.length) else {
            throw ELMoKitError(.missingTensor, "no tensor '\(name)'", file: path, tensor: name)
        }
        if dtype == nil || dtype == info.dtype { return try body(raw) }
        return try FloatConversion.convert(raw, from: info.dtype, to: dtype!).withUnsafeBytes(body)
    }

    /// Writes `source`'s tensors (converted to `dtype` if given) as a safetensors file.
    public static func write(from source: WeightSource, to destination: String, metadata: [String: String],
                             dtype: DType? = nil, force: Bool) throws {
        var entries: [(String, JSONValue)] = []
        var offset = 0
        for t in source.tensorInfos {
            // What the reader (ours, and the reference one) would refuse is refused here, before
            // anything is written: the header's own key, dimensions JSON cannot hold exactly.
            guard t.name != "__metadata__" else {
                throw ELMoKitError(.usage, "tensor '__metadata__' cannot be stored in safetensors (the name is reserved for the header)",
                                   file: source.path, tensor: t.name)
            }
            guard t.shape.allSatisfy({ $0 < 1_000_000_000_000_000 }) else {
                throw ELMoKitError(.usage, "tensor '\(t.name)' has dimension \(t.shape.max()!), too large for a safetensors header",
                                   file: source.path, tensor: t.name)
            }
            let stored = dtype ?? t.dtype
            let length = t.elementCount * stored.size
            entries.append((t.name, .object([
                ("dtype", JSONValue(stored.safetensorsName)),
                ("shape", .array(t.shape.map { JSONValue($0) })),
                ("data_offsets", .array([JSONValue(offset), JSONValue(offset + length)])),
            ])))
            offset += length
        }
        if !metadata.isEmpty {
            entries.append(("__metadata__", .object(metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })))
        }
        var header = Array(JSONValue.object(entries).canonicalString().utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        let out = try AtomicOutputFile(destination: destination, force: force)
        var prefix = ByteBuffer()
        prefix.append(UInt64(header.count))
        try out.write(prefix.bytes + header)
        for t in source.tensorInfos {
            try source.withBytes(t.name, as: dtype ?? t.dtype) { try out.write($0) }
        }
        try out.commit()
    }
}
