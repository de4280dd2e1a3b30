/// Plain-text inputs (sentences, vocabularies), read as UTF-8 lines.
public enum TextFile {
    /// The lines of a UTF-8 file without their endings. LF, CRLF and lone CR all end a line (in
    /// Swift "\r\n" is one Character, so splitting on "\n" alone would miss it). A final line
    /// ending does not start an extra empty line.
    public static func lines(_ path: String) throws -> [String] {
        try InputFile.checkReadableOrEmpty(path)
        return try lines(of: InputFile.readAll(path), file: path)
    }

    /// The lines of UTF-8 `bytes` read from `file` (named in errors: invalid UTF-8 is reported
    /// with the line and byte offset of the first bad byte).
    public static func lines(of bytes: [UInt8], file: String) throws -> [String] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let bad = firstInvalidUTF8Offset(bytes)
            let line = 1 + bytes[..<bad].filter { $0 == 0x0A }.count
            let lineStart = bytes[..<bad].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            throw ELMoKitError(.input, "not valid UTF-8 text: line \(line), byte \(bad - lineStart + 1) of the line "
                               + "(offset \(bad) in the file) is 0x\(String(bytes[bad], radix: 16))", file: file)
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }

    /// Offset of the first byte that does not start or continue a valid UTF-8 sequence (only
    /// called on bytes known to be invalid).
    private static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int {
        var i = 0
        while i < bytes.count {
            let length = bytes[i] < 0x80 ? 1 : bytes[i] >> 5 == 0b110 ? 2 : bytes[i] >> 4 == 0b1110 ? 3 : bytes[i] >> 3 == 0b11110 ? 4 : 0
            guard length > 0, i + length <= bytes.count,
                  String(validating: bytes[i..<(i + length)], as: UTF8.self) != nil else { return i }
            i += length
        }
        return max(0, bytes.count - 1)
    }
}
