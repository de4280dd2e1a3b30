// OpenSSL's libcrypto, for SHA-256 only: its SHA-NI/AVX2 code hashes at ~2 GB/s, several times
// what portable code reaches, and the file-level integrity check is bounded by it.
#include <openssl/evp.h>
