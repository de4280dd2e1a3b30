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
}
