/// What `elmokit inspect` reports about a weight file, independent of how it is printed.
public struct InspectionReport {
    public struct Row {
        public let name: String
        /// The dtype as stored, e.g. "float32", "float32be", "int32".
        public let storedType: String
        public let shape: [Int]
        public let elementCount: Int
        public let byteCount: Int
        /// False for datasets that are not float tensors (integers, strings): not parameters.
        public let isFloat: Bool
        /// nil for datasets that are not float tensors, and without statistics.
        public let statistics: TensorStatistics?
        /// Storage details: HDF5 layout and filters, or the native file offset.
        public let storage: [(String, JSONValue)]
    }

    public let path: String
    public let format: String
    public var rows: [Row] = []
    /// Tensors of a native file whose data fails its CRC-32 (checked when statistics are read).
    public var damagedTensors: [String] = []
    /// Format-level facts: native header fields and metadata, HDF5 groups and attributes.
    public var details: [(String, JSONValue)] = []

    public var parameterCount: Int { rows.filter(\.isFloat).reduce(0) { $0 + $1.elementCount } }
    public var totalBytes: Int { rows.reduce(0) { $0 + $1.byteCount } }

    /// Reads every tensor once to compute its statistics.
    public init(path: String, withStatistics: Bool = true) throws {
        self.path = path
        let source = try openWeights(path)
        switch source {
        case let h5 as HDF5Weights:
            format = "hdf5"
            try inspectHDF5(h5, withStatistics)
        case let native as NativeCheckpoint:
            format = "elmokit"
            try inspectNative(native, withStatistics)
        case let archive as ReleaseArchiveWeights:
            format = "release-archive"
            try inspectHDF5(archive.inner, withStatistics)
            details.insert(("archive_members", .object([("weights", JSONValue(archive.weightsMember)),
                                                         ("options", JSONValue(archive.optionsMember)),
                                                         ("vocabulary", archive.vocabularyMember.map { JSONValue($0) } ?? .null)])),
                           at: 0)
        case let keras as KerasArchiveWeights:
            format = "keras"
            try inspectHDF5(keras.inner, withStatistics)
            details.insert(("archive_entries", .array(keras.entries.map { e in
                .object([("name", JSONValue(e.name)), ("bytes", JSONValue(e.uncompressedSize)),
                         ("method", JSONValue(e.method == 0 ? "stored" : e.method == 8 ? "deflate" : "method \(e.method)"))])
            })), at: 0)
            if let metadata = keras.metadata { details.insert(("metadata.json", metadata), at: 1) }
            if let config = keras.config { details.append(("config.json", config)) }
        default:
            format = "safetensors"
            for info in source.tensorInfos {
                rows.append(try Self.row(source, info, storage: [], withStatistics))
            }
            if let st = source as? SafetensorsFile, !st.metadata.isEmpty {
                details.append(("metadata", .object(st.metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })))
            }
        }
    }

    private static func row(_ source: WeightSource, _ info: TensorInfo, storage: [(String, JSONValue)], _ stats: Bool,
                            storedType: String? = nil) throws -> Row {
        let statistics = stats ? try source.float32(info.name).withValues { TensorStatistics($0) } : nil
        return Row(name: info.name, storedType: storedType ?? info.dtype.description, shape: info.shape,
                   elementCount: info.elementCount, byteCount: info.byteCount, isFloat: true, statistics: statistics, storage: storage)
    }

    private mutating func inspectHDF5(_ h5: HDF5Weights, _ stats: Bool) throws {
        let file = h5.file
        for name in try file.datasetPaths() {
            let info = try file.info(name)
            var storage: [(String, JSONValue)] = [("layout", JSONValue(info.layout))]
            if let chunks = info.chunks { storage.append(("chunks", .array(chunks.map { JSONValue($0) }))) }
            storage.append(("filters", .array(info.filters.map { JSONValue($0) })))
            if !info.attributes.isEmpty { storage.append(("attributes", Self.attributesJSON(info.attributes))) }
            if let tensor = h5.info(name) {
                rows.append(try Self.row(h5, tensor, storage: storage, stats, storedType: info.storedType.description))
            } else {
                let size: Int
                switch info.storedType {
                case let .integer(bits, _, _), let .float(bits, _): size = bits / 8
                case .bfloat16: size = 2
                default: size = 0
                }
                rows.append(Row(name: name, storedType: info.storedType.description, shape: info.shape,
                                elementCount: info.elementCount, byteCount: info.elementCount * size, isFloat: false, statistics: nil,
                                storage: storage))
            }
        }
        details.append(("groups", .array(try file.groupPaths().map { JSONValue($0) })))
        details.append(("attributes", Self.attributesJSON(try file.attributes(at: "/"))))
        var groupAttributes: [(String, JSONValue)] = []
        for group in try file.groupPaths() {
            let attributes = try file.attributes(at: group)
            if !attributes.isEmpty { groupAttributes.append((group, Self.attributesJSON(attributes))) }
        }
        details.append(("group_attributes", .object(groupAttributes)))
    }

    private mutating func inspectNative(_ native: NativeCheckpoint, _ stats: Bool) throws {
        details.append(("version", JSONValue("\(NativeFormat.versionMajor).\(native.versionMinor)")))
        details.append(("alignment", JSONValue(native.alignment)))
        details.append(("content_sha256", JSONValue(hexString(native.storedSHA256))))
        for (key, value) in native.metadata.objectValue ?? [] { details.append((key, value)) }
        // Statistics read every byte anyway; checking the CRCs too costs little and keeps
        // inspect from showing figures of a damaged file as if they were sound.
        if stats { damagedTensors = native.damagedTensors() }
        for entry in native.entries {
            var storage: [(String, JSONValue)] = [("offset", JSONValue(entry.fileOffset)),
                                                  ("crc32", JSONValue(String(format8: entry.storedCRC)))]
            if stats { storage.append(("crc32_ok", JSONValue(!damagedTensors.contains(entry.info.name)))) }
            rows.append(try Self.row(native, entry.info, storage: storage, stats))
        }
    }

    static func attributesJSON(_ attributes: [HDF5Attribute]) -> JSONValue {
        .object(attributes.map { attribute in
            let value: JSONValue
            switch attribute.value {
            case let .numbers(n): value = n.count == 1 ? JSONValue(n[0]) : .array(n.map { JSONValue($0) })
            case let .strings(s): value = s.count == 1 ? JSONValue(s[0]) : .array(s.map { JSONValue($0) })
            case let .unsupported(kind): value = JSONValue("<\(kind)>")
            }
            return (attribute.name, value)
        })
    }
}

extension String {
    /// 8 lowercase hex digits.
    init(format8 value: UInt32) {
        let hex = String(value, radix: 16)
        self = String(repeating: "0", count: 8 - hex.count) + hex
    }
}
