import CHDF5

/// HDF5 datatype and dataspace helpers shared by the reader and the writer.
enum HDF5Types {
    /// A new little-endian file/memory type for `dtype`; the caller closes it.
    /// float16 and bfloat16 are built from IEEE float32 by setting the bit fields, as h5py does.
    static func fileType(for dtype: DType) throws -> hid_t {
        let type: hid_t
        switch dtype {
        case .float32: type = H5Tcopy(ek_H5T_IEEE_F32LE())
        case .float64: type = H5Tcopy(ek_H5T_IEEE_F64LE())
        case .float16:
            type = H5Tcopy(ek_H5T_IEEE_F32LE())
            H5Tset_fields(type, 15, 10, 5, 0, 10)
            H5Tset_size(type, 2)
            H5Tset_ebias(type, 15)
        case .bfloat16:
            type = H5Tcopy(ek_H5T_IEEE_F32LE())
            H5Tset_fields(type, 15, 7, 8, 0, 7)
            H5Tset_size(type, 2)
            H5Tset_ebias(type, 127)
        }
        guard type >= 0 else { throw HDF5Errors.failure("H5Tcopy", file: "<memory>") }
        return type
    }

    /// The dimensions of a dataspace: [] for a scalar; an error for a null dataspace.
    static func shape(of space: hid_t, file: String, object: String) throws -> [Int] {
        switch H5Sget_simple_extent_type(space) {
        case H5S_SCALAR: return []
        case H5S_SIMPLE:
            let rank = H5Sget_simple_extent_ndims(space)
            guard rank >= 0, rank <= 32 else {
                throw ELMoKitError(.hdf5Corrupt, "dataset '\(object)' has rank \(rank)", file: file, tensor: object)
            }
            var dims = [hsize_t](repeating: 0, count: Int(rank))
            H5Sget_simple_extent_dims(space, &dims, nil)
            var total: UInt64 = 1
            for dim in dims {
                let (product, overflow) = total.multipliedReportingOverflow(by: dim)
                guard !overflow, product <= UInt64(Int.max / 8) else {
                    throw ELMoKitError(.hdf5Corrupt, "dataset '\(object)' has an absurd shape \(dims)",
                                       file: file, tensor: object)
                }
                total = product
            }
            return dims.map { Int($0) }
        default:
            throw ELMoKitError(.unsupportedDType, "dataset '\(object)' has no dataspace (null)", file: file, tensor: object)
        }
    }
}
