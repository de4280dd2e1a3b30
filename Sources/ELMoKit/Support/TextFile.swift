/// Plain-text inputs (sentences, vocabularies), read as UTF-8 lines.
public enum TextFile {
    /// The lines of a UTF-8 file without their endings. LF, CRLF and lone CR all end a line (in
    /// Swift "\r\n" is one Character, so splitting on "\n" alone would miss it). A final line
    /// ending does not start an extra empty line.
    public static func lines(_ path: String) throws -> [String] {
        try InputFile.checkReadableOrEmpty(path)
        guard let text = String(validating: InputFile.prefix(path, count: Int.max), as: UTF8.self) else {
            throw ELMoKitError(.input, "not valid UTF-8 text", file: path)
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map(String.init)
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
