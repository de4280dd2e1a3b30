import Foundation
import XCTest
@testable import ELMoKit

/// The zip reader on the archives of scripts/make_zip_fixtures.py: stored and deflate entries
/// read back exactly; every damaged or unsupported archive is a clean error, never a crash.
final class ZipArchiveTests: XCTestCase {}

extension ZipArchiveTests {
    static let hello = Array(String(repeating: "hello, zip\n", count: 20).utf8)
    static let data: [UInt8] = (0..<4096).map { UInt8((($0 * 37) + $0 / 7) % 256) }

    func testDeflateAndStoredEntries_readExactly() throws {
        let zip = try ZipArchive(path: KerasFixtures.zip("deflate.zip"))
        XCTAssertEqual(zip.entries.map(\.name), ["hello.txt", "data.bin", "empty.txt"])
        XCTAssertEqual(zip.entries.map(\.method), [8, 8, 0])
        XCTAssertEqual(try zip.read(zip.entry("hello.txt")!, maxBytes: 1 << 20), Self.hello)
        XCTAssertEqual(try zip.read(zip.entry("data.bin")!, maxBytes: 1 << 20), Self.data)
        XCTAssertEqual(try zip.read(zip.entry("empty.txt")!, maxBytes: 1 << 20), [])
        XCTAssertThrowsError(try zip.read(zip.entry("data.bin")!, maxBytes: 100)) {
            XCTAssertEqual(($0 as? ELMoKitError)?.code, .archiveUnsupported)
        }
        let temp = try zip.extractToTemporaryFile(zip.entry("data.bin")!, suffix: ".bin")
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: temp.path))), Self.data)
        let path = temp.path
        _ = consume temp
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "the temp file goes with its owner")
    }

    /// A .keras whose entries are deflated (Keras stores them; other tools may not) converts and verifies.
    func testDeflatedKerasArchive_convertsAndVerifies() throws {
        let model = try RecurrentModel.load(path: KerasFixtures.zip("lstm_deflate.keras"))
        let report = try KerasVerifier.againstIO(model, ioPath: KerasFixtures.keras("lstm.io.h5"), atol: 1e-5, rtol: 0)
        XCTAssertTrue(report.passed, "\(report.problems)")
    }

    func testDamagedArchives_areCleanErrors() throws {
        let cases: [(String, ELMoKitError.Code, String)] = [
            ("bad_crc.zip", .archiveCorrupt, "CRC-32"),
            ("truncated.zip", .archiveCorrupt, "end-of-central-directory"),
            ("cut_data.zip", .archiveCorrupt, "run past the end"),
            ("lying_size.zip", .archiveCorrupt, "more than the 100 bytes"),
            ("encrypted.zip", .archiveUnsupported, "encrypted"),
            ("bzip2.zip", .archiveUnsupported, "method 12"),
        ]
        for (name, code, phrase) in cases {
            do {
                let zip = try ZipArchive(path: KerasFixtures.zip(name))
                for entry in zip.entries { _ = try zip.read(entry, maxBytes: 1 << 20) }
                XCTFail("\(name) read without error")
            } catch let error as ELMoKitError {
                XCTAssertEqual(error.code, code, "\(name): \(error)")
                XCTAssertTrue(error.message.contains(phrase), "\(name): \(error.message)")
                XCTAssertEqual(error.file, KerasFixtures.zip(name))
            }
        }
    }

    /// Every truncation and many single-byte flips of a small archive: errors or correct data,
    /// never a trap (the zip reader is bounds-checked throughout).
    func testTruncationsAndByteFlips_neverCrash() throws {
        let original = try Data(contentsOf: URL(fileURLWithPath: KerasFixtures.zip("deflate.zip")))
        let dir = try KerasFixtures.temporaryDirectory(self)
        let path = dir.appendingPathComponent("mutated.zip").path
        var variants: [Data] = (0..<original.count).map { original.prefix($0) }
        for i in stride(from: 0, to: original.count, by: 3) {
            var d = original
            d[i] ^= 0xA5
            variants.append(d)
        }
        var errors = 0
        for bytes in variants {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            do {
                let zip = try ZipArchive(path: path)
                for entry in zip.entries { _ = try zip.read(entry, maxBytes: 1 << 20) }
            } catch is ELMoKitError {
                errors += 1
            }
        }
        XCTAssertGreaterThan(errors, original.count, "truncations must fail")
    }

    /// The writer's archives read back, and are byte-identical for the same entries.
    func testZipWriter_roundTripAndDeterminism() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        var digests: [[UInt8]] = []
        for name in ["a.zip", "b.zip"] {
            let path = dir.appendingPathComponent(name).path
            let writer = try ZipWriter(destination: path, force: false)
            try writer.add("hello.txt", Self.hello)
            try writer.add("data.bin", Self.data)
            try writer.finish()
            let zip = try ZipArchive(path: path)
            XCTAssertEqual(try zip.read(zip.entry("data.bin")!, maxBytes: 1 << 20), Self.data)
            XCTAssertEqual(zip.entries.map(\.method), [0, 0])
            digests.append(try SHA256.hash(file: path))
        }
        XCTAssertEqual(digests[0], digests[1])
    }
}
