import CHDF5

/// Writes tensors as an HDF5 file in the bilm-tf layout: one contiguous little-endian dataset per
/// tensor, nested groups from the `/` in names, no timestamps (so output is deterministic), and
/// the root attribute `elmokit_metadata` holding the checkpoint's metadata JSON, so that
/// `convert` of an exported file restores the same checkpoint. bilm-tf and AllenNLP ignore it.
public enum HDF5Writer {
    public static let metadataAttribute = "elmokit_metadata"

    public static func write(from source: WeightSource, to destination: String, metadata: JSONValue?,
                             dtype: DType? = nil, force: Bool) throws {
        _ = HDF5Errors.silenced
        let output = try AtomicOutputFile(destination: destination, force: force)
        output.releaseForExternalWriter()
        let path = output.tempPath
        let fcpl = H5Pcreate(ek_H5P_FILE_CREATE())
        defer { H5Pclose(fcpl) }
        let file = H5Fcreate(path, ek_H5F_ACC_TRUNC(), fcpl, ek_H5P_DEFAULT())
        guard file >= 0 else { throw HDF5Errors.failure("H5Fcreate", file: destination) }
        var fileOpen = true
        defer { if fileOpen { H5Fclose(file) } }
        let lcpl = H5Pcreate(ek_H5P_LINK_CREATE())
        H5Pset_create_intermediate_group(lcpl, 1)
        defer { H5Pclose(lcpl) }
        let dcpl = H5Pcreate(ek_H5P_DATASET_CREATE())
        H5Pset_obj_track_times(dcpl, false)
        defer { H5Pclose(dcpl) }
        for info in source.tensorInfos {
            let stored = dtype ?? info.dtype
            let type = try HDF5Types.fileType(for: stored)
            defer { H5Tclose(type) }
            var dims = info.shape.map { hsize_t($0) }
            let space = info.shape.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
            defer { H5Sclose(space) }
            // Create parent groups without timestamps, then the dataset.
            try createGroups(for: info.name, in: file, destination: destination)
            let ds = H5Dcreate2(file, info.name, type, space, lcpl, dcpl, ek_H5P_DEFAULT())
            guard ds >= 0 else { throw HDF5Errors.failure("H5Dcreate", file: destination, object: info.name) }
            defer { H5Dclose(ds) }
            try source.withBytes(info.name, as: stored) { raw in
                guard raw.count > 0 else { return }
                guard H5Dwrite(ds, type, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), raw.baseAddress) >= 0 else {
                    throw HDF5Errors.failure("H5Dwrite", file: destination, object: info.name)
                }
            }
        }
        if let metadata {
            try writeStringAttribute(file, metadataAttribute, metadata.canonicalString(), destination: destination)
        }
        guard H5Fclose(file) >= 0 else { throw HDF5Errors.failure("H5Fclose", file: destination) }
        fileOpen = false
        try output.commit()
    }

    private static func createGroups(for name: String, in file: hid_t, destination: String) throws {
        let parts = name.split(separator: "/").dropLast()
        var prefix = ""
        for part in parts {
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

    private static func writeStringAttribute(_ object: hid_t, _ name: String, _ value: String, destination: String) throws {
        let type = H5Tcopy(ek_H5T_C_S1())
        defer { H5Tclose(type) }
        H5Tset_size(type, ek_H5T_VARIABLE())
        H5Tset_cset(type, H5T_CSET_UTF8)
        let space = H5Screate(H5S_SCALAR)
        defer { H5Sclose(space) }
        let attr = H5Acreate2(object, name, type, space, ek_H5P_DEFAULT(), ek_H5P_DEFAULT())
        guard attr >= 0 else { throw HDF5Errors.failure("H5Acreate", file: destination, object: name) }
        defer { H5Aclose(attr) }
        let rc = value.withCString { cString -> herr_t in
            var pointer: UnsafePointer<CChar>? = cString
            return H5Awrite(attr, type, &pointer)
        }
        guard rc >= 0 else { throw HDF5Errors.failure("H5Awrite", file: destination, object: name) }
    }

    /// The metadata an `elmokit export` left in `file`, if any.
    public static func embeddedMetadata(_ file: HDF5File) -> JSONValue? {
        guard let attributes = try? file.attributes(at: "/"),
              let attribute = attributes.first(where: { $0.name == metadataAttribute }),
              case let .strings(values) = attribute.value, let text = values.first,
              let json = try? JSONParser.parse(text), case .object = json else { return nil }
        return json
    }
}
