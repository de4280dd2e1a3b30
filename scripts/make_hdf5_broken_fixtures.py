#!/usr/bin/env python3
"""Writes fixtures/hdf5-broken/: HDF5 files corrupted on purpose, for the hostile-input tests.

Each is a committed fixture from fixtures/hdf5/ with a few bytes patched. The patches were found by
overwriting random bytes of the fixtures' first 4 KiB and running `elmokit inspect` on each copy
(2026, HDF5 1.10.8 on Debian 12); they are tied to the exact bytes of the source fixtures, so
regenerating fixtures/hdf5/ with another h5py may need a new search. Standard library only.

  absurd-shape.hdf5          plain.hdf5, one byte of the dataspace of 'weights/dense/kernel' changed:
                             it claims ~1.5e11 elements in 192 bytes. Before the size guard in
                             HDF5File.read, allocating that aborted elmokit.
  libhdf5-crash-chunked.hdf5 gzip_chunked.hdf5, four bytes changed: H5Dread itself segfaults
                             (in H5VM_memcpyvv) reading a chunked dataset. This is the file the
                             CLI's child-process isolation is tested with.
"""
import hashlib
import os

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")

# name: (source fixture, {0-based offset: new byte})
FIXTURES = {
    "absurd-shape.hdf5": ("plain.hdf5", {2900: 0x06}),
    "libhdf5-crash-chunked.hdf5": ("gzip_chunked.hdf5", {921: 0o340, 2055: 0o61, 3065: 0o274, 3689: 0o227}),
}


def main():
    out_dir = os.path.join(ROOT, "hdf5-broken")
    os.makedirs(out_dir, exist_ok=True)
    for name, (source, patches) in FIXTURES.items():
        with open(os.path.join(ROOT, "hdf5", source), "rb") as f:
            data = bytearray(f.read())
        for offset, value in patches.items():
            data[offset] = value
        with open(os.path.join(out_dir, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")


if __name__ == "__main__":
    main()
