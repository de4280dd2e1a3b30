/// A Keras 3 `.keras` archive seen as a plain weight source, for `inspect` and `diff`: the
/// datasets of its `model.weights.h5` under their own paths (`layers/lstm/cell/vars/0`), plus
/// its `config.json` and `metadata.json`. HDF5 opens files by path only, so the inner file is
/// extracted to a private temp file that lives as long as this value.
public final class KerasArchiveWeights: WeightSource {
    public let path: String
    public let inner: HDF5Weights
    public let entries: [ZipArchive.Entry]
    public let config: JSONValue?
    public let metadata: JSONValue?
    private let temporary: TemporaryFile

    public var tensorInfos: [TensorInfo] { inner.tensorInfos }

    public init(path: String) throws {
        self.path = path
        let zip = try ZipArchive(path: path)
        entries = zip.entries
        guard let weights = zip.entry("model.weights.h5") else {
            throw ELMoKitError(.modelInvalid, "the archive holds no 'model.weights.h5'", file: path)
        }
        // Shown by inspect only: unreadable JSON is left out rather than failing the listing.
        config = zip.entry("config.json").flatMap { e in (try? zip.read(e, maxBytes: 64 << 20)).flatMap { try? JSONParser.parse($0) } }
        metadata = zip.entry("metadata.json").flatMap { e in (try? zip.read(e, maxBytes: 1 << 20)).flatMap { try? JSONParser.parse($0) } }
        let extracted = try zip.extractToTemporaryFile(weights, suffix: ".h5")
        temporary = extracted
        inner = try Self.renaming(path, extracted.path) { try HDF5Weights(path: extracted.path) }
    }

    public func float32(_ name: String) throws -> FloatTensor {
        try Self.renaming(path, temporary.path) { try inner.float32(name) }
    }

    public func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try Self.renaming(path, temporary.path) { try inner.withBytes(name, as: dtype, body) }
    }

    private static func renaming<T>(_ archive: String, _ temp: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch var error as ELMoKitError {
            if error.file == temp { error.file = "\(archive)[model.weights.h5]" }
            throw error
        }
    }
}
