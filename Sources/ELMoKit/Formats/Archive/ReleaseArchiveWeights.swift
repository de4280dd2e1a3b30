/// A release archive (.zip, .tar.gz, .tar holding an options.json and an HDF5 weight file, as
/// the OSCAR and AllenNLP models ship) seen as a weight source, so that `inspect`, `validate`,
/// `verify`, `embed`, `diff` and `export` take it as they take the bare HDF5 file. HDF5 opens
/// files by path only, so the pair is extracted to a private folder that lives as long as this
/// value; errors name the archive and the member, never the temp copy.
public final class ReleaseArchiveWeights: WeightSource {
    public let path: String
    public let inner: HDF5Weights
    /// The extracted options file; `options` names it for messages.
    let optionsPath: String
    private let archive: ReleaseArchive
    /// The members the model was read from, as named in the archive.
    public let weightsMember: String, optionsMember: String, vocabularyMember: String?
    /// Every `*vocab*.txt` member (several: none is used).
    let vocabularyCandidates: [String]

    public var tensorInfos: [TensorInfo] { inner.tensorInfos }

    init(_ archive: ReleaseArchive) throws {
        self.archive = archive
        path = archive.path
        let pair = try archive.findELMoPair()
        (weightsMember, optionsMember, vocabularyMember) = (pair.weightsMember, pair.optionsMember, pair.vocabularyMember)
        vocabularyCandidates = pair.vocabularyCandidates
        optionsPath = pair.options
        let (archivePath, weightsPath, member) = (archive.path, pair.weights, pair.weightsMember)
        inner = try Self.renaming([weightsPath: "\(archivePath)[\(member)]"]) { try HDF5Weights(path: weightsPath) }
    }

    /// The options of the archive, parsed; errors name `archive[options.json]`.
    public func options() throws -> ELMoOptions {
        try Self.renaming([optionsPath: "\(path)[\(optionsMember)]"]) { try ELMoOptions(path: optionsPath) }
    }

    /// The extracted vocabulary of a token-input model, if the archive holds one.
    public var vocabularyPath: String? { vocabularyMember.map { archive.vocabularyPath($0) } }

    /// The tokens of the archive's vocabulary; errors name `archive[vocab.txt]`.
    func vocabulary(_ file: String) throws -> [String] {
        try Self.renaming([file: "\(path)[\(vocabularyMember ?? "vocabulary")]"]) { try ELMoModel.readVocabulary(file) }
    }

    public func float32(_ name: String) throws -> FloatTensor {
        try renamingWeights { try inner.float32(name) }
    }

    public func withBytes<R>(_ name: String, as dtype: DType?, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try renamingWeights { try inner.withBytes(name, as: dtype, body) }
    }

    public func streamBytes(_ name: String, as dtype: DType?, pieceBytes: Int,
                            _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try renamingWeights { try inner.streamBytes(name, as: dtype, pieceBytes: pieceBytes, body) }
    }

    private func renamingWeights<T>(_ body: () throws -> T) throws -> T {
        try Self.renaming([inner.path: "\(path)[\(weightsMember)]"], body)
    }

    private static func renaming<T>(_ names: [String: String], _ body: () throws -> T) throws -> T {
        do { return try body() } catch var error as ELMoKitError {
            if let file = error.file, let shown = names[file] { error.file = shown }
            throw error
        }
    }
}

extension WeightSource {
    /// The HDF5 file behind this source, directly or inside an archive (for HDF5-only details:
    /// non-float datasets, attributes, embedded metadata).
    public var hdf5: HDF5Weights? {
        (self as? HDF5Weights) ?? (self as? ReleaseArchiveWeights)?.inner ?? (self as? KerasArchiveWeights)?.inner
    }
}
