// Swift cannot import HDF5's macro constants (they expand to function calls on globals),
// so each one we use is re-exported here as a static inline function. Version-specific
// calls (1.10 vs 1.12+) stay behind this one seam.
#include <hdf5.h>

static inline hid_t ek_H5P_DEFAULT(void) { return H5P_DEFAULT; }
static inline hid_t ek_H5S_ALL(void) { return H5S_ALL; }
static inline hid_t ek_H5E_DEFAULT(void) { return H5E_DEFAULT; }
static inline hid_t ek_H5P_FILE_ACCESS(void) { return H5P_FILE_ACCESS; }
static inline hid_t ek_H5P_DATASET_CREATE(void) { return H5P_DATASET_CREATE; }
static inline hid_t ek_H5P_FILE_CREATE(void) { return H5P_FILE_CREATE; }
static inline hid_t ek_H5P_LINK_CREATE(void) { return H5P_LINK_CREATE; }
static inline hid_t ek_H5P_GROUP_CREATE(void) { return H5P_GROUP_CREATE; }
static inline unsigned ek_H5F_ACC_RDONLY(void) { return H5F_ACC_RDONLY; }
static inline unsigned ek_H5F_ACC_TRUNC(void) { return H5F_ACC_TRUNC; }
static inline unsigned ek_H5F_ACC_EXCL(void) { return H5F_ACC_EXCL; }

static inline hid_t ek_H5T_NATIVE_FLOAT(void) { return H5T_NATIVE_FLOAT; }
static inline hid_t ek_H5T_NATIVE_DOUBLE(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ek_H5T_NATIVE_LLONG(void) { return H5T_NATIVE_LLONG; }
static inline hid_t ek_H5T_NATIVE_UINT8(void) { return H5T_NATIVE_UINT8; }
static inline hid_t ek_H5T_IEEE_F32LE(void) { return H5T_IEEE_F32LE; }
static inline hid_t ek_H5T_IEEE_F64LE(void) { return H5T_IEEE_F64LE; }
static inline hid_t ek_H5T_C_S1(void) { return H5T_C_S1; }
static inline size_t ek_H5T_VARIABLE(void) { return H5T_VARIABLE; }
static inline hid_t ek_H5T_STD_I32LE(void) { return H5T_STD_I32LE; }

/// Visits every link below `group`, recursively, in name order.
static inline herr_t ek_H5Lvisit(hid_t group, H5L_iterate_t op, void *data) {
#if H5_VERSION_GE(1, 12, 0)
    return H5Lvisit1(group, H5_INDEX_NAME, H5_ITER_INC, op, data);
#else
    return H5Lvisit(group, H5_INDEX_NAME, H5_ITER_INC, op, data);
#endif
}

/// Visits the attributes of `obj` in name order.
static inline herr_t ek_H5Aiterate(hid_t obj, H5A_operator2_t op, void *data) {
    hsize_t idx = 0;
    return H5Aiterate2(obj, H5_INDEX_NAME, H5_ITER_INC, &idx, op, data);
}
