/// bilm-tf character ids (elmo-formats §2.1): UTF-8 bytes framed by begin/end-of-word, padded,
/// shifted by +1 so that 0 means padding. Byte-level truncation can cut a multibyte character;
/// the leftover bytes are kept, exactly as bilm-tf and AllenNLP do.
public struct CharacterEncoder: Sendable {
    public static let bosChar = 256, eosChar = 257, bowChar = 258, eowChar = 259, padChar = 260
    public static let sentenceStart = "<S>", sentenceEnd = "</S>"

    public let maxCharacters: Int

    public init(maxCharacters: Int = 50) { self.maxCharacters = maxCharacters }

    /// Shifted ids (1…261, padded with 0) of one token, `maxCharacters` long.
    public func ids(for token: String) -> [Int32] {
        var code = [Int32](repeating: Int32(Self.padChar + 1), count: maxCharacters)
        code[0] = Int32(Self.bowChar + 1)
        if token == Self.sentenceStart || token == Self.sentenceEnd {
            code[1] = Int32((token == Self.sentenceStart ? Self.bosChar : Self.eosChar) + 1)
            code[2] = Int32(Self.eowChar + 1)
            return code
        }
        // Swift strings are valid Unicode, so encode('utf-8', 'ignore') drops nothing here.
        let bytes = Array(token.utf8.prefix(maxCharacters - 2))
        for (k, b) in bytes.enumerated() { code[k + 1] = Int32(b) + 1 }
        code[bytes.count + 1] = Int32(Self.eowChar + 1)
        return code
    }

    /// Ids for a sentence with its boundary markers: (n + 2) × maxCharacters.
    public func ids(forSentence tokens: [String]) -> [[Int32]] {
        ([Self.sentenceStart] + tokens + [Self.sentenceEnd]).map(ids(for:))
    }
}
