/// A new HDF5 file written dataset by dataset, crash-safely: `HDF5Builder` writes a temp file
/// beside the destination, `commit` fsyncs and renames it (`AtomicOutputFile`). Datasets are
/// contiguous, little-endian, without timestamps, so output bytes are deterministic.
public final class HDF5OutputFile {
    public let destination: String
    private let output: AtomicOutputFile
    private let builder: HDF5Builder

    public init(destination: String, force: Bool) throws {
        self.destination = destination
        output = try AtomicOutputFile(destination: destination, force: force)
        output.releaseForExternalWriter()
        builder = try HDF5Builder(path: output.tempPath, display: destination)
    }

    /// Adds a dataset of `dtype` holding `raw` (little-endian bytes of exactly shape × dtype size).
    public func addDataset(_ name: String, dtype: DType, shape: [Int], raw: UnsafeRawBufferPointer) throws {
        guard raw.count == shape.reduce(1, *) * dtype.size else {
            throw ELMoKitError(.writeFailed, "dataset '\(name)': \(raw.count) bytes for shape \(shape) of \(dtype)",
                               file: destination, tensor: name)
        }
        try builder.dataset(name, dtype: dtype, shape: shape, raw: raw)
    }

    /// Adds a float32 dataset.
    public func addDataset(_ name: String, shape: [Int], values: [Float]) throws {
        try values.withUnsafeBytes { try addDataset(name, dtype: .float32, shape: shape, raw: $0) }
    }

    /// Adds an int32 dataset (used for integer side data, and by tests to make broken weight files).
    public func addInt32Dataset(_ name: String, shape: [Int], values: [Int32]) throws {
        try builder.int32Dataset(name, shape: shape, values: values)
    }

    /// Adds a 1-D dataset of variable-length UTF-8 strings (as h5py writes `dtype=str`).
    public func addStringDataset(_ name: String, _ strings: [String]) throws {
        try builder.stringDataset(name, strings)
    }

    /// Sets a scalar variable-length UTF-8 string attribute on the root group.
    public func setRootAttribute(_ name: String, _ value: String) throws {
        try builder.stringAttribute(name, on: "/", [value], scalar: true)
    }

    /// Closes the file, fsyncs and renames it into place.
    public func commit() throws {
        try builder.close()
        try output.commit()
    }
}
