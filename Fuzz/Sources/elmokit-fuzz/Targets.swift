import ELMoKit

/// The fuzz targets. Each takes arbitrary bytes and must return normally: any ELMoKitError is an
/// acceptable answer to hostile input; a trap, an ASan report, a hang or a broken invariant
/// (the `check` calls) is a bug. The bodies are what the CLI does with such input.
enum FuzzTarget: String, CaseIterable {
    /// The native-format reader: header, table, every rule R1–R22, then the tensor accessors.
    case native
    /// options.json: the JSON parser, `ELMoOptions(json:)` and the shapes derived from options.
    case options
    /// The bilm-tf character-id encoder on arbitrary bytes, tokenised as `verify`/`embed` do.
    case charids

    func run(_ bytes: [UInt8]) {
        switch self {
        case .native: Self.native(bytes)
        case .options: Self.options(bytes)
        case .charids: Self.charIDs(bytes)
        }
    }

    /// Traps with a message when an invariant fails (a real bug, reported by libFuzzer).
    static func check(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fatalError("invariant broken: \(message())") }
    }

    static func native(_ bytes: [UInt8]) {
        // The header CRC would reject almost every mutation at R10; skip it to reach R11–R22.
        var options = NativeCheckpoint.Options()
        options.checkHeaderCRC = false
        let file = MappedFile(bytes: bytes, path: "<fuzz>")
        guard let checkpoint = try? NativeCheckpoint(file: file, options: options) else { return }
        // What commands do with an opened file: list, checksum, verify, read every tensor.
        let damaged = checkpoint.damagedTensors()
        do {
            try checkpoint.verifyIntegrity()
            check(damaged.isEmpty, "verifyIntegrity passed with damaged tensors \(damaged)")
        } catch let error as ELMoKitError {
            if error.code == .tensorChecksum {
                check(error.tensor != nil && damaged.first == error.tensor, "E_TENSOR_CHECKSUM names \(error.tensor ?? "nil"), damaged \(damaged)")
            }
        } catch {
            check(false, "non-ELMoKit error \(error)")
        }
        for entry in checkpoint.entries {
            let info = entry.info
            check(info.byteCount == entry.length, "'\(info.name)': shape \(info.shape) is not \(entry.length) bytes")
            check(checkpoint.bytes(of: entry).count == entry.length, "view length")
            if let tensor = try? checkpoint.float32(info.name) {
                check(tensor.count == info.elementCount, "float32 count")
            }
            _ = try? checkpoint.withBytes(info.name, as: .float32) { $0.count }
        }
        _ = checkpoint.metadata.canonicalString()
        if let config = checkpoint.metadata["config"], let options = try? ELMoOptions(json: config) {
            _ = ELMoArchitecture.expectedTensors(options)
        }
    }

    static func options(_ bytes: [UInt8]) {
        guard let json = try? JSONParser.parse(bytes) else { return }
        // The canonical form (what the native header stores) must parse back to itself.
        let canonical = json.canonicalString()
        let again: JSONValue
        do { again = try JSONParser.parse(canonical) } catch {
            fatalError("canonical JSON does not parse: \(error)")
        }
        check(again.canonicalString() == canonical, "canonical JSON is not a fixed point")
        _ = json.prettyString()
        guard let options = try? ELMoOptions(json: json) else { return }
        // Everything downstream computes shapes from these numbers.
        let expected = ELMoArchitecture.expectedTensors(options)
        check(!expected.isEmpty, "no expected tensors")
        for e in expected {
            // Code that allocates a tensor multiplies its shape: that must not overflow.
            let product = e.shape.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: Swift.max(d, 1))
                return (p, acc.1 || o)
            }
            check(!product.1, "expected shape \(e.shape) of '\(e.name)' overflows")
        }
        _ = options.outputDim
        _ = options.charCNN?.totalFilters
    }

    static func charIDs(_ bytes: [UInt8]) {
        guard let first = bytes.first else { return }
        // max_characters_per_token is >= 3 (ELMoOptions enforces it); vary it with the first byte.
        let encoder = CharacterEncoder(maxCharacters: 3 + Int(first % 62))
        let text = String(decoding: bytes.dropFirst(), as: UTF8.self)
        let tokens = SentenceSet.tokens(text)
        let rows = encoder.ids(forSentence: tokens) + [encoder.ids(for: text)]
        check(rows.count == tokens.count + 3, "row count")
        for row in rows {
            check(row.count == encoder.maxCharacters, "row length \(row.count)")
            check(row.allSatisfy { (1...261).contains($0) }, "id out of range in \(row)")
            check(row[0] == Int32(CharacterEncoder.bowChar + 1), "no begin-of-word")
        }
    }
}
