/// Reference outputs of bilm-tf or AllenNLP, in the file layouts they write (elmo-formats §3),
/// and the sentences they were computed from.
public enum ReferenceLayout: String, Sendable, CaseIterable {
    /// Test fixtures `lm_embeddings_k.hdf5`: per sentence (2, n, P), top layer split by direction.
    case lmEmbeddings = "lm-embeddings"
    /// bilm-tf `dump_bilm_embeddings` and `allennlp elmo --all`: per sentence (L+1, n, 2P).
    case allLayers = "all"
    /// `allennlp elmo --top`: (n, 2P).
    case top
    /// `allennlp elmo --average`: (n, 2P), the mean over layers.
    case average
}

/// Sentences to embed: either one list, or several "streams" (the fixtures' sentences.json holds
/// three lists; batch i is (stream0[i], stream1[i], stream2[i])).
public struct SentenceSet: Sendable {
    public var streams: [[[String]]]

    /// All sentences in order (stream by stream).
    public var flat: [[String]] { streams.flatMap { $0 } }

    /// Reads JSON (a list of strings, or a list of lists of strings) or plain text, one sentence a
    /// line, whitespace tokens. Blank lines are empty sentences.
    public init(path: String) throws {
        try InputFile.checkReadableOrEmpty(path)
        // Read once: a pipe (`--sentences <(…)`) cannot be read again.
        let bytes = try InputFile.readAll(path)
        let trimmed = bytes.drop { [0x20, 0x0A, 0x0D, 0x09].contains($0) }
        if trimmed.first == UInt8(ascii: "[") {
            let json: JSONValue
            do { json = try JSONParser.parse(bytes) } catch let e as ELMoKitError {
                throw ELMoKitError(.input, "sentences file is not valid JSON: \(e.message)", file: path)
            }
            guard let items = json.arrayValue else { throw ELMoKitError(.input, "expected a JSON list", file: path) }
            if items.allSatisfy({ $0.stringValue != nil }) {
                streams = [items.map { Self.tokens($0.stringValue!) }]
            } else if items.allSatisfy({ $0.arrayValue?.allSatisfy { $0.stringValue != nil } ?? false }) {
                streams = items.map { $0.arrayValue!.map { Self.tokens($0.stringValue!) } }
            } else {
                throw ELMoKitError(.input, "expected a list of sentences or a list of lists of sentences", file: path)
            }
        } else if trimmed.first == UInt8(ascii: "{"), (try? JSONParser.parse(bytes)) != nil {
            // A JSON document that is not a list (a text line rarely parses as a whole JSON object).
            throw ELMoKitError(.input, "expected a JSON list of sentences, got a JSON object", file: path)
        } else {
            streams = [try TextFile.lines(of: bytes, file: path).map(Self.tokens)]
        }
    }

    public init(streams: [[[String]]]) { self.streams = streams }

    /// Whitespace tokenisation, exactly as Python's `str.split()` in bilm-tf and AllenNLP: splits on
    /// Unicode scalars (not grapheme clusters, so a combining mark after a space starts the next
    /// token) that Python's `str.isspace()` accepts.
    public static func tokens(_ line: String) -> [String] {
        line.unicodeScalars.split(whereSeparator: isPythonSpace).map { String(String.UnicodeScalarView($0)) }
    }

    /// Python's `line.strip()`: the line without leading and trailing `isspace()` scalars.
    public static func stripped(_ line: String) -> String {
        let scalars = line.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isPythonSpace($0) }),
              let last = scalars.lastIndex(where: { !isPythonSpace($0) }) else { return "" }
        return String(scalars[first...last])
    }

    /// Python's `str.isspace()` for one scalar: Unicode White_Space plus U+001C…U+001F.
    @inline(__always)
    public static func isPythonSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }
}
