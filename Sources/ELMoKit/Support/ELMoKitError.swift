/// The one error type of the library. Every failure carries a stable `code` (listed in
/// docs/ERRORS.md), a one-line message, and where known the file and tensor it concerns.
public struct ELMoKitError: Error, Equatable, CustomStringConvertible, Sendable {
    public let code: Code
    public let message: String
    public var file: String?
    public var tensor: String?

    public init(_ code: Code, _ message: String, file: String? = nil, tensor: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.tensor = tensor
    }

    /// `file: message`, the form printed on stderr.
    public var description: String {
        if let file { return "\(file): \(message)" }
        return message
    }

    /// The process exit status this error maps to (see docs/ERRORS.md).
    public var exitCode: Int32 { code.exitCode }

    /// Returns a copy that names `file` if the error did not name one yet.
    public func inFile(_ path: String) -> ELMoKitError {
        var copy = self
        if copy.file == nil { copy.file = path }
        return copy
    }

    /// Stable, documented error codes. Raw values never change once released.
    public enum Code: String, Sendable, CaseIterable {
        // Usage and input selection (exit 2).
        case usage = "E_USAGE"
        case fileNotFound = "E_FILE_NOT_FOUND"
        case notARegularFile = "E_NOT_A_FILE"
        case emptyFile = "E_EMPTY_FILE"
        case unknownFormat = "E_UNKNOWN_FORMAT"
        case readFailed = "E_READ"
        // HDF5 input (exit 2).
        case notHDF5 = "E_HDF5_NOT_HDF5"
        case hdf5Corrupt = "E_HDF5_CORRUPT"
        case hdf5 = "E_HDF5"
        case hdf5MissingObject = "E_HDF5_MISSING"
        case unsupportedDType = "E_UNSUPPORTED_DTYPE"
        /// The isolated child process reading an HDF5 input died (libhdf5 crashed on it).
        case hdf5Crashed = "E_HDF5_CRASHED"
        // JSON and options (exit 2).
        case jsonSyntax = "E_JSON_SYNTAX"
        case optionsInvalid = "E_OPTIONS_INVALID"
        // Native format rules (exit 2); docs/FORMAT.md names the rule of each.
        case nativeTooSmall = "E_NATIVE_TOO_SMALL"
        case nativeMagic = "E_NATIVE_MAGIC"
        case nativeVersion = "E_NATIVE_VERSION"
        case nativeByteOrder = "E_NATIVE_BYTE_ORDER"
        case nativeAlignment = "E_NATIVE_ALIGNMENT"
        case nativeHeaderBounds = "E_NATIVE_HEADER_BOUNDS"
        case nativeHeaderChecksum = "E_NATIVE_HEADER_CHECKSUM"
        case nativeMetadata = "E_NATIVE_METADATA"
        case nativeTensorCount = "E_NATIVE_TENSOR_COUNT"
        case nativeTensorName = "E_NATIVE_TENSOR_NAME"
        case nativeDuplicateName = "E_NATIVE_DUPLICATE_NAME"
        case nativeDType = "E_NATIVE_DTYPE"
        case nativeRank = "E_NATIVE_RANK"
        case nativeShapeOverflow = "E_NATIVE_SHAPE_OVERFLOW"
        case nativeLengthMismatch = "E_NATIVE_LENGTH_MISMATCH"
        case nativeOffset = "E_NATIVE_OFFSET"
        case nativeSize = "E_NATIVE_FILE_SIZE"
        case nativeTrailer = "E_NATIVE_TRAILER"
        case nativePadding = "E_NATIVE_PADDING"
        // Integrity (exit 1: the file parsed, but its content fails its own checksums).
        case tensorChecksum = "E_TENSOR_CHECKSUM"
        case fileHash = "E_FILE_HASH"
        // Model structure (exit 2 when loading; validate reports them as findings).
        case missingTensor = "E_MISSING_TENSOR"
        case shapeMismatch = "E_SHAPE_MISMATCH"
        case modelInvalid = "E_MODEL_INVALID"
        case input = "E_INPUT"
        // Zip archives: .keras files, release archives (exit 2).
        case archiveCorrupt = "E_ARCHIVE_CORRUPT"
        case archiveUnsupported = "E_ARCHIVE_UNSUPPORTED"
        // Output (exit 3).
        case outputExists = "E_OUTPUT_EXISTS"
        case writeFailed = "E_WRITE"
        // Checks that ran and failed (exit 1).
        case checkFailed = "E_CHECK_FAILED"

        public var exitCode: Int32 {
            switch self {
            case .tensorChecksum, .fileHash, .checkFailed: return 1
            case .outputExists, .writeFailed: return 3
            default: return 2
            }
        }
    }
}
