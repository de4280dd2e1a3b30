import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// Writes an HDF5 file object by object (groups, contiguous little-endian datasets, string and
/// numeric attributes) for layouts that other programs read by their exact paths and attributes,
/// such as Keras' weight files. Nothing is timestamped, so the same content gives the same bytes.
/// Writes to `path` directly: callers pass a temp path (`AtomicOutputFile.tempPath`) and commit.
final class HDF5Builder {
    let path: String
    /// The name errors report (the user's destination, not the temp path).
    let display: String
    private var file: hid_t
    private let lcpl: hid_t

    init(path: String, display: String) throws {
        _ = HDF5Errors.silenced
        self.path = path
        self.display = display
        let fcpl = H5Pcreate(ek_H5P_FILE_CREATE())
        defer { H5Pclose(fcpl) }
        file = H5Fcreate(path, ek_H5F_ACC_TRUNC(), fcpl, ek_H5P_DEFAULT())
        guard file >= 0 else { throw HDF5Errors.writeFailure("H5Fcreate", file: display) }
        lcpl = H5Pcreate(ek_H5P_LINK_CREATE())
        H5Pset_create_intermediate_group(lcpl, 1)
    }

    deinit {
        H5Pclose(lcpl)
        if file >= 0 { H5Fclose(file) }
    }

    /// Flushes and closes the file; the builder is unusable afterwards.
    func close() throws {
        guard file >= 0 else { return }
        let rc = H5Fclose(file)
        file = -1
        guard rc >= 0 else { throw HDF5Errors.writeFailure("H5Fclose", file: display) }
    }

    /// Creates `name` and any missing parents (untimestamped); existing groups are kept.
    func group(_ name: String) throws {
        var prefix = ""
        for part in name.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            if H5Lexists(file, prefix, ek_H5P_DEFAULT()) > 0 { continue }
            H5Eclear2(ek_H5E_DEFAULT())
            let gcpl = H5Pcreate(ek_H5P_GROUP_CREATE())
            H5Pset_obj_track_times(gcpl, false)
            let group = H5Gcreate2(file, prefix, ek_H5P_DEFAULT(), gcpl, ek_H5P_DEFAULT())
            H5Pclose(gcpl)
            guard group >= 0 else { throw HDF5Errors.writeFailure("H5Gcreate", file: display, object: prefix) }
            H5Gclose(group)
        }
    }

    /// A new dataset `name` of `type` and `shape` (scalar when empty), parents created, without
    /// a modification time (which would make two runs' bytes differ). The caller closes it.
    private func createDataset(_ name: String, type: hid_t, shape: [Int]) throws -> hid_t {
        let parent = name.split(separator: "/").dropLast().joined(separator: "/")
        if !parent.isEmpty { try group(parent) }
        var dims = shape.map { hsize_t($0) }
        let space = shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(space) }
        let dcpl = H5Pcreate(ek_H5P_DATASET_CREATE())
        H5Pset_obj_track_times(dcpl, false)
        defer { H5Pclose(dcpl) }
        let ds = H5Dcreate2(file, name, type, space, lcpl, dcpl, ek_H5P_DEFAULT())
        guard ds >= 0 else { throw HDF5Errors.writeFailure("H5Dcreate", file: display, object: name) }
        return ds
    }

    /// A contiguous dataset of `dtype` holding `raw` (little-endian `dtype` bytes), parents created.
    func dataset(_ name: String, dtype: DType, shape: [Int], raw: UnsafeRawBufferPointer) throws {
        let type = try HDF5Types.fileType(for: dtype)
        defer { H5Tclose(type) }
        let ds = try createDataset(name, type: type, shape: shape)
        defer { H5Dclose(ds) }
        guard raw.count > 0 else { return }
        guard H5Dwrite(ds, type, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), raw.baseAddress) >= 0 else {
            throw HDF5Errors.writeFailure("H5Dwrite", file: display, object: name)
        }
    }

    /// An int32 dataset (integer side data; tests use it to make broken weight files).
    func int32Dataset(_ name: String, shape: [Int], values: [Int32]) throws {
        let ds = try createDataset(name, type: ek_H5T_STD_I32LE(), shape: shape)
        defer { H5Dclose(ds) }
        guard values.withUnsafeBytes({ H5Dwrite(ds, ek_H5T_STD_I32LE(), ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), $0.baseAddress) }) >= 0 else {
            throw HDF5Errors.writeFailure("H5Dwrite", file: display, object: name)
        }
    }

    /// A 1-D dataset of variable-length UTF-8 strings (as h5py writes `dtype=str`).
    func stringDataset(_ name: String, _ values: [String]) throws {
        let type = Self.variableString()
        defer { H5Tclose(type) }
        let ds = try createDataset(name, type: type, shape: [values.count])
        defer { H5Dclose(ds) }
        var pointers: [UnsafePointer<CChar>?] = values.map { UnsafePointer(strdup($0)) }
        defer { for p in pointers { free(UnsafeMutablePointer(mutating: p)) } }
        guard H5Dwrite(ds, type, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), &pointers) >= 0 else {
            throw HDF5Errors.writeFailure("H5Dwrite", file: display, object: name)
        }
    }

    static func variableString() -> hid_t {
        let type = H5Tcopy(ek_H5T_C_S1())
        H5Tset_size(type, ek_H5T_VARIABLE())
        H5Tset_cset(type, H5T_CSET_UTF8)
        return type
    }

    /// A variable-length UTF-8 string attribute on `object` ("/" for the root): a scalar for one
    /// value, a 1-D array otherwise.
    func stringAttribute(_ attribute: String, on object: String, _ values: [String], scalar: Bool = false) throws {
        let type = Self.variableString()
        defer { H5Tclose(type) }
        var dims = [hsize_t(values.count)]
        let space = scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        try withAttribute(attribute, on: object, type: type, space: space) { attr in
            // strdup'd C strings, freed after the write.
            var pointers: [UnsafePointer<CChar>?] = values.map { UnsafePointer(strdup($0)) }
            defer { for p in pointers { free(UnsafeMutablePointer(mutating: p)) } }
            return H5Awrite(attr, type, &pointers)
        }
    }

    /// An empty float64 array attribute: what h5py writes for an empty Python list (Keras'
    /// `weight_names` of a layer without weights).
    func emptyListAttribute(_ attribute: String, on object: String) throws {
        var dims: [hsize_t] = [0]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        try withAttribute(attribute, on: object, type: ek_H5T_IEEE_F64LE(), space: space) { attr in
            var nothing: Double = 0
            return H5Awrite(attr, ek_H5T_NATIVE_DOUBLE(), &nothing)
        }
    }

    private func withAttribute(_ attribute: String, on object: String, type: hid_t, space: hid_t, _ write: (hid_t) -> herr_t) throws {
        if object != "/" { try group(object) }
        let obj = H5Oopen(file, object, ek_H5P_DEFAULT())
        guard obj >= 0 else { throw HDF5Errors.writeFailure("H5Oopen", file: display, object: object) }
        defer { H5Oclose(obj) }
        let attr = H5Acreate2(obj, attribute, type, space, ek_H5P_DEFAULT(), ek_H5P_DEFAULT())
        guard attr >= 0 else { throw HDF5Errors.writeFailure("H5Acreate", file: display, object: "\(object)@\(attribute)") }
        defer { H5Aclose(attr) }
        guard write(attr) >= 0 else { throw HDF5Errors.writeFailure("H5Awrite", file: display, object: "\(object)@\(attribute)") }
    }
}
