import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// A new HDF5 file written dataset by dataset, crash-safely (temp file + rename on `commit`).
/// Datasets are contiguous, little-endian, without timestamps, so output bytes are deterministic.
public final class HDF5OutputFile {
    public let destination: String
    private let output: AtomicOutputFile
    private var file: hid_t
    private let linkProperties: hid_t
    private let datasetProperties: hid_t

    public init(destination: String, force: Bool) throws {
        _ = HDF5Errors.silenced
        self.destination = destination
        output = try AtomicOutputFile(destination: destination, force: force)
        output.releaseForExternalWriter()
        file = H5Fcreate(output.tempPath, ek_H5F_ACC_TRUNC(), ek_H5P_DEFAULT(), ek_H5P_DEFAULT())
        guard file >= 0 else { throw HDF5Errors.failure("H5Fcreate", file: destination) }
        linkProperties = H5Pcreate(ek_H5P_LINK_CREATE())
        H5Pset_create_intermediate_group(linkProperties, 1)
        datasetProperties = H5Pcreate(ek_H5P_DATASET_CREATE())
        H5Pset_obj_track_times(datasetProperties, false)
    }

    deinit {
        H5Pclose(linkProperties)
        H5Pclose(datasetProperties)
        if file >= 0 { H5Fclose(file) }
    }

    /// Adds a dataset of `dtype` holding `raw` (little-endian bytes of exactly shape × dtype size).
    public func addDataset(_ name: String, dtype: DType, shape: [Int], raw: UnsafeRawBufferPointer) throws {
        let type = try HDF5Types.fileType(for: dtype)
        defer { H5Tclose(type) }
        var dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(space) }
        try createGroups(for: name)
        let ds = H5Dcreate2(file, name, type, space, linkProperties, datasetProperties, ek_H5P_DEFAULT())
        guard ds >= 0 else { throw HDF5Errors.failure("H5Dcreate", file: destination, object: name) }
        defer { H5Dclose(ds) }
        guard raw.count == shape.reduce(1, *) * dtype.size else {
            throw ELMoKitError(.writeFailed, "dataset '\(name)': \(raw.count) bytes for shape \(shape) of \(dtype)", file: destination, tensor: name)
        }
        if raw.count > 0, H5Dwrite(ds, type, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), raw.baseAddress) < 0 {
            throw HDF5Errors.failure("H5Dwrite", file: destination, object: name)
        }
    }

    /// Adds a float32 dataset.
    public func addDataset(_ name: String, shape: [Int], values: [Float]) throws {
        try values.withUnsafeBytes { try addDataset(name, dtype: .float32, shape: shape, raw: $0) }
    }

    /// Adds an int32 dataset (used for integer side data, and by tests to make broken weight files).
    public func addInt32Dataset(_ name: String, shape: [Int], values: [Int32]) throws {
        var dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(space) }
        try createGroups(for: name)
        let ds = H5Dcreate2(file, name, ek_H5T_STD_I32LE(), space, linkProperties, datasetProperties, ek_H5P_DEFAULT())
        guard ds >= 0 else { throw HDF5Errors.failure("H5Dcreate", file: destination, object: name) }
        defer { H5Dclose(ds) }
        guard values.withUnsafeBytes({ H5Dwrite(ds, ek_H5T_STD_I32LE(), ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), $0.baseAddress) }) >= 0 else {
            throw HDF5Errors.failure("H5Dwrite", file: destination, object: name)
        }
    }

    /// Adds a 1-D dataset of variable-length UTF-8 strings (as h5py writes `dtype=str`).
    public func addStringDataset(_ name: String, _ strings: [String]) throws {
        let type = Self.variableString()
        defer { H5Tclose(type) }
        var dims = [hsize_t(strings.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        try createGroups(for: name)
        let ds = H5Dcreate2(file, name, type, space, linkProperties, datasetProperties, ek_H5P_DEFAULT())
        guard ds >= 0 else { throw HDF5Errors.failure("H5Dcreate", file: destination, object: name) }
        defer { H5Dclose(ds) }
        try Self.withCStrings(strings) { pointers in
            guard H5Dwrite(ds, type, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), pointers) >= 0 else {
                throw HDF5Errors.failure("H5Dwrite", file: destination, object: name)
            }
        }
    }

    /// Sets a scalar variable-length UTF-8 string attribute on the root group.
    public func setRootAttribute(_ name: String, _ value: String) throws {
        let type = Self.variableString()
        defer { H5Tclose(type) }
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attr = H5Acreate2(file, name, type, space, ek_H5P_DEFAULT(), ek_H5P_DEFAULT())
        guard attr >= 0 else { throw HDF5Errors.failure("H5Acreate", file: destination, object: name) }
        defer { H5Aclose(attr) }
        try Self.withCStrings([value]) { pointers in
            guard H5Awrite(attr, type, pointers) >= 0 else { throw HDF5Errors.failure("H5Awrite", file: destination, object: name) }
        }
    }

    /// Closes the file, fsyncs and renames it into place.
    public func commit() throws {
        guard H5Fclose(file) >= 0 else { throw HDF5Errors.failure("H5Fclose", file: destination) }
        file = -1
        try output.commit()
    }

    private func createGroups(for name: String) throws {
        var prefix = ""
        for part in name.split(separator: "/").dropLast() {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if H5Lexists(file, prefix, ek_H5P_DEFAULT()) > 0 { continue }
            let gcpl = H5Pcreate(ek_H5P_GROUP_CREATE())
            H5Pset_obj_track_times(gcpl, false)
            let group = H5Gcreate2(file, prefix, ek_H5P_DEFAULT(), gcpl, ek_H5P_DEFAULT())
            H5Pclose(gcpl)
            guard group >= 0 else { throw HDF5Errors.failure("H5Gcreate", file: destination, object: prefix) }
            H5Gclose(group)
        }
    }

    private static func variableString() -> hid_t {
        let type = H5Tcopy(ek_H5T_C_S1())
        H5Tset_size(type, ek_H5T_VARIABLE())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    private static func withCStrings(_ strings: [String], _ body: (UnsafeRawPointer) throws -> Void) throws {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        try copies.withUnsafeBufferPointer { try body(UnsafeRawPointer($0.baseAddress!)) }
    }
}
