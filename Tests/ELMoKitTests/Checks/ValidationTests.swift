import XCTest
@testable import ELMoKit

/// validate on broken copies of the reference model: every problem named, tensor by tensor.
final class ValidationTests: XCTestCase {
    var folder: URL!
    var reference: HDF5Weights!
    var optionsPath: String!

    override func setUpWithError() throws {
        folder = try TestData.scratch(self)
        reference = try HDF5Weights(path: try TestData.reference("elmo/lm_weights.hdf5"))
        optionsPath = try TestData.reference("elmo/options.json")
    }

    /// Writes a copy of the reference weights with `edit` applied to (name, shape, values).
    func brokenCopy(_ name: String, drop: Set<String> = [], reshape: [String: [Int]] = [:], poison: [String: Float] = [:],
                    integer: String? = nil) throws -> String {
        let path = folder.appendingPathComponent(name).path
        let out = try HDF5OutputFile(destination: path, force: true)
        for info in reference.tensorInfos where !drop.contains(info.name) {
            var values = try reference.float32(info.name).array
            if let bad = poison[info.name] { values[3] = bad }
            if info.name == integer {
                try out.addInt32Dataset(info.name, shape: info.shape, values: values.map { Int32($0 * 100) })
                continue
            }
            try out.addDataset(info.name, shape: reshape[info.name] ?? info.shape, values: values)
        }
        try out.commit()
        return path
    }

    func codes(_ findings: [Finding]) -> [String] { findings.filter { $0.severity == .error }.map(\.code) }

    func test_referenceModel_isValid() throws {
        let findings = try ModelInput.validate(reference.path, optionsPath: optionsPath)
        XCTAssertEqual(codes(findings), [])
        XCTAssertEqual(findings.filter { $0.severity == .warning }, [])
    }

    func test_everyProblemIsListed_withExpectedAndActual() throws {
        let w0 = "RNN_0/RNN/MultiRNNCell/Cell1/LSTMCell/W_0"
        let path = try brokenCopy("broken.hdf5", drop: ["CNN_high_1/W_carry"],
                                  reshape: ["CNN_proj/W_proj": [62, 32], w0: [32 * 256]],
                                  poison: ["char_embed": .nan, "CNN/b_cnn_4": .infinity], integer: "CNN/b_cnn_0")
        let findings = try ModelInput.validate(path, optionsPath: optionsPath)
        let errors = findings.filter { $0.severity == .error }
        XCTAssertEqual(Set(errors.map(\.code)), ["E_MISSING_TENSOR", "E_SHAPE_MISMATCH", "E_RANK_MISMATCH", "E_NON_FINITE", "E_UNSUPPORTED_DTYPE"])
        XCTAssertEqual(errors.count, 6, "\(errors.map(\.message))")
        let byTensor = Dictionary(grouping: errors, by: { $0.tensor ?? "" })
        XCTAssertTrue(byTensor["CNN_high_1/W_carry"]?.first?.message.contains("[124, 124]") ?? false)
        XCTAssertTrue(byTensor["CNN_proj/W_proj"]?.first?.message.contains("[62, 32], expected [124, 16]") ?? false)
        XCTAssertTrue(byTensor[w0]?.first?.message.contains("rank 1") ?? false)
        XCTAssertTrue(byTensor["char_embed"]?.first?.message.contains("1 NaN") ?? false)
        XCTAssertTrue(byTensor["CNN/b_cnn_4"]?.first?.message.contains("1 Inf") ?? false)
        XCTAssertTrue(byTensor["CNN/b_cnn_0"]?.first?.message.contains("int32") ?? false)
    }

    func test_wrongProjectionDim_namesEveryAffectedTensor() throws {
        var json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: optionsPath))))
        json = ConversionTests.setting(json, ["lstm", "projection_dim"], JSONValue(8))
        let options = folder.appendingPathComponent("o.json")
        try Data(json.canonicalString().utf8).write(to: options)
        let errors = try ModelInput.validate(reference.path, optionsPath: options.path).filter { $0.severity == .error }
        // CNN_proj W and b, then W_0 and W_P_0 in each of 2 directions × 2 layers.
        XCTAssertEqual(errors.count, 2 + 8, "\(errors.map(\.message))")
        XCTAssertTrue(errors.allSatisfy { $0.code == "E_SHAPE_MISMATCH" })
    }

    func test_optionsWithoutLSTM_isAFinding_malformedJSONIsUnreadable() throws {
        var json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: optionsPath))))
        json = ConversionTests.setting(json, ["lstm"], nil)
        let options = folder.appendingPathComponent("o.json")
        try Data(json.canonicalString().utf8).write(to: options)
        let findings = try ModelInput.validate(reference.path, optionsPath: options.path)
        XCTAssertEqual(codes(findings), ["E_OPTIONS_INVALID"])
        XCTAssertTrue(findings[0].message.contains("'lstm' section is missing"))
        try Data("{\"lstm\": {".utf8).write(to: options)
        XCTAssertThrowsCode(.optionsInvalid, try ModelInput.validate(reference.path, optionsPath: options.path))
    }

    func test_unusedTensor_isAWarning() throws {
        let path = folder.appendingPathComponent("extra.hdf5").path
        let out = try HDF5OutputFile(destination: path, force: true)
        for info in reference.tensorInfos { try out.addDataset(info.name, shape: info.shape, values: try reference.float32(info.name).array) }
        try out.addDataset("softmax/W", shape: [2, 2], values: [1, 2, 3, 4])
        try out.commit()
        let findings = try ModelInput.validate(path, optionsPath: optionsPath)
        XCTAssertEqual(codes(findings), [])
        XCTAssertEqual(findings.filter { $0.severity == .warning }.map(\.tensor), ["softmax/W"])
    }

    func test_nativeFile_integrityIsPartOfValidate() throws {
        let path = try TestData.referenceNative(self)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let entry = try NativeCheckpoint(path: path).entry("CNN_proj/W_proj")!
        bytes[entry.fileOffset + 100] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let findings = try ModelInput.validate(path, optionsPath: nil)
        XCTAssertEqual(findings.filter { $0.severity == .error }.map(\.tensor), ["CNN_proj/W_proj"])
    }
}

final class OptionsDiscoveryTests: XCTestCase {
    /// AllenNLP's download names: several models in one folder, each weights file paired with the
    /// options file of the same stem; anything else ambiguous is left to --options.
    func test_optionsBeside_picksTheOnlyOrTheSameStem() throws {
        let folder = try TestData.scratch(self)
        func touch(_ name: String) throws { try Data("{}".utf8).write(to: folder.appendingPathComponent(name)) }
        let small = folder.appendingPathComponent("elmo_2x1024_128_2048cnn_1xhighway_weights.hdf5").path
        XCTAssertNil(ELMoModel.optionsBeside(small).chosen)
        try touch("elmo_2x1024_128_2048cnn_1xhighway_options.json")
        XCTAssertEqual(ELMoModel.optionsBeside(small).chosen, folder.appendingPathComponent("elmo_2x1024_128_2048cnn_1xhighway_options.json").path)
        try touch("elmo_2x4096_512_2048cnn_2xhighway_options.json")
        XCTAssertEqual(ELMoModel.optionsBeside(small).chosen, folder.appendingPathComponent("elmo_2x1024_128_2048cnn_1xhighway_options.json").path)
        XCTAssertEqual(ELMoModel.optionsBeside(small).candidates.count, 2)
        XCTAssertNil(ELMoModel.optionsBeside(folder.appendingPathComponent("weights.hdf5").path).chosen, "two candidates, no stem match")
    }
}
