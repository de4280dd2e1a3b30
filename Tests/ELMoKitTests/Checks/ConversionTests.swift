import XCTest
@testable import ELMoKit

final class ConversionTests: XCTestCase {
    func sha(_ path: String) throws -> String { hexString(try SHA256.hash(file: path)) }

    /// convert → export hdf5 → diff = 0 on all 33 tensors; converting the export gives the same bytes.
    func test_referenceModel_roundTripsLosslessly() throws {
        let folder = try TestData.scratch(self)
        let weights = try TestData.reference("elmo/lm_weights.hdf5"), options = try TestData.reference("elmo/options.json")
        let first = folder.appendingPathComponent("a.elmk").path
        let summary = try Converter.convertELMo(weightsPath: weights, optionsPath: options, destination: first, dtype: nil, force: false)
        XCTAssertEqual(summary.tensorCount, 33)
        let exported = folder.appendingPathComponent("e.hdf5").path
        try HDF5Writer.write(from: try NativeCheckpoint(path: first), to: exported,
                             metadata: try NativeCheckpoint(path: first).metadata, force: false)
        let diff = try TensorDiffReport(try openWeights(exported), try openWeights(weights), atol: 0, rtol: 0)
        XCTAssertEqual(diff.entries.count, 33)
        XCTAssertTrue(diff.passed)
        XCTAssertTrue(diff.entries.allSatisfy { $0.firstDifference == nil && $0.maxULP == 0 })
        let again = folder.appendingPathComponent("b.elmk").path
        _ = try Converter.convertELMo(weightsPath: exported, optionsPath: nil, destination: again, dtype: nil, force: false)
        XCTAssertEqual(try sha(first), try sha(again))
        // Same input twice: same bytes.
        let twice = folder.appendingPathComponent("c.elmk").path
        _ = try Converter.convertELMo(weightsPath: weights, optionsPath: options, destination: twice, dtype: nil, force: false)
        XCTAssertEqual(try sha(first), try sha(twice))
    }

    /// convert streams tensors in pieces: any piece size gives the same bytes as a whole read,
    /// for HDF5 (row slabs, also when narrowing to float16), native and the default implementation.
    func test_streamedPieces_equalWholeTensorBytes() throws {
        let weights = try TestData.reference("elmo/lm_weights.hdf5")
        let h5 = try HDF5Weights(path: weights)
        let native = try NativeCheckpoint(path: try TestData.referenceNative(self))
        let memory = MemoryWeights([FloatTensor(name: "t", shape: [3, 5], array: (0..<15).map { Float($0) / 7 })])
        let sources: [(WeightSource, String)] = [(h5, "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0"), (h5, "char_embed"),
                                                  (native, "RNN_1/RNN/MultiRNNCell/Cell1/LSTMCell/W_0"), (memory, "t")]
        for (source, name) in sources {
            for dtype in [nil, DType.float16] {
                let whole = try source.withBytes(name, as: dtype) { Array($0) }
                for pieceBytes in [1, 4, 100, 1000, 1 << 20] {
                    var pieces: [UInt8] = []
                    var count = 0
                    try source.streamBytes(name, as: dtype, pieceBytes: pieceBytes) { pieces += $0; count += 1 }
                    XCTAssertEqual(pieces, whole, "\(name) \(String(describing: dtype)) pieces of \(pieceBytes)")
                    if pieceBytes >= whole.count { XCTAssertEqual(count, 1) }
                }
            }
        }
    }

    /// The two-thread writer: a failure on either side is reported as itself and leaves no file.
    func test_concurrentWriter_reportsFailures_andLeavesNoFile() throws {
        let folder = try TestData.scratch(self)
        let path = folder.appendingPathComponent("x.elmk").path
        let tensors = [TensorInfo(name: "a", dtype: .float32, shape: [1000]), TensorInfo(name: "b", dtype: .float32, shape: [3])]
        let zeros = [UInt8](repeating: 0, count: 4000)
        let placeholder = JSONValue.object([("k", JSONValue("0000"))])
        XCTAssertThrowsCode(.optionsInvalid, try NativeWriter.writeConcurrently(
            destination: path, tensors: tensors, force: false, placeholder: placeholder,
            finalMetadata: { throw ELMoKitError(.optionsInvalid, "no metadata") },
            data: { t, sink in try zeros.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<t.byteCount])) } }))
        XCTAssertThrowsCode(.readFailed, try NativeWriter.writeConcurrently(
            destination: path, tensors: tensors, force: false, placeholder: placeholder,
            finalMetadata: { .object([("k", JSONValue("1234"))]) },
            data: { t, sink in if t.name == "b" { throw ELMoKitError(.readFailed, "no data") } }))
        XCTAssertThrowsCode(.writeFailed, try NativeWriter.writeConcurrently(
            destination: path, tensors: tensors, force: false, placeholder: placeholder,
            finalMetadata: { .object([("k", JSONValue(String(repeating: "x", count: 200)))]) },
            data: { t, sink in try zeros.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<t.byteCount])) } }))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [])
        // And a success reads back with every rule checked.
        let (digest, _) = try NativeWriter.writeConcurrently(
            destination: path, tensors: tensors, force: false, placeholder: placeholder,
            finalMetadata: { .object([("k", JSONValue("1234"))]) },
            data: { t, sink in try zeros.withUnsafeBytes { try sink(UnsafeRawBufferPointer(rebasing: $0[0..<t.byteCount])) } })
        let checkpoint = try NativeCheckpoint(path: path)
        try checkpoint.verifyIntegrity()
        XCTAssertEqual(checkpoint.storedSHA256, digest)
        XCTAssertEqual(checkpoint.metadata["k"], JSONValue("1234"))
    }

    func test_metadata_keepsOptionsVerbatim_andProvenance() throws {
        let native = try NativeCheckpoint(path: try TestData.referenceNative(self))
        let options = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: try TestData.reference("elmo/options.json")))))
        XCTAssertEqual(native.metadata["config"]?.canonicalString(), options.canonicalString())
        XCTAssertEqual(native.metadata["architecture"]?.stringValue, "elmo")
        let provenance = try XCTUnwrap(native.metadata["provenance"])
        XCTAssertEqual(provenance["source_file"]?.stringValue, "lm_weights.hdf5")
        XCTAssertEqual(provenance["source_sha256"]?.stringValue, try sha(try TestData.reference("elmo/lm_weights.hdf5")))
        XCTAssertEqual(provenance["converted_dtype"]?.stringValue, "keep")
        // No arithmetic: the bias keeps its stored values (no +1 forget bias folded in).
        let name = "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/B"
        XCTAssertEqual(try native.float32(name).array, try HDF5Weights(path: try TestData.reference("elmo/lm_weights.hdf5")).float32(name).array)
    }

    func test_dtypeOption_isRecorded_andHalfIsWithinHalfPrecision() throws {
        let folder = try TestData.scratch(self)
        let out = folder.appendingPathComponent("h.elmk").path
        _ = try Converter.convertELMo(weightsPath: try TestData.reference("elmo/lm_weights.hdf5"),
                                      optionsPath: try TestData.reference("elmo/options.json"), destination: out, dtype: .float16, force: false)
        let native = try NativeCheckpoint(path: out)
        XCTAssertEqual(native.metadata["provenance"]?["converted_dtype"]?.stringValue, "float16")
        XCTAssertTrue(native.tensorInfos.allSatisfy { $0.dtype == .float16 })
        let diff = try TensorDiffReport(native, try openWeights(try TestData.reference("elmo/lm_weights.hdf5")), atol: 1e-7, rtol: 4.9e-4)  // binary16: 11-bit significand
        XCTAssertTrue(diff.passed, "\(diff.entries.filter { !$0.passed }.map { ($0.name, $0.comparison!.maxAbs) })")
        XCTAssertNoThrow(try native.verifyIntegrity())
    }

    /// --dtype f16 on values beyond ±65504: converted as asked, and said.
    func test_halfPrecisionOverflow_isAWarning() throws {
        let out = try TestData.scratch(self).appendingPathComponent("o.elmk").path
        let source = MemoryWeights([FloatTensor(name: "big", shape: [4], array: [1e30, -7e4, 1, 65504]),
                                    FloatTensor(name: "small", shape: [2], array: [0.5, -2])])
        let summary = try Converter.write(source: source, metadata: .object([]), destination: out, dtype: .float16, force: false)
        XCTAssertEqual(summary.warnings, ["tensor 'big': 2 values are ±inf in float16 (beyond its range of ±65504, or inf already)"])
        XCTAssertEqual(try NativeCheckpoint(path: out).float32("big").array, [.infinity, -.infinity, 1, 65504])
    }

    func test_multilingualFixtures_roundTrip() throws {
        for lang in ["fr", "es", "it"] {
            let folder = try TestData.scratch(self)
            let weights = try TestData.reference("elmo_multilingual/\(lang)/weights.hdf5")
            let a = folder.appendingPathComponent("a.elmk").path, e = folder.appendingPathComponent("e.hdf5").path
            let b = folder.appendingPathComponent("b.elmk").path
            _ = try Converter.convertELMo(weightsPath: weights, optionsPath: try TestData.reference("elmo_multilingual/\(lang)/options.json"),
                                          destination: a, dtype: nil, force: false)
            let native = try NativeCheckpoint(path: a)
            try HDF5Writer.write(from: native, to: e, metadata: native.metadata, force: false)
            XCTAssertTrue(try TensorDiffReport(try openWeights(e), try openWeights(weights), atol: 0, rtol: 0).passed, lang)
            _ = try Converter.convertELMo(weightsPath: e, optionsPath: nil, destination: b, dtype: nil, force: false)
            XCTAssertEqual(try sha(a), try sha(b), lang)
            // Training-only keys survive verbatim.
            XCTAssertEqual(native.metadata["config"]?["n_tokens_vocab"]?.intValue, 3, lang)
        }
    }

    func test_safetensorsExport_readsBackIdentical() throws {
        let folder = try TestData.scratch(self)
        let native = try NativeCheckpoint(path: try TestData.referenceNative(self))
        let out = folder.appendingPathComponent("m.safetensors").path
        try SafetensorsFile.write(from: native, to: out, metadata: ["architecture": "elmo"], force: false)
        let st = try SafetensorsFile(path: out)
        XCTAssertEqual(st.metadata["architecture"], "elmo")
        XCTAssertTrue(try TensorDiffReport(st, native, atol: 0, rtol: 0).passed)
    }

    func test_mismatchedOptions_areRefusedBeforeWriting() throws {
        let folder = try TestData.scratch(self)
        var json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: try TestData.reference("elmo/options.json")))))
        json = Self.setting(json, ["lstm", "projection_dim"], JSONValue(32))
        let options = folder.appendingPathComponent("o.json")
        try Data(json.canonicalString().utf8).write(to: options)
        let out = folder.appendingPathComponent("x.elmk").path
        XCTAssertThrowsCode(.shapeMismatch, try Converter.convertELMo(weightsPath: try TestData.reference("elmo/lm_weights.hdf5"),
                                                                      optionsPath: options.path, destination: out, dtype: nil, force: false))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// Returns `json` with the value at `path` replaced (or removed when `value` is nil).
    static func setting(_ json: JSONValue, _ path: [String], _ value: JSONValue?) -> JSONValue {
        guard let key = path.first, case let .object(members) = json else { return json }
        if path.count == 1 {
            var out = members.filter { $0.0 != key }
            if let value { out.append((key, value)) }
            return .object(out)
        }
        return .object(members.map { $0.0 == key ? ($0.0, setting($0.1, Array(path.dropFirst()), value)) : $0 })
    }
}

final class ReleaseArchiveTests: XCTestCase {
    /// Packs files of the multilingual fixtures with the system tar, as a release would ship.
    func tarGz(_ folder: URL, _ name: String, _ members: [String]) throws -> String {
        let archive = folder.appendingPathComponent(name).path
        let tar = Process()
        tar.executableURL = URL(fileURLWithPath: "/bin/tar")
        tar.arguments = ["czf", archive, "-C", try TestData.reference("elmo_multilingual")] + members
        try tar.run()
        tar.waitUntilExit()
        XCTAssertEqual(tar.terminationStatus, 0)
        return archive
    }

    /// A .tar.gz release (as OSCAR and AllenNLP ship) converts to the same tensors as its files.
    func test_tarGz_findsThePair_andConvertsLikeTheLooseFiles() throws {
        let folder = try TestData.scratch(self)
        let archive = try tarGz(folder, "fr.tar.gz", ["fr/options.json", "fr/weights.hdf5"])
        let out = folder.appendingPathComponent("fr.elmk").path
        _ = try ModelInput.convert(archive, optionsPath: nil, destination: out, dtype: nil, force: false)
        let native = try NativeCheckpoint(path: out)
        XCTAssertEqual(native.metadata["provenance"]?["source_archive"]?.stringValue, "fr.tar.gz")
        XCTAssertTrue(try TensorDiffReport(native, try openWeights(try TestData.reference("elmo_multilingual/fr/weights.hdf5")),
                                           atol: 0, rtol: 0).passed)
    }

    /// OSCAR ships zips: the same pair inside a zip.
    func test_zip_findsThePair() throws {
        let folder = try TestData.scratch(self)
        let archive = folder.appendingPathComponent("elmo_fr.zip").path
        let root = try TestData.reference("elmo_multilingual/fr")
        let writer = try ZipWriter(destination: archive, force: false)
        try writer.add("elmo_fr/elmo_fr_options.json", Array(try Data(contentsOf: URL(fileURLWithPath: root + "/options.json"))))
        try writer.add("elmo_fr/elmo_fr_weights.hdf5", Array(try Data(contentsOf: URL(fileURLWithPath: root + "/weights.hdf5"))))
        try writer.finish()
        let out = folder.appendingPathComponent("fr.elmk").path
        _ = try ModelInput.convert(archive, optionsPath: nil, destination: out, dtype: nil, force: false)
        XCTAssertTrue(try TensorDiffReport(try NativeCheckpoint(path: out), try openWeights(root + "/weights.hdf5"), atol: 0, rtol: 0).passed)
    }

    /// Every command that reads a model takes the archive as it takes the loose pair: the same
    /// tensors (inspect, diff), the same findings (validate), the same embeddings bit for bit.
    func test_archive_isAModelInputForEveryCommand() throws {
        let folder = try TestData.scratch(self)
        let archive = try tarGz(folder, "it.tar.gz", ["it/options.json", "it/weights.hdf5"])
        let loose = try TestData.reference("elmo_multilingual/it/weights.hdf5")
        let looseOptions = try TestData.reference("elmo_multilingual/it/options.json")

        let inspected = try InspectionReport(path: archive), reference = try InspectionReport(path: loose)
        XCTAssertEqual(inspected.rows.map(\.name), reference.rows.map(\.name))
        XCTAssertEqual(inspected.parameterCount, reference.parameterCount)
        XCTAssertGreaterThan(inspected.parameterCount, 0)
        XCTAssertTrue(try TensorDiffReport(try openWeights(archive), try openWeights(loose), atol: 0, rtol: 0).passed)
        XCTAssertEqual(try ModelInput.validate(archive, optionsPath: nil).filter { $0.severity == .error }.count, 0)

        let sentence = ["Il", "gatto", "è", "sul", "tavolo", "."]
        let fromArchive = ELMoRunner(model: try ELMoModel(weightsPath: archive, optionsPath: nil)).embed([sentence])[0]
        let fromFiles = ELMoRunner(model: try ELMoModel(weightsPath: loose, optionsPath: looseOptions)).embed([sentence])[0]
        XCTAssertEqual(fromArchive.values.map(\.bitPattern), fromFiles.values.map(\.bitPattern))
    }

    /// A damaged member is named as `archive[member]`, never as the private temp copy.
    func test_archiveWithDamagedMember_namesArchiveAndMember() throws {
        let folder = try TestData.scratch(self)
        let archive = folder.appendingPathComponent("half.zip").path
        let root = try TestData.reference("elmo_multilingual/fr")
        let weights = try Data(contentsOf: URL(fileURLWithPath: root + "/weights.hdf5"))
        let writer = try ZipWriter(destination: archive, force: false)
        try writer.add("options.json", Array(try Data(contentsOf: URL(fileURLWithPath: root + "/options.json"))))
        try writer.add("weights.hdf5", Array(weights.prefix(weights.count / 2)))
        try writer.finish()
        let error = XCTAssertThrowsCode(.hdf5Corrupt, try openWeights(archive))
        XCTAssertEqual(error?.file, "\(archive)[weights.hdf5]")
    }

    func test_archiveWithoutAPair_isAClearError() throws {
        let folder = try TestData.scratch(self)
        let archive = try tarGz(folder, "bad.tar.gz", ["fr/options.json", "es/options.json"])
        let error = XCTAssertThrowsCode(.input, try ModelInput.convert(archive, optionsPath: nil,
                                                                       destination: folder.appendingPathComponent("x.elmk").path,
                                                                       dtype: nil, force: false))
        XCTAssertTrue(error?.message.contains("found options") ?? false)
    }
}
