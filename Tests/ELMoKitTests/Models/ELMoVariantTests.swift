import Foundation
import XCTest
@testable import ELMoKit

/// Architecture variants against an independent numpy implementation of bilm-tf's pass
/// (scripts/make_elmo_variant_fixtures.py, checked by that script against bilm-tf's own fixtures).
final class ELMoVariantTests: XCTestCase {
    static let variants = ["one_layer", "three_layers_skip", "no_skip", "no_projection", "no_highway",
                           "tanh_activation", "unidirectional", "n_characters_261", "token_input"]

    func test_everyVariant_validatesClean_andMatchesTheNumpyReference() throws {
        let sentences = try SentenceSet(path: TestData.fixture("elmo-variants/sentences.txt"))
        for variant in Self.variants {
            let folder = TestData.fixture("elmo-variants/\(variant)")
            let vocab = variant == "token_input" ? folder + "/vocab.txt" : nil
            let findings = try ModelInput.validate(folder + "/weights.hdf5", optionsPath: folder + "/options.json")
            XCTAssertEqual(findings.filter { $0.severity != .note }, [], variant)
            let model = try ELMoModel(weightsPath: folder + "/weights.hdf5", optionsPath: folder + "/options.json", vocabularyPath: vocab)
            for batchSize in [1, 4] {
                let report = try Verifier.againstReference(runner: ELMoRunner(model: model), sentences: sentences,
                                                           expected: [folder + "/expected.hdf5"], layout: .allLayers,
                                                           batchSize: batchSize, atol: 2e-6, rtol: 0)
                XCTAssertTrue(report.problems.isEmpty, "\(variant): \(report.problems)")
                XCTAssertEqual(report.entries.count, sentences.flat.count * (model.options.nLayers + 1), variant)
                XCTAssertTrue(report.passed, "\(variant) batch \(batchSize): max |Δ| \(report.maxAbs)")
                if batchSize == 4 { print("variant \(variant): max |Δ| \(report.maxAbs)") }
            }
        }
    }

    func test_n_characters261_isExplainedNotAnError() throws {
        let folder = TestData.fixture("elmo-variants/n_characters_261")
        let notes = try ModelInput.validate(folder + "/weights.hdf5", optionsPath: folder + "/options.json").filter { $0.severity == .note }
        XCTAssertTrue(notes.contains { $0.message.contains("261") }, "\(notes)")
    }

    func test_tokenInputModel_needsItsVocabulary_andCarriesItInTheCheckpoint() throws {
        let folder = TestData.fixture("elmo-variants/token_input")
        // Without a vocabulary (none given, none beside the weights) the model cannot run.
        let bare = try TestData.scratch(self)
        for name in ["weights.hdf5", "options.json"] {
            try FileManager.default.copyItem(atPath: folder + "/" + name, toPath: bare.appendingPathComponent(name).path)
        }
        XCTAssertThrowsCode(.usage, try ELMoModel(weightsPath: bare.appendingPathComponent("weights.hdf5").path,
                                                  optionsPath: bare.appendingPathComponent("options.json").path))
        // The one vocab.txt beside the weights is used, as the options file beside them is.
        XCTAssertNoThrow(try ELMoModel(weightsPath: folder + "/weights.hdf5", optionsPath: folder + "/options.json"))
        let out = try TestData.scratch(self).appendingPathComponent("t.elmk").path
        _ = try ModelInput.convert(folder + "/weights.hdf5", optionsPath: folder + "/options.json", vocabularyPath: folder + "/vocab.txt",
                                   destination: out, dtype: nil, force: false)
        let native = try ELMoModel(weightsPath: out, optionsPath: nil)
        let report = try Verifier.againstReference(runner: ELMoRunner(model: native),
                                                   sentences: try SentenceSet(path: TestData.fixture("elmo-variants/sentences.txt")),
                                                   expected: [folder + "/expected.hdf5"], layout: .allLayers, batchSize: 2, atol: 2e-6, rtol: 0)
        XCTAssertTrue(report.passed, "max |Δ| \(report.maxAbs)")
    }
    /// A filter as wide as `max_characters_per_token` has one position per token (it trapped
    /// before); the char CNN against plain loops over bilm-tf's conv, max, bias, relu, projection.
    func test_filterAsWideAsTheToken_givesOnePosition() throws {
        let C = 5, E = 3, filters = [(1, 2), (5, 3)], F = 5, P = 4
        let options = try ELMoOptions(json: try JSONParser.parse("""
            {"lstm": {"dim": 8, "projection_dim": \(P), "n_layers": 1, "use_skip_connections": false},
             "char_cnn": {"activation": "relu", "filters": [[1, 2], [5, 3]], "n_highway": 0, "embedding": {"dim": \(E)},
                          "n_characters": 262, "max_characters_per_token": \(C)}}
            """))
        var seed: UInt32 = 1
        func values(_ count: Int) -> [Float] {
            (0..<count).map { _ in seed = seed &* 1_664_525 &+ 1_013_904_223; return Float(Int(seed >> 16) % 2001 - 1000) / 1000 }
        }
        var tensors = [FloatTensor(name: "char_embed", shape: [261, E], array: values(261 * E)),
                       FloatTensor(name: "CNN_proj/W_proj", shape: [F, P], array: values(F * P)),
                       FloatTensor(name: "CNN_proj/b_proj", shape: [P], array: values(P))]
        for (i, (w, n)) in filters.enumerated() {
            tensors += [FloatTensor(name: "CNN/W_cnn_\(i)", shape: [1, w, E, n], array: values(w * E * n)),
                        FloatTensor(name: "CNN/b_cnn_\(i)", shape: [n], array: values(n))]
        }
        for d in 0..<2 {
            let scope = "RNN_\(d)/RNN/MultiRNNCell/Cell0/LSTMCell"
            tensors += [FloatTensor(name: "\(scope)/W_0", shape: [2 * P, 32], array: values(2 * P * 32)),
                        FloatTensor(name: "\(scope)/B", shape: [32], array: values(32)),
                        FloatTensor(name: "\(scope)/W_P_0", shape: [8, P], array: values(8 * P))]
        }
        let weights = MemoryWeights(tensors)
        let model = try ELMoModel(weights: weights, options: options)
        let tokens = ["a", "héllo", "<S>"]
        let ours = model.tokenVectors(tokens)
        let table = try weights.float32("char_embed").array
        for (t, token) in tokens.enumerated() {
            let ids = CharacterEncoder(maxCharacters: C).ids(for: token)
            func embedding(_ slot: Int, _ e: Int) -> Float { ids[slot] == 0 ? 0 : table[(Int(ids[slot]) - 1) * E + e] }
            var features: [Float] = []
            for (i, (w, n)) in filters.enumerated() {
                let kernel = try weights.float32("CNN/W_cnn_\(i)").array, bias = try weights.float32("CNN/b_cnn_\(i)").array
                for m in 0..<n {
                    var best = -Float.infinity
                    for tau in 0...(C - w) {
                        var v: Float = 0
                        for k in 0..<w { for e in 0..<E { v += embedding(tau + k, e) * kernel[(k * E + e) * n + m] } }
                        best = max(best, v)
                    }
                    features.append(max(best + bias[m], 0))
                }
            }
            let wp = try weights.float32("CNN_proj/W_proj").array, bp = try weights.float32("CNN_proj/b_proj").array
            for p in 0..<P {
                var v = bp[p]
                for f in 0..<F { v += features[f] * wp[f * P + p] }
                XCTAssertEqual(ours[t * P + p], v, accuracy: 1e-5, "token \(token) p \(p)")
            }
        }
    }
}
