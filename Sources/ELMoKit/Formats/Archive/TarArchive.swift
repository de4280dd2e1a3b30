import CZlib
import Foundation

/// Reads `.tar` and `.tar.gz` archives: gzip is inflated by zlib into a temp file, then the tar
/// headers are walked with every field bounds-checked (ustar, GNU long names, pax paths).
struct TarArchive {
    struct Entry {
        let name: String
        let offset: Int
        let size: Int
    }

    let entries: [Entry]
    private let file: MappedFile
    private let tempPath: String?

    /// Opens `path`; gzip-compressed archives are inflated first into `scratch`.
    init(path: String, scratch: URL) throws {
        let magic = InputFile.prefix(path, count: 2)
        var source = path
        if magic == [0x1F, 0x8B] {
            source = scratch.appendingPathComponent("archive.tar").path
            try Self.gunzip(path, to: source)
            tempPath = source
        } else {
            tempPath = nil
        }
        file = try MappedFile(path: source)
        entries = try Self.walk(file, archive: path)
    }

    /// Copies one entry's bytes to `destination`.
    func extract(_ entry: Entry, to destination: String) throws {
        guard let bytes = file.bytes(at: entry.offset, count: entry.size) else {
            throw ELMoKitError(.input, "archive entry '\(entry.name)' runs past the end of the archive", file: file.path)
        }
        guard FileManager.default.createFile(atPath: destination, contents: Data(bytes)) else {
            throw ELMoKitError(.writeFailed, "cannot extract '\(entry.name)'", file: destination)
        }
    }

    private static func walk(_ file: MappedFile, archive: String) throws -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        var longName: String? = nil
        while offset + 512 <= file.count {
            let header = file.bytes(at: offset, count: 512)!
            if header.allSatisfy({ $0 == 0 }) { break }  // end-of-archive marker
            func field(_ start: Int, _ length: Int) -> String {
                String(decoding: header[start..<(start + length)].prefix { $0 != 0 }, as: UTF8.self)
            }
            let sizeText = field(124, 12).trimmingCharacters(in: .whitespaces)
            guard let size = Int(sizeText.isEmpty ? "0" : sizeText, radix: 8), size >= 0 else {
                throw ELMoKitError(.input, "corrupt tar header at byte \(offset) (size field '\(sizeText)')", file: archive)
            }
            let dataStart = offset + 512
            guard size <= file.count - dataStart else {
                throw ELMoKitError(.input, "truncated archive: entry at byte \(offset) needs \(size) bytes", file: archive)
            }
            let type = header[156]
            var name = field(0, 100)
            if field(257, 5) == "ustar" {
                let prefix = field(345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            let payload = { String(decoding: file.bytes(at: dataStart, count: size)!.prefix { $0 != 0 }, as: UTF8.self) }
            switch type {
            case UInt8(ascii: "L"):  // GNU long name for the next entry
                longName = payload()
            case UInt8(ascii: "x"):  // pax extended header: "len path=value\n" records
                for record in payload().split(separator: "\n") {
                    if let range = record.range(of: " path=") { longName = String(record[range.upperBound...]) }
                }
            case UInt8(ascii: "0"), 0:
                entries.append(Entry(name: longName ?? name, offset: dataStart, size: size))
                longName = nil
            default:
                longName = nil
            }
            offset = dataStart + (size + 511) / 512 * 512
        }
        return entries
    }

    /// Inflates a gzip file to `destination`, streaming in 1 MiB pieces.
    static func gunzip(_ path: String, to destination: String) throws {
        guard let input = FileHandle(forReadingAtPath: path) else { throw ELMoKitError(.readFailed, "cannot open", file: path) }
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination, contents: nil),
              let output = FileHandle(forWritingAtPath: destination) else {
            throw ELMoKitError(.writeFailed, "cannot create a temp file", file: destination)
        }
        defer { try? output.close() }
        var stream = z_stream()
        // 16 + MAX_WBITS: expect a gzip header.
        guard inflateInit2_(&stream, 16 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ELMoKitError(.readFailed, "zlib init failed", file: path)
        }
        defer { inflateEnd(&stream) }
        var out = [UInt8](repeating: 0, count: 1 << 20)
        var finished = false
        while !finished {
            let chunk = try input.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { break }
            var input = [UInt8](chunk)
            try input.withUnsafeMutableBufferPointer { inPointer in
                stream.next_in = inPointer.baseAddress
                stream.avail_in = UInt32(inPointer.count)
                repeat {
                    let status = out.withUnsafeMutableBufferPointer { outPointer -> Int32 in
                        stream.next_out = outPointer.baseAddress
                        stream.avail_out = UInt32(outPointer.count)
                        return inflate(&stream, Z_NO_FLUSH)
                    }
                    guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                        throw ELMoKitError(.input, "corrupt gzip data (zlib status \(status))", file: path)
                    }
                    let produced = out.count - Int(stream.avail_out)
                    if produced > 0 { try write(Data(out[0..<produced]), to: output, destination) }
                    if status == Z_STREAM_END { finished = true; break }
                    if status == Z_BUF_ERROR && stream.avail_in == 0 { break }
                } while stream.avail_out == 0 || stream.avail_in > 0
            }
        }
        guard finished else { throw ELMoKitError(.input, "truncated gzip data", file: path) }
    }
}
