#!/usr/bin/env python3
"""Generate small, deterministic HDF5 fixtures for ELMoKit tests.

Usage: python3 scripts/make_hdf5_fixtures.py

Writes fixtures/hdf5/*.hdf5 and fixtures/hdf5/expected.json (relative to the
repository root). Requires only h5py and numpy. Output is deterministic: fixed
RNG seed, no dataset/group timestamps (track_times=False), default libver.
"""
import json
import os

import h5py
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "fixtures", "hdf5")

SEED = 1234
# Order matters: values are drawn from one RNG in this order.
SHAPES = [
    ("weights/dense/kernel", (8, 6)),
    ("weights/dense/bias", (6,)),
    ("weights/rnn/cell0/W_0", (4, 12)),
    ("scalar_gain", ()),
    ("embed", (5, 3)),
]


def make_tensors():
    rng = np.random.default_rng(SEED)
    tensors = {}
    for name, shape in SHAPES:
        tensors[name] = np.asarray(rng.standard_normal(shape), dtype=np.float32)
    return tensors


def new_file(fname):
    path = os.path.join(OUT, fname)
    if os.path.exists(path):
        os.remove(path)
    # Defaults for libver and track_order; no time-dependent metadata.
    return h5py.File(path, "w")


def ensure_group(f, name):
    """Create intermediate groups explicitly (without timestamps)."""
    parent = f
    for part in name.split("/")[:-1]:
        if part not in parent:
            parent.create_group(part, track_order=False)
        parent = parent[part]
    return parent


def put(f, name, data, **kw):
    g = ensure_group(f, name)
    return g.create_dataset(name.split("/")[-1], data=data, track_times=False, **kw)


def write_tensors(f, tensors, dtype, chunked=False):
    for name, _ in SHAPES:
        arr = tensors[name].astype(dtype)
        kw = {}
        if chunked and arr.ndim > 0:
            kw = dict(chunks=arr.shape, compression="gzip",
                      compression_opts=4, shuffle=True)
        put(f, name, arr, **kw)


def main():
    os.makedirs(OUT, exist_ok=True)
    t = make_tensors()
    t16 = {k: v.astype(np.float16) for k, v in t.items()}

    with new_file("plain.hdf5") as f:
        write_tensors(f, t, "<f4")

    with new_file("gzip_chunked.hdf5") as f:
        write_tensors(f, t, "<f4", chunked=True)

    with new_file("big_endian.hdf5") as f:
        write_tensors(f, t, ">f4")

    with new_file("float64.hdf5") as f:
        write_tensors(f, t, "<f8")

    with new_file("float16.hdf5") as f:
        write_tensors(f, t16, "<f2")

    with new_file("float16_as_f32.hdf5") as f:
        write_tensors(f, t16, "<f4")

    with new_file("attributes.hdf5") as f:
        write_tensors(f, t, "<f4")
        f.attrs.create("title", "ELMoKit fixture \u00e9",
                       dtype=h5py.string_dtype("utf-8"))
        f.attrs.create("fixed", np.bytes_("abc"))  # fixed-length ASCII, S3
        f.attrs.create("count", np.int64(42))
        f.attrs.create("scales", np.array([0.5, 1.5, 2.5], dtype=np.float64))
        f.attrs.create("names", np.array(["a", "bb", "ccc"], dtype=object),
                       dtype=h5py.string_dtype("utf-8"))
        f["weights/dense"].attrs.create("units", np.int32(6))

    with new_file("integer_dataset.hdf5") as f:
        write_tensors(f, t, "<f4")
        put(f, "weights/ids", np.array([1, 2, 3, 4], dtype="<i4"))

    with new_file("empty_dataset.hdf5") as f:
        write_tensors(f, t, "<f4")
        put(f, "weights/empty", np.zeros((0, 3), dtype="<f4"))

    with new_file("string_dataset.hdf5") as f:
        write_tensors(f, t, "<f4")
        put(f, "weights/label", "hello", dtype=h5py.string_dtype("utf-8"))

    expected = {
        "seed": SEED,
        "tensors": [
            {
                "name": name,
                "shape": list(shape),
                "values": [float(x) for x in t[name].reshape(-1)],
                "float16_values": [float(x) for x in t16[name].reshape(-1)],
            }
            for name, shape in SHAPES
        ],
    }
    with open(os.path.join(OUT, "expected.json"), "w", encoding="utf-8") as fh:
        json.dump(expected, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
