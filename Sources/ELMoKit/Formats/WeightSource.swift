/// float32 values of a tensor with their shape. The storage is either owned or a zero-copy
/// view into a mapped checkpoint; `owner` keeps it alive either way.
public struct FloatTensor: @unchecked Sendable {
    public let name: String
    public let shape: [Int]
    /// Valid only while this value is alive: hold the tensor, or use `withValues`.
    let values: UnsafeBufferPointer<Float>
    let owner: AnyObject

    /// A tensor owning a copy of `array`.
    public init(name: String, shape: [Int], array: [Float]) {
        let box = FloatStorage(array)
        self.name = name
        self.shape = shape
        // Only `array.count` values: the storage holds at least one slot even for an empty tensor
        // (shape [0, n]), and that uninitialised slot must not be seen (found by fuzzing).
        self.values = UnsafeBufferPointer(rebasing: box.buffer[0..<array.count])
        self.owner = box
    }

    /// A view of memory that `owner` keeps alive.
    init(name: String, shape: [Int], view: UnsafeBufferPointer<Float>, owner: AnyObject) {
        self.name = name
        self.shape = shape
        self.values = view
        self.owner = owner
    }

    /// Calls `body` with the values, keeping their storage alive for the call.
    public func withValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try withExtendedLifetime(owner) { try body(values) }
    }

    public var count: Int { values.count }
    public subscript(i: Int) -> Float { withValues { $0[i] } }
    public var array: [Float] { withValues { Array($0) } }
}

/// Heap storage for float values that must not move (weights handed to BLAS as pointers).
final class FloatStorage {
    let buffer: UnsafeMutableBufferPointer<Float>
    init(_ array: [Float]) {
        buffer = .allocate(capacity: max(array.count, 1))
        _ = buffer.initialize(from: array)
    }
    deinit { buffer.deallocate() }
}

/// Any file that holds named tensors: HDF5, native, safetensors. Commands that only need
/// tensors (`inspect`, `diff`, `validate`, the forward pass) work on this.
public protocol WeightSource: AnyObject {
    var path: String { get }
    /// Float tensors in the file, sorted by name.
    var tensorInfos: [TensorInfo] { get }
    /// The tensor as float32 (converted from its stored dtype if needed).
    func float32(_ name: String) throws -> FloatTensor
    /// The tensor's bytes as little-endian `dtype` (its stored dtype if nil), passed to `body`.
    func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R
    /// The same bytes, passed to `body` in consecutive pieces of about `pieceBytes` (formats that
    /// can read part of a tensor keep only one piece in memory).
    func streamBytes(_ name: String, as dtype: DType?, pieceBytes: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws
}

extension WeightSource {
    public func info(_ name: String) -> TensorInfo? { tensorInfos.first { $0.name == name } }

    public func streamBytes(_ name: String, as dtype: DType?, pieceBytes: Int,
                            _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try withBytes(name, as: dtype) { all in
            var start = 0
            repeat {
                let end = min(all.count, start + max(pieceBytes, 1))
                try body(UnsafeRawBufferPointer(rebasing: all[start..<end]))
                start = end
            } while start < all.count
        }
    }
}

extension WeightSource {
    /// The ELMoKit metadata this file carries (architecture, config, provenance, vocabulary…):
    /// a native checkpoint's header, or what `elmokit export` left in an HDF5 or safetensors
    /// file. nil for files ELMoKit did not write.
    public var embeddedMetadata: JSONValue? {
        switch self {
        case let native as NativeCheckpoint: return native.metadata
        case let h5 as HDF5Weights: return HDF5Writer.embeddedMetadata(h5.file)
        case let st as SafetensorsFile:
            guard st.metadata["architecture"] != nil else { return nil }
            // safetensors metadata is a string map: export writes JSON values as their text.
            return .object(st.metadata.sorted { $0.key < $1.key }.map { key, value in
                let isJSON = value.first == "{" || value.first == "["
                return (key, isJSON ? (try? JSONParser.parse(value)) ?? JSONValue(value) : JSONValue(value))
            })
        default: return nil
        }
    }
}

/// Opens a weight file of any supported format, chosen by its content (not its name).
public func openWeights(_ path: String) throws -> WeightSource {
    try InputFile.checkReadable(path)
    let head = InputFile.prefix(path, count: 16)
    if head.starts(with: NativeFormat.magic) { return try NativeCheckpoint(path: path) }
    if ZipArchive.hasSignature(path), KerasLayout.detect(path) == .archive { return try KerasArchiveWeights(path: path) }
    // Archives before HDF5: a tar's first member starts at byte 512, where HDF5 also looks for
    // its signature, so a tar holding an HDF5 file would otherwise pass for one.
    if let archive = try ReleaseArchive.openIfArchive(path) { return try ReleaseArchiveWeights(archive) }
    if HDF5File.hasSignature(path) { return try HDF5Weights(path: path) }
    // safetensors: an 8-byte header length, then the JSON header. A file that starts so is one,
    // and its own error (a bad dtype, offsets that lie) says more than "unknown format".
    if InputFile.prefix(path, count: 9).count == 9, InputFile.prefix(path, count: 9)[8] == UInt8(ascii: "{") {
        return try SafetensorsFile(path: path)
    }
    let text = String(decoding: head.prefix(16), as: UTF8.self).trimmingPrefix { $0.isWhitespace }.lowercased()
    if text.hasPrefix("<") {
        throw ELMoKitError(.notHDF5, "not an HDF5 file: it is an HTML or XML page (a failed download?)", file: path)
    }
    throw ELMoKitError(.notHDF5, "not an HDF5 file (no HDF5 signature), nor an ELMoKit checkpoint or a safetensors file",
                       file: path)
}
