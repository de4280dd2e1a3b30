import XCTest
@testable import ELMoKit

/// The forward pass against bilm-tf's own outputs shipped in the AllenNLP 0.9.0 fixtures.
final class ELMoForwardTests: XCTestCase {
    func referenceModel() throws -> ELMoModel {
        try ELMoModel(weightsPath: try TestData.reference("elmo/lm_weights.hdf5"), optionsPath: try TestData.reference("elmo/options.json"))
    }

    /// Fixture protocol (§2.6): batch i = (stream0[i], stream1[i], stream2[i]), stateful, in order.
    func test_stateful_matchesBilmTFFixtures_within2e6() throws {
        let runner = ELMoRunner(model: try referenceModel(), stateful: true)
        let sentences = try SentenceSet(path: try TestData.reference("elmo/sentences.json"))
        XCTAssertEqual(sentences.streams.map(\.count), [10, 10, 10])
        let expected = try (0..<3).map { try TestData.reference("elmo/lm_embeddings_\($0).hdf5") }
        let report = try Verifier.againstReference(runner: runner, sentences: sentences, expected: expected, layout: nil,
                                                   batchSize: 3, atol: 2e-6, rtol: 0)
        XCTAssertEqual(report.entries.count, 30)
        XCTAssertTrue(report.problems.isEmpty, "\(report.problems)")
        XCTAssertTrue(report.passed)
        XCTAssertLessThanOrEqual(report.maxAbs, 2e-6)
        print("bilm-tf fixtures: max |Δ| \(report.maxAbs), mean |Δ| \(report.meanAbs)")
        // Mask lengths equal whitespace token counts.
        let tokenCounts = report.entries.sorted { ($0.stream!, $0.sentence) < ($1.stream!, $1.sentence) }.map(\.tokens)
        XCTAssertEqual(tokenCounts, sentences.streams.flatMap { $0.map(\.count) })
    }

    /// Resetting state per batch must NOT match: the check can fail.
    func test_stateless_doesNotMatchStatefulFixtures() throws {
        let runner = ELMoRunner(model: try referenceModel(), stateful: false)
        let sentences = try SentenceSet(path: try TestData.reference("elmo/sentences.json"))
        let expected = try (0..<3).map { try TestData.reference("elmo/lm_embeddings_\($0).hdf5") }
        let report = try Verifier.againstReference(runner: runner, sentences: sentences, expected: expected, layout: nil,
                                                   batchSize: 3, atol: 2e-6, rtol: 0)
        XCTAssertFalse(report.passed)
        XCTAssertGreaterThan(report.maxAbs, 0.1)
    }

    /// Char CNN + highway + projection for each vocab line vs bilm-tf's dump_token_embeddings.
    func test_charCNN_matchesTokenEmbeddings_within2e6() throws {
        let model = try referenceModel()
        let text = try String(contentsOfFile: try TestData.reference("elmo/vocab_test.txt"), encoding: .utf8)
        let vocab = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        let expected = try HDF5File(path: try TestData.reference("elmo/elmo_token_embeddings.hdf5")).readFloat32("embedding")
        XCTAssertEqual(expected.count, vocab.count * 16)
        let ours = model.tokenVectors(vocab)
        let c = OutputComparison(actual: ours[...], expected: expected[...], atol: 2e-6, rtol: 0)
        print("token embeddings: \(vocab.count) tokens, max |Δ| \(c.maxAbs)")
        XCTAssertTrue(c.passed, "max |Δ| \(c.maxAbs)")
    }

    /// Stateless: a sentence's output is the same bits alone and inside batches of other lengths.
    func test_stateless_sentenceIsBitIdenticalAloneAndInAnyBatch() throws {
        let model = try referenceModel()
        let sentences = try SentenceSet(path: try TestData.reference("elmo/sentences.json")).flat
        let target = sentences[4]
        let alone = ELMoRunner(model: model).embed([target])[0].values
        for (i, batch) in [[sentences[0], target], [target, sentences[1], sentences[2]], Array(sentences[5..<12]) + [target]].enumerated() {
            let runner = ELMoRunner(model: model)
            _ = runner.embed([sentences[7]])  // earlier batches must not leak state either
            let out = runner.embed(batch)
            let index = batch.firstIndex(of: target)!
            XCTAssertEqual(out[index].values.map(\.bitPattern), alone.map(\.bitPattern), "batch \(i)")
        }
    }

    func test_hdf5AndNativeModels_giveBitIdenticalOutputs() throws {
        let native = try ELMoModel(weightsPath: try TestData.referenceNative(self), optionsPath: nil)
        let sentences = Array(try SentenceSet(path: try TestData.reference("elmo/sentences.json")).flat.prefix(6))
        let a = ELMoRunner(model: try referenceModel()).embed(sentences)
        let b = ELMoRunner(model: native).embed(sentences)
        for (x, y) in zip(a, b) { XCTAssertEqual(x.values.map(\.bitPattern), y.values.map(\.bitPattern)) }
    }

    func test_outputShape_allLayers() throws {
        let e = ELMoRunner(model: try referenceModel()).embed([["Hello", "world", "!"], []])
        XCTAssertEqual([e[0].layerCount, e[0].tokenCount, e[0].dim], [3, 3, 32])
        XCTAssertEqual(e[1].tokenCount, 0)
        XCTAssertEqual(e[1].values.count, 0)
        // Layer 0 is the token embedding duplicated.
        let layer0 = Array(e[0].layer(0))
        XCTAssertEqual(Array(layer0[0..<16]), Array(layer0[16..<32]))
    }

    func test_multilingual_validateClean_andNativeMatchesHDF5OnAccentedSentences() throws {
        let sentences: [String: [[String]]] = [
            "fr": [["Le", "garçon", "a", "mangé", "une", "crème", "brûlée", "."], ["Où", "êtes-vous", "allés", "?"]],
            "es": [["El", "niño", "comió", "piñas", "en", "Málaga", "."], ["¿", "Qué", "pasó", "?"]],
            "it": [["Perché", "è", "così", "difficile", "?"], ["La", "città", "più", "bella", "."]],
        ]
        for (lang, batch) in sentences.sorted(by: { $0.key < $1.key }) {
            let weights = try TestData.reference("elmo_multilingual/\(lang)/weights.hdf5")
            let options = try TestData.reference("elmo_multilingual/\(lang)/options.json")
            let findings = try ModelInput.validate(weights, optionsPath: options)
            XCTAssertEqual(findings.filter { $0.severity != .note }, [], lang)
            let folder = try TestData.scratch(self)
            let native = folder.appendingPathComponent("\(lang).elmk").path
            _ = try Converter.convertELMo(weightsPath: weights, optionsPath: options, destination: native, dtype: nil, force: false)
            let report = Verifier.betweenModels(ELMoRunner(model: try ELMoModel(weightsPath: weights, optionsPath: options)),
                                                ELMoRunner(model: try ELMoModel(weightsPath: native, optionsPath: nil)),
                                                sentences: batch, batchSize: 2, atol: 0, rtol: 0)
            XCTAssertTrue(report.passed, lang)
            XCTAssertEqual(report.maxAbs, 0, lang)
            XCTAssertEqual(report.entries.count, 2 * 3, lang)
        }
    }
}
