import CHDF5
import Foundation

/// The element type of an HDF5 dataset or attribute as stored on disk.
public enum HDF5StoredType: Equatable, Sendable, CustomStringConvertible {
    case float(bits: Int, bigEndian: Bool)
    /// 16 bits with float32's 8-bit exponent (how `elmokit export` stores bfloat16; HDF5 has no
    /// predefined type for it). Told apart from float16 by its bit fields.
    case bfloat16(bigEndian: Bool)
    case integer(bits: Int, signed: Bool, bigEndian: Bool)
    case string
    case other(String)

    public var description: String {
        switch self {
        case let .float(bits, be): return "float\(bits)" + (be ? "be" : "")
        case let .bfloat16(be): return "bfloat16" + (be ? "be" : "")
        case let .integer(bits, signed, be): return (signed ? "int" : "uint") + "\(bits)" + (be ? "be" : "")
        case .string: return "string"
        case let .other(name): return name
        }
    }

    public var isFloat: Bool {
        switch self {
        case .float, .bfloat16: return true
        default: return false
        }
    }

    /// The checkpoint dtype that keeps this type's precision, if it is a float type we support.
    public var lossless: DType? {
        if case .bfloat16 = self { return .bfloat16 }
        guard case let .float(bits, _) = self else { return nil }
        switch bits {
        case 16: return .float16
        case 32: return .float32
        case 64: return .float64
        default: return nil
        }
    }
}

/// A value of an HDF5 attribute: numbers and strings, scalar or 1-D.
public enum HDF5AttributeValue: Equatable, Sendable {
    case numbers([Double])
    case strings([String])
    case unsupported(String)
}

public struct HDF5Attribute: Equatable, Sendable {
    public let name: String
    public let value: HDF5AttributeValue
}

/// What `inspect` shows of one dataset.
public struct HDF5DatasetInfo: Sendable {
    public let path: String
    public let storedType: HDF5StoredType
    public let shape: [Int]
    public let layout: String
    public let chunks: [Int]?
    public let filters: [String]
    public let attributes: [HDF5Attribute]

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A read-only HDF5 file. Wraps `H5Fopen`; every failure becomes an `ELMoKitError` naming
/// the file and object. Not for untrusted input in-process: see docs/ERRORS.md.
public final class HDF5File: @unchecked Sendable {
    public let path: String
    let id: hid_t

    /// The 8-byte HDF5 superblock signature; HDF5 looks for it at 0, 512, 1024, 2048…
    static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    public init(path: String) throws {
        _ = HDF5Errors.silenced
        self.path = path
        try InputFile.checkReadable(path)
        guard Self.hasSignature(path) else {
            throw ELMoKitError(.notHDF5, "not an HDF5 file (no HDF5 signature)", file: path)
        }
        let fid = H5Fopen(path, ek_H5F_ACC_RDONLY(), ek_H5P_DEFAULT())
        guard fid >= 0 else { throw HDF5Errors.failure("H5Fopen", file: path) }
        id = fid
    }

    deinit { H5Fclose(id) }

    /// True if the HDF5 signature sits at one of the offsets HDF5 searches.
    public static func hasSignature(_ path: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        var offset: UInt64 = 0
        while offset <= 1 << 20 {
            guard (try? handle.seek(toOffset: offset)) != nil,
                  let bytes = try? handle.read(upToCount: 8), bytes.count == 8 else { return false }
            if Array(bytes) == signature { return true }
            offset = offset == 0 ? 512 : offset * 2
        }
        return false
    }

    // MARK: - Walking the tree

    /// Every group path below the root, in name order ("/" excluded).
    public func groupPaths() throws -> [String] { try walk().groups }

    /// Every dataset path below the root, in name order.
    public func datasetPaths() throws -> [String] { try walk().datasets }

    /// Deepest group nesting accepted.
    static let maxDepth = 64

    private func walk() throws -> (groups: [String], datasets: [String]) {
        final class Box { var links: [String] = [] }
        let box = Box()
        let rc = ek_H5Lvisit(id, { _, name, info, data in
            guard let name, let data, let info else { return 0 }
            // Hard links only: soft and external links could point anywhere.
            if info.pointee.type == H5L_TYPE_HARD {
                Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().links.append(String(cString: name))
            }
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
        guard rc >= 0 else { throw HDF5Errors.failure("H5Lvisit", file: path) }
        var groups: [String] = [], datasets: [String] = []
        for link in box.links {
            // Opening by path costs its depth, and listing attributes per group again: a crafted
            // file of 3000 nested groups kept `inspect` busy for minutes. Real files nest < 10.
            let depth = link.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "/") ? 1 : 0) }
            guard depth <= Self.maxDepth else {
                throw ELMoKitError(.hdf5Corrupt, "groups nested \(depth) deep (at most \(Self.maxDepth)): not a weight file",
                                   file: path, tensor: String(link.prefix(80)) + "…")
            }
            let obj = H5Oopen(id, link, ek_H5P_DEFAULT())
            guard obj >= 0 else { throw HDF5Errors.failure("H5Oopen", file: path, object: link) }
            switch H5Iget_type(obj) {
            case H5I_GROUP: groups.append(link)
            case H5I_DATASET: datasets.append(link)
            default: break
            }
            H5Oclose(obj)
        }
        return (groups, datasets)
    }

    /// True if `name` names an object (group or dataset) in the file.
    public func exists(_ name: String) -> Bool {
        // Check each prefix: H5Lexists fails on a missing intermediate group.
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            guard H5Lexists(id, prefix, ek_H5P_DEFAULT()) > 0 else {
                H5Eclear2(ek_H5E_DEFAULT())
                return false
            }
        }
        return !prefix.isEmpty
    }

    // MARK: - Datasets

    /// Type, shape, storage layout, filters and attributes of the dataset at `name`.
    public func info(_ name: String) throws -> HDF5DatasetInfo {
        let ds = try openDataset(name)
        defer { H5Dclose(ds) }
        let type = H5Dget_type(ds)
        guard type >= 0 else { throw HDF5Errors.failure("H5Dget_type", file: path, object: name) }
        defer { H5Tclose(type) }
        let shape = try datasetShape(ds, name)
        let plist = H5Dget_create_plist(ds)
        defer { H5Pclose(plist) }
        var layout = "contiguous"
        var chunks: [Int]? = nil
        switch H5Pget_layout(plist) {
        case H5D_CHUNKED:
            layout = "chunked"
            var dims = [hsize_t](repeating: 0, count: 32)
            let rank = H5Pget_chunk(plist, 32, &dims)
            if rank > 0 { chunks = dims.prefix(Int(rank)).map { Int($0) } }
        case H5D_COMPACT: layout = "compact"
        case H5D_VIRTUAL: layout = "virtual"
        default: break
        }
        var filters: [String] = []
        let count = H5Pget_nfilters(plist)
        if count > 0 {
            for index in 0..<UInt32(count) {
                var flags: UInt32 = 0
                var nelements = 0
                var nameBuffer = [CChar](repeating: 0, count: 64)
                var config: UInt32 = 0
                let filter = H5Pget_filter2(plist, index, &flags, &nelements, nil, 64, &nameBuffer, &config)
                filters.append(Self.filterName(filter, fallback: String(decoding: nameBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)))
            }
        }
        return HDF5DatasetInfo(path: name, storedType: Self.storedType(type), shape: shape, layout: layout,
                               chunks: chunks, filters: filters, attributes: try attributes(of: ds, name))
    }

    /// Reads a float dataset as native Float values; HDF5 converts byte order and precision.
    public func readFloat32(_ name: String) throws -> [Float] {
        try read(name, memoryType: ek_H5T_NATIVE_FLOAT(), as: Float.self)
    }

    /// Reads a float dataset as native Double values.
    public func readFloat64(_ name: String) throws -> [Double] {
        try read(name, memoryType: ek_H5T_NATIVE_DOUBLE(), as: Double.self)
    }

    /// Reads a float dataset as little-endian bytes of `dtype`, without any arithmetic when
    /// `dtype` is the stored precision (the lossless path used by `convert`).
    public func readBytes(_ name: String, as dtype: DType) throws -> [UInt8] {
        let memType = try HDF5Types.fileType(for: dtype)
        defer { H5Tclose(memType) }
        return try read(name, memoryType: memType, as: UInt8.self, elementSize: dtype.size)
    }

    /// Streams a float dataset as little-endian bytes of `dtype` (see `readBytes`) in pieces of
    /// whole rows along the first dimension, about `pieceBytes` each (one row if a row is larger),
    /// through one reused buffer: memory stays at one piece whatever the dataset's size.
    public func readBytes(_ name: String, as dtype: DType, pieceBytes: Int,
                          _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let ds = try openFloatDataset(name)
        defer { H5Dclose(ds) }
        let shape = try datasetShape(ds, name)
        let count = shape.reduce(1, *)
        if count == 0 { return }
        try checkStoredBytes(ds, name, count: count, elementSize: dtype.size)
        let memType = try HDF5Types.fileType(for: dtype)
        defer { H5Tclose(memType) }
        let rowBytes = shape.dropFirst().reduce(1, *) * dtype.size
        let rowsPerPiece = shape.isEmpty ? 1 : max(1, pieceBytes / max(rowBytes, 1))
        if shape.isEmpty || rowsPerPiece >= shape[0] {
            var bytes = [UInt8](repeating: 0, count: count * dtype.size)
            let rc = bytes.withUnsafeMutableBytes {
                H5Dread(ds, memType, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), $0.baseAddress)
            }
            guard rc >= 0 else { throw HDF5Errors.failure("H5Dread", file: path, object: name) }
            try bytes.withUnsafeBytes(body)
            return
        }
        let fileSpace = H5Dget_space(ds)
        guard fileSpace >= 0 else { throw HDF5Errors.failure("H5Dget_space", file: path, object: name) }
        defer { H5Sclose(fileSpace) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: rowsPerPiece * rowBytes, alignment: 64)
        defer { buffer.deallocate() }
        var start = 0
        while start < shape[0] {
            let rows = min(rowsPerPiece, shape[0] - start)
            var offset = [hsize_t](repeating: 0, count: shape.count)
            offset[0] = hsize_t(start)
            var counts = shape.map { hsize_t($0) }
            counts[0] = hsize_t(rows)
            guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, offset, nil, counts, nil) >= 0 else {
                throw HDF5Errors.failure("H5Sselect_hyperslab", file: path, object: name)
            }
            let memSpace = H5Screate_simple(Int32(shape.count), counts, nil)
            guard memSpace >= 0 else { throw HDF5Errors.failure("H5Screate_simple", file: path, object: name) }
            let rc = H5Dread(ds, memType, memSpace, fileSpace, ek_H5P_DEFAULT(), buffer.baseAddress)
            H5Sclose(memSpace)
            guard rc >= 0 else { throw HDF5Errors.failure("H5Dread", file: path, object: name) }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<(rows * rowBytes)]))
            start += rows
        }
    }

    private func read<T>(_ name: String, memoryType: hid_t, as: T.Type, elementSize: Int? = nil) throws -> [T]
        where T: Numeric
    {
        let ds = try openFloatDataset(name)
        defer { H5Dclose(ds) }
        let count = try datasetShape(ds, name).reduce(1, *)
        let scalarsPerElement = (elementSize ?? MemoryLayout<T>.size) / MemoryLayout<T>.size
        try checkStoredBytes(ds, name, count: count, elementSize: elementSize ?? MemoryLayout<T>.size)
        var values = [T](repeating: 0, count: count * scalarsPerElement)
        if count == 0 { return values }
        let rc = values.withUnsafeMutableBytes {
            H5Dread(ds, memoryType, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), $0.baseAddress)
        }
        guard rc >= 0 else { throw HDF5Errors.failure("H5Dread", file: path, object: name) }
        return values
    }

    /// Throws E_HDF5_CORRUPT if dataset `name` claims more values than its stored bytes can hold
    /// (what every read of it would refuse), without reading it.
    public func checkPlausibleSize(_ name: String) throws {
        let ds = try openDataset(name)
        defer { H5Dclose(ds) }
        let count = try datasetShape(ds, name).reduce(1, *)
        let type = H5Dget_type(ds)
        defer { H5Tclose(type) }
        try checkStoredBytes(ds, name, count: count, elementSize: max(1, Int(H5Tget_size(type))))
    }

    /// A corrupt or hostile dataspace can claim petabytes in a few bytes: allocating that aborts
    /// the process, and streaming it (`convert`) fills the disk with zeros (both found by attacks).
    /// The values must come from the file: allow what its stored bytes can hold with any filter's
    /// compression (deflate tops out near 1032:1), and 64 MiB regardless.
    private func checkStoredBytes(_ ds: hid_t, _ name: String, count: Int, elementSize: Int) throws {
        let needed = count.multipliedReportingOverflow(by: elementSize)
        let storedBytes = min(Int(clamping: H5Dget_storage_size(ds)), Self.fileSize(path))
        guard !needed.overflow, needed.partialValue <= max(storedBytes.multipliedReportingOverflow(by: 1100).partialValue, 1 << 26) else {
            throw ELMoKitError(.hdf5Corrupt, "dataset '\(name)' claims \(count) elements but its file stores only \(storedBytes) bytes "
                               + "(corrupt or hostile shape)", file: path, tensor: name)
        }
    }

    /// The size of the file at `path` in bytes (0 if it cannot be read).
    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Opens a dataset that must hold floats; integer, string and other types are named errors.
    private func openFloatDataset(_ name: String) throws -> hid_t {
        let ds = try openDataset(name)
        let type = H5Dget_type(ds)
        defer { H5Tclose(type) }
        let stored = Self.storedType(type)
        guard stored.isFloat else {
            H5Dclose(ds)
            throw ELMoKitError(.unsupportedDType, "dataset '\(name)' holds \(stored), expected float weights",
                               file: path, tensor: name)
        }
        return ds
    }

    private func openDataset(_ name: String) throws -> hid_t {
        guard exists(name) else {
            throw ELMoKitError(.hdf5MissingObject, "no dataset '\(name)'", file: path, tensor: name)
        }
        let ds = H5Dopen2(id, name, ek_H5P_DEFAULT())
        guard ds >= 0 else { throw HDF5Errors.failure("H5Dopen", file: path, object: name) }
        return ds
    }

    private func datasetShape(_ ds: hid_t, _ name: String) throws -> [Int] {
        let space = H5Dget_space(ds)
        guard space >= 0 else { throw HDF5Errors.failure("H5Dget_space", file: path, object: name) }
        defer { H5Sclose(space) }
        return try HDF5Types.shape(of: space, file: path, object: name)
    }

    // MARK: - Attributes

    /// The attributes of the object at `name` ("/" for the root), in name order.
    public func attributes(at name: String) throws -> [HDF5Attribute] {
        let obj = H5Oopen(id, name, ek_H5P_DEFAULT())
        guard obj >= 0 else { throw HDF5Errors.failure("H5Oopen", file: path, object: name) }
        defer { H5Oclose(obj) }
        return try attributes(of: obj, name)
    }

    private func attributes(of obj: hid_t, _ objectName: String) throws -> [HDF5Attribute] {
        final class Box { var names: [String] = [] }
        let box = Box()
        let rc = ek_H5Aiterate(obj, { _, name, _, data in
            guard let name, let data else { return 0 }
            Unmanaged<Box>.fromOpaque(data).takeUnretainedValue().names.append(String(cString: name))
            return 0
        }, Unmanaged.passUnretained(box).toOpaque())
        guard rc >= 0 else { throw HDF5Errors.failure("H5Aiterate", file: path, object: objectName) }
        return try box.names.map { HDF5Attribute(name: $0, value: try readAttribute(obj, $0, objectName)) }
    }

    private func readAttribute(_ obj: hid_t, _ name: String, _ objectName: String) throws -> HDF5AttributeValue {
        let attr = H5Aopen(obj, name, ek_H5P_DEFAULT())
        guard attr >= 0 else { throw HDF5Errors.failure("H5Aopen", file: path, object: "\(objectName)@\(name)") }
        defer { H5Aclose(attr) }
        let type = H5Aget_type(attr)
        defer { H5Tclose(type) }
        let space = H5Aget_space(attr)
        defer { H5Sclose(space) }
        let count = max(1, Int(H5Sget_simple_extent_npoints(space)))
        guard count <= 1 << 24 else { return .unsupported("\(count) elements") }
        switch H5Tget_class(type) {
        case H5T_INTEGER, H5T_FLOAT:
            var values = [Double](repeating: 0, count: count)
            guard H5Aread(attr, ek_H5T_NATIVE_DOUBLE(), &values) >= 0 else {
                throw HDF5Errors.failure("H5Aread", file: path, object: "\(objectName)@\(name)")
            }
            return .numbers(values)
        case H5T_STRING:
            return try .strings(readStrings(attr, type, count: count, "\(objectName)@\(name)"))
        default:
            return .unsupported(Self.storedType(type).description)
        }
    }

    private func readStrings(_ attr: hid_t, _ type: hid_t, count: Int, _ object: String) throws -> [String] {
        if H5Tis_variable_str(type) > 0 {
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            let memType = H5Tcopy(ek_H5T_C_S1())
            defer { H5Tclose(memType) }
            H5Tset_size(memType, ek_H5T_VARIABLE())
            H5Tset_cset(memType, H5Tget_cset(type))
            guard H5Aread(attr, memType, &pointers) >= 0 else {
                throw HDF5Errors.failure("H5Aread", file: path, object: object)
            }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            for pointer in pointers { free(pointer) }
            return strings
        }
        let size = H5Tget_size(type)
        // Both bounded, and their product too: 2^24 strings of 2^24 bytes would abort the allocation.
        guard size > 0, size <= 1 << 24, size * count <= 1 << 28 else { return [] }
        var bytes = [UInt8](repeating: 0, count: size * count)
        guard H5Aread(attr, type, &bytes) >= 0 else { throw HDF5Errors.failure("H5Aread", file: path, object: object) }
        return (0..<count).map { index in
            let slice = bytes[(index * size)..<((index + 1) * size)]
            let trimmed = slice.prefix { $0 != 0 }
            return String(decoding: trimmed, as: UTF8.self)
        }
    }

    // MARK: - Type helpers

    static func storedType(_ type: hid_t) -> HDF5StoredType {
        let bits = Int(H5Tget_size(type)) * 8
        let bigEndian = H5Tget_order(type) == H5T_ORDER_BE
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            var sign = 0, exponentPosition = 0, exponentSize = 0, mantissaPosition = 0, mantissaSize = 0
            H5Tget_fields(type, &sign, &exponentPosition, &exponentSize, &mantissaPosition, &mantissaSize)
            if bits == 16 && exponentSize == 8 { return .bfloat16(bigEndian: bigEndian) }
            return .float(bits: bits, bigEndian: bigEndian)
        case H5T_INTEGER: return .integer(bits: bits, signed: H5Tget_sign(type) == H5T_SGN_2, bigEndian: bigEndian)
        case H5T_STRING: return .string
        case H5T_COMPOUND: return .other("compound")
        case H5T_ARRAY: return .other("array")
        case H5T_ENUM: return .other("enum")
        case H5T_OPAQUE: return .other("opaque")
        case H5T_REFERENCE: return .other("reference")
        case H5T_VLEN: return .other("vlen")
        default: return .other("unknown")
        }
    }

    static func filterName(_ filter: H5Z_filter_t, fallback: String) -> String {
        switch filter {
        case H5Z_FILTER_DEFLATE: return "gzip"
        case H5Z_FILTER_SHUFFLE: return "shuffle"
        case H5Z_FILTER_FLETCHER32: return "fletcher32"
        case H5Z_FILTER_SZIP: return "szip"
        case H5Z_FILTER_NBIT: return "nbit"
        case H5Z_FILTER_SCALEOFFSET: return "scaleoffset"
        default: return fallback.isEmpty ? "filter\(filter)" : fallback
        }
    }
}
