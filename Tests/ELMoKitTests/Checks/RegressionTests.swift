import XCTest
@testable import ELMoKit

/// Regressions found by a first-user trial of the CLI.
final class RegressionTests: XCTestCase {
    /// "\r\n" is one Swift Character: splitting on "\n" alone read a CRLF file as one sentence.
    func test_textLines_acceptLF_CRLF_andCR() throws {
        let path = try TestData.scratch(self).appendingPathComponent("s.txt")
        try Data("a b\r\nc d\r\n\r\ne\nf\rg".utf8).write(to: path)
        XCTAssertEqual(try TextFile.lines(path.path), ["a b", "c d", "", "e", "f", "g"])
        XCTAssertEqual(try SentenceSet(path: path.path).flat.count, 6)
    }

    /// An f16 checkpoint exported and converted back keeps its provenance, so its bytes.
    func test_halfPrecisionCheckpoint_roundTripsByteForByte() throws {
        let folder = try TestData.scratch(self)
        let a = folder.appendingPathComponent("a.elmk").path, e = folder.appendingPathComponent("e.h5").path
        let b = folder.appendingPathComponent("b.elmk").path
        _ = try Converter.convertELMo(weightsPath: try TestData.reference("elmo/lm_weights.hdf5"),
                                      optionsPath: try TestData.reference("elmo/options.json"), destination: a, dtype: .float16, force: false)
        let native = try NativeCheckpoint(path: a)
        try HDF5Writer.write(from: native, to: e, metadata: native.metadata, force: false)
        _ = try Converter.convertELMo(weightsPath: e, optionsPath: nil, destination: b, dtype: nil, force: false)
        XCTAssertEqual(try SHA256.hash(file: a), try SHA256.hash(file: b))
    }

    /// A damaged native file is refused before its weights are used, naming the tensor.
    func test_damagedCheckpoint_isRefusedBeforeRunning() throws {
        let path = try TestData.referenceNative(self)
        let entry = try NativeCheckpoint(path: path).entry("CNN/W_cnn_3")!
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[entry.fileOffset + 17] ^= 0x04
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = XCTAssertThrowsCode(.tensorChecksum, try ELMoModel(weightsPath: path, optionsPath: nil))
        XCTAssertEqual(error?.tensor, "CNN/W_cnn_3")
        XCTAssertEqual(try InspectionReport(path: path).damagedTensors, ["CNN/W_cnn_3"])
    }

    /// (n, 2P) references are top or average: verify asks instead of guessing.
    func test_ambiguousReferenceLayout_asksForLayout() throws {
        let folder = try TestData.scratch(self)
        let model = try ELMoModel(weightsPath: try TestData.reference("elmo/lm_weights.hdf5"), optionsPath: try TestData.reference("elmo/options.json"))
        let sentences = SentenceSet(streams: [[["a", "b"]]])
        let e = ELMoRunner(model: model).embed(sentences.flat)[0]
        let path = folder.appendingPathComponent("avg.h5").path
        let out = try EmbeddingOutputFile(destination: path, selection: .average, force: false)
        try out.add(line: 0, sentence: "a b", embedding: e)
        try out.commit()
        XCTAssertThrowsCode(.usage, try Verifier.againstReference(runner: ELMoRunner(model: model), sentences: sentences, expected: [path],
                                                                  layout: nil, batchSize: 1, atol: 0, rtol: 0))
        let average = try Verifier.againstReference(runner: ELMoRunner(model: model), sentences: sentences, expected: [path],
                                                    layout: .average, batchSize: 1, atol: 0, rtol: 0)
        XCTAssertTrue(average.passed)
        let top = try Verifier.againstReference(runner: ELMoRunner(model: model), sentences: sentences, expected: [path],
                                                layout: .top, batchSize: 1, atol: 1e-6, rtol: 0)
        XCTAssertFalse(top.passed)
    }
}
