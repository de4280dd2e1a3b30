import CCrypto
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Incremental SHA-256 through OpenSSL's EVP interface (SHA-NI where the CPU has it).
public final class SHA256 {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, raw.count > 0 else { return }
        EVP_DigestUpdate(context, base, raw.count)
    }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Finishes and returns the 32-byte digest.
    public func finalize() -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest
    }

    /// Digest of `bytes` in one call.
    public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        let hasher = SHA256()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Digest of a file's bytes, hashed from a memory map in 8 MiB pieces whose pages are released
    /// as soon as they are hashed: no copy, and memory stays flat however large the file.
    public static func hash(file path: String) throws -> [UInt8] {
        let mapped = try MappedFile(path: path)
        mapped.adviseSequential()
        let hasher = SHA256()
        var position = 0
        while position < mapped.count {
            let piece = mapped.bytes(at: position, count: min(pieceBytes, mapped.count - position))!
            hasher.update(piece)
            mapped.release(piece)
            position += piece.count
        }
        return hasher.finalize()
    }

    /// Read size of the streaming passes (hashing, convert's pieces).
    public static let pieceBytes = 8 << 20
}

/// Lowercase hexadecimal of bytes.
public func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 15)]) }
    return String(decoding: out, as: UTF8.self)
}
