/// An HDF5 file seen as a weight source: its float datasets, at any depth, are the tensors.
public final class HDF5Weights: WeightSource {
    public let file: HDF5File
    public let tensorInfos: [TensorInfo]
    /// Datasets that are not float tensors (integers, strings…), with their stored type.
    public let nonFloatDatasets: [(path: String, type: HDF5StoredType)]

    public var path: String { file.path }

    public init(path: String) throws {
        file = try HDF5File(path: path)
        var infos: [TensorInfo] = []
        var others: [(String, HDF5StoredType)] = []
        for name in try file.datasetPaths() {
            let info = try file.info(name)
            if let dtype = info.storedType.lossless {
                infos.append(TensorInfo(name: name, dtype: dtype, shape: info.shape))
            } else {
                others.append((name, info.storedType))
            }
        }
        tensorInfos = infos.sorted { NativeFormat.canonicalOrder($0.name, $1.name) }
        nonFloatDatasets = others
    }

    public func float32(_ name: String) throws -> FloatTensor {
        guard let info = info(name) else { throw missing(name) }
        return FloatTensor(name: name, shape: info.shape, array: try file.readFloat32(name))
    }

    public func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let info = info(name) else { throw missing(name) }
        // Read in the stored precision (HDF5 only swaps bytes), then narrow or widen in Swift:
        // libhdf5 1.10's soft float conversion mis-rounds, e.g. f32 -0.2499768 → f16 -0.125.
        let bytes = try file.readBytes(name, as: info.dtype)
        guard let dtype, dtype != info.dtype else { return try bytes.withUnsafeBytes(body) }
        return try bytes.withUnsafeBytes { try FloatConversion.convert($0, from: info.dtype, to: dtype).withUnsafeBytes(body) }
    }

    /// Streams the tensor in row slabs of about `pieceBytes` (converted slab by slab if `dtype`
    /// differs from the stored precision): memory stays at one slab.
    public func streamBytes(_ name: String, as dtype: DType?, pieceBytes: Int,
                            _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard let info = info(name) else { throw missing(name) }
        try file.readBytes(name, as: info.dtype, pieceBytes: pieceBytes) { piece in
            guard let dtype, dtype != info.dtype else { return try body(piece) }
            try FloatConversion.convert(piece, from: info.dtype, to: dtype).withUnsafeBytes(body)
        }
    }

    private func missing(_ name: String) -> ELMoKitError {
        if let other = nonFloatDatasets.first(where: { $0.path == name }) {
            return ELMoKitError(.unsupportedDType, "dataset '\(name)' holds \(other.type), expected float weights",
                                file: path, tensor: name)
        }
        return ELMoKitError(.missingTensor, "no tensor '\(name)'", file: path, tensor: name)
    }
}
