#!/usr/bin/env python3
"""Writes fixtures/zip/: small zip archives for the zip reader's tests (ZipArchiveTests).

Standard library only; deterministic (fixed timestamps). Run from the repository root:
    python3 scripts/make_zip_fixtures.py

* deflate.zip      hello.txt (text) and data.bin (4096 bytes) compressed with DEFLATE, plus a stored empty.txt
* lstm_deflate.keras  fixtures/keras/lstm.keras re-zipped with DEFLATE (Keras itself stores entries)
* bad_crc.zip      deflate.zip with the CRC-32 of hello.txt changed in both headers
* truncated.zip    deflate.zip cut in half (no end-of-central-directory record)
* cut_data.zip     central directory intact but data.bin's compressed size enlarged past the end of the file
* lying_size.zip   data.bin declares an uncompressed size of 100 bytes but inflates to 4096
* encrypted.zip    hello.txt with the 'encrypted' flag bit set
* bzip2.zip        hello.txt with compression method 12 (bzip2) declared
"""
import io
import os
import struct
import zipfile

OUT = "fixtures/zip"
STAMP = (1980, 1, 1, 0, 0, 0)


def entry(name, data, method):
    info = zipfile.ZipInfo(name, STAMP)
    info.compress_type = method
    info.external_attr = 0o644 << 16
    return info, data


def build(entries):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for info, data in entries:
            z.writestr(info, data)
    return bytearray(buffer.getvalue())


def find_headers(blob, name):
    """Offsets of the local and central headers of `name`."""
    raw = name.encode()
    locals_, centrals = [], []
    i = 0
    while True:
        i = blob.find(b"PK\x03\x04", i)
        if i < 0:
            break
        n = struct.unpack_from("<H", blob, i + 26)[0]
        if blob[i + 30:i + 30 + n] == raw:
            locals_.append(i)
        i += 4
    i = 0
    while True:
        i = blob.find(b"PK\x01\x02", i)
        if i < 0:
            break
        n = struct.unpack_from("<H", blob, i + 28)[0]
        if blob[i + 46:i + 46 + n] == raw:
            centrals.append(i)
        i += 4
    return locals_[0], centrals[0]


def main():
    os.makedirs(OUT, exist_ok=True)
    data = bytes((i * 37 + i // 7) % 256 for i in range(4096))
    hello = b"hello, zip\n" * 20
    base = build([entry("hello.txt", hello, zipfile.ZIP_DEFLATED), entry("data.bin", data, zipfile.ZIP_DEFLATED),
                  entry("empty.txt", b"", zipfile.ZIP_STORED)])
    write("deflate.zip", base)

    src = zipfile.ZipFile("fixtures/keras/lstm.keras")
    write("lstm_deflate.keras", build([entry(n, src.read(n), zipfile.ZIP_DEFLATED) for n in src.namelist()]))

    bad = bytearray(base)
    local, central = find_headers(bad, "hello.txt")
    crc = struct.unpack_from("<I", bad, local + 14)[0] ^ 0xFFFFFFFF
    struct.pack_into("<I", bad, local + 14, crc)
    struct.pack_into("<I", bad, central + 16, crc)
    write("bad_crc.zip", bad)

    write("truncated.zip", base[: len(base) // 2])

    cut = bytearray(base)
    local, central = find_headers(cut, "data.bin")
    struct.pack_into("<I", cut, local + 18, 1 << 20)
    struct.pack_into("<I", cut, central + 20, 1 << 20)
    write("cut_data.zip", cut)

    lying = bytearray(base)
    local, central = find_headers(lying, "data.bin")
    struct.pack_into("<I", lying, local + 22, 100)
    struct.pack_into("<I", lying, central + 24, 100)
    write("lying_size.zip", lying)

    enc = build([entry("hello.txt", hello, zipfile.ZIP_STORED)])
    local, central = find_headers(enc, "hello.txt")
    struct.pack_into("<H", enc, local + 6, 1)
    struct.pack_into("<H", enc, central + 8, 1)
    write("encrypted.zip", enc)

    bz = build([entry("hello.txt", hello, zipfile.ZIP_STORED)])
    local, central = find_headers(bz, "hello.txt")
    struct.pack_into("<H", bz, local + 8, 12)
    struct.pack_into("<H", bz, central + 10, 12)
    write("bzip2.zip", bz)


def write(name, blob):
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes(blob))
    print(f"{name}: {len(blob)} bytes")


if __name__ == "__main__":
    main()
