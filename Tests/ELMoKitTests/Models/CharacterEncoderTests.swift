import XCTest
@testable import ELMoKit

/// Ids worked out by hand from bilm-tf's rules (elmo-formats §2.1): bytes + 1, BOW 259, EOW 260,
/// PAD 261 after the shift, 50 slots, at most 48 bytes of the token.
final class CharacterEncoderTests: XCTestCase {
    let encoder = CharacterEncoder(maxCharacters: 50)
    func padded(_ head: [Int32]) -> [Int32] { head + [Int32](repeating: 261, count: 50 - head.count) }

    func test_ascii() {
        XCTAssertEqual(encoder.ids(for: "abc"), padded([259, 98, 99, 100, 260]))
    }

    func test_sentenceMarkers() {
        XCTAssertEqual(encoder.ids(for: "<S>"), padded([259, 257, 260]))
        XCTAssertEqual(encoder.ids(for: "</S>"), padded([259, 258, 260]))
    }

    func test_nonASCII_usesUTF8Bytes() {
        // "été" = C3 A9 74 C3 A9
        XCTAssertEqual(encoder.ids(for: "été"), padded([259, 0xC3 + 1, 0xA9 + 1, 0x74 + 1, 0xC3 + 1, 0xA9 + 1, 260]))
        // "ñ" = C3 B1, "€" = E2 82 AC
        XCTAssertEqual(encoder.ids(for: "ñ€"), padded([259, 196, 178, 227, 131, 173, 260]))
    }

    func test_longToken_keepsFirst48Bytes() {
        let token = String(repeating: "x", count: 60)
        let ids = encoder.ids(for: token)
        XCTAssertEqual(ids.count, 50)
        XCTAssertEqual(ids[0], 259)
        XCTAssertEqual(Array(ids[1...48]), [Int32](repeating: 0x78 + 1, count: 48))
        XCTAssertEqual(ids[49], 260)
    }

    /// A 2-byte character cut by the limit keeps its first byte, as `encode()[:48]` does.
    func test_multibyteCharacterCutByLimit_keepsLeadByte() {
        let token = String(repeating: "a", count: 47) + "é"
        let ids = encoder.ids(for: token)
        XCTAssertEqual(Array(ids[1...47]), [Int32](repeating: 98, count: 47))
        XCTAssertEqual(ids[48], 0xC3 + 1)
        XCTAssertEqual(ids[49], 260)
    }

    func test_sentence_addsBoundaries() {
        let ids = encoder.ids(forSentence: ["a"])
        XCTAssertEqual(ids.count, 3)
        XCTAssertEqual(ids[0][1], 257)
        XCTAssertEqual(ids[2][1], 258)
    }
}
