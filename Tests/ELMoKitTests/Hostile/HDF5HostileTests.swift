import CHDF5
import ELMoKit
import Foundation
import XCTest

/// Broken and hostile HDF5 input: truncated files, non-HDF5 files, non-float datasets where
/// weights belong, missing datasets, wrong ranks, scalars, empty and absurd shapes. Each must end
/// in a clear ELMoKitError, never a crash, and `convert` must leave no output behind. The files
/// are made here with the HDF5 C API; files that crash libhdf5 itself are in
/// fixtures/hdf5-broken/ and are only opened in a child process (elmokitCLITests).
final class HDF5HostileTests: XCTestCase {
    // MARK: - Building HDF5 files

    enum Storage { case float32, float64, int64, string, chunkedUnwritten }

    struct Dataset {
        let name: String
        let shape: [UInt64]?  // nil: scalar dataspace
        var storage: Storage = .float32
    }

    /// Writes an HDF5 file holding `datasets` (values 0.01 × index, ints, or "hello").
    static func writeHDF5(_ path: String, _ datasets: [Dataset]) throws {
        H5Eset_auto2(ek_H5E_DEFAULT(), nil, nil)
        let file = H5Fcreate(path, ek_H5F_ACC_TRUNC(), ek_H5P_DEFAULT(), ek_H5P_DEFAULT())
        guard file >= 0 else { throw ELMoKitError(.writeFailed, "H5Fcreate", file: path) }
        defer { H5Fclose(file) }
        let lcpl = H5Pcreate(ek_H5P_LINK_CREATE())
        H5Pset_create_intermediate_group(lcpl, 1)
        defer { H5Pclose(lcpl) }
        for d in datasets {
            var dims = d.shape ?? []
            let space = d.shape == nil ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), &dims, nil)
            defer { H5Sclose(space) }
            let count = Int(d.shape?.reduce(1, *) ?? 1)
            let dcpl = H5Pcreate(ek_H5P_DATASET_CREATE())
            defer { H5Pclose(dcpl) }
            var type: hid_t
            switch d.storage {
            case .float32, .chunkedUnwritten: type = H5Tcopy(ek_H5T_IEEE_F32LE())
            case .float64: type = H5Tcopy(ek_H5T_IEEE_F64LE())
            case .int64: type = H5Tcopy(ek_H5T_NATIVE_LLONG())
            case .string:
                type = H5Tcopy(ek_H5T_C_S1())
                H5Tset_size(type, 6)
            }
            defer { H5Tclose(type) }
            if d.storage == .chunkedUnwritten {
                var chunk = dims.map { min($0, 16) }
                H5Pset_chunk(dcpl, Int32(chunk.count), &chunk)
            }
            let ds = H5Dcreate2(file, d.name, type, space, lcpl, dcpl, ek_H5P_DEFAULT())
            guard ds >= 0 else { throw ELMoKitError(.writeFailed, "H5Dcreate \(d.name)", file: path) }
            defer { H5Dclose(ds) }
            guard count > 0 else { continue }
            let rc: herr_t
            switch d.storage {
            case .chunkedUnwritten: rc = 0
            case .float32:
                let values = (0..<count).map { Float($0 % 97) * 0.01 }
                rc = H5Dwrite(ds, ek_H5T_NATIVE_FLOAT(), ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), values)
            case .float64:
                let values = (0..<count).map { Double($0 % 97) * 0.01 }
                rc = H5Dwrite(ds, ek_H5T_NATIVE_DOUBLE(), ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), values)
            case .int64:
                let values = (0..<count).map { Int64($0) }
                rc = H5Dwrite(ds, ek_H5T_NATIVE_LLONG(), ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), values)
            case .string:
                let values = [UInt8]((0..<count).flatMap { _ in Array("hello\0".utf8) })
                rc = H5Dwrite(ds, type, ek_H5S_ALL(), ek_H5S_ALL(), ek_H5P_DEFAULT(), values)
            }
            guard rc >= 0 else { throw ELMoKitError(.writeFailed, "H5Dwrite \(d.name)", file: path) }
        }
    }

    /// A tiny but complete bilm-tf ELMo (char CNN, one highway, one LSTM layer per direction).
    static let options = """
    {"char_cnn": {"activation": "relu", "embedding": {"dim": 2}, "filters": [[1, 2], [2, 2]],
      "max_characters_per_token": 6, "n_characters": 262, "n_highway": 1},
     "lstm": {"cell_clip": 3, "dim": 4, "n_layers": 1, "proj_clip": 3, "projection_dim": 2, "use_skip_connections": true}}
    """

    static func elmoDatasets() throws -> [Dataset] {
        let options = try ELMoOptions(json: JSONParser.parse(Self.options))
        return ELMoArchitecture.expectedTensors(options).filter(\.required).map { Dataset(name: $0.name, shape: $0.shape.map { UInt64($0) }) }
    }

    var folder = ""
    var optionsPath = ""

    override func setUpWithError() throws {
        folder = try Hostile.temporaryFolder(self)
        optionsPath = folder + "/options.json"
        try Data(Self.options.utf8).write(to: URL(fileURLWithPath: optionsPath))
    }

    /// Converts `datasets` (as an ELMo HDF5) and returns the error; checks no output was left.
    func convertError(_ datasets: [Dataset], _ label: String, file: StaticString = #filePath, line: UInt = #line) throws -> ELMoKitError? {
        let input = folder + "/\(label).hdf5"
        let output = folder + "/\(label).elmk"
        try Self.writeHDF5(input, datasets)
        let e = Hostile.error({ _ = try ModelInput.convert(input, optionsPath: optionsPath, destination: output, dtype: nil, force: false) },
                              file: file, line: line)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(label + ".elmk") }
        XCTAssertEqual(left, [], "convert left output for \(label)", file: file, line: line)
        return e
    }

    func replacing(_ name: String, with dataset: Dataset?) throws -> [Dataset] {
        var list = try Self.elmoDatasets().filter { $0.name != name }
        if let dataset { list.append(dataset) }
        return list
    }

    // MARK: - Tests

    func testTinyELMoConvertsCleanly() throws {
        let input = folder + "/ok.hdf5"
        try Self.writeHDF5(input, Self.elmoDatasets())
        let summary = try ModelInput.convert(input, optionsPath: optionsPath, destination: folder + "/ok.elmk", dtype: nil, force: false)
        XCTAssertGreaterThan(summary.tensorCount, 10)
        try NativeCheckpoint(path: folder + "/ok.elmk").verifyIntegrity()
    }

    func testIntegerAndStringDatasetsWhereWeightsBelong() throws {
        for storage in [Storage.int64, .string] {
            let e = try convertError(replacing("CNN/b_cnn_0", with: Dataset(name: "CNN/b_cnn_0", shape: [2], storage: storage)), "nonfloat-\(storage)")
            XCTAssertEqual(e?.code, .unsupportedDType)
            XCTAssertEqual(e?.tensor, "CNN/b_cnn_0")
            XCTAssertNotNil(e?.file)
        }
        // Reading such a dataset as weights directly is the same clear error.
        let path = folder + "/ints.hdf5"
        try Self.writeHDF5(path, [Dataset(name: "w", shape: [3], storage: .int64), Dataset(name: "s", shape: nil, storage: .string)])
        let weights = try HDF5Weights(path: path)
        XCTAssertEqual(Hostile.error { _ = try weights.float32("w") }?.code, .unsupportedDType)
        XCTAssertEqual(Hostile.error { _ = try weights.float32("s") }?.code, .unsupportedDType)
        XCTAssertEqual(Hostile.error { _ = try weights.file.readFloat32("s") }?.code, .unsupportedDType)
    }

    func testMissingDataset() throws {
        let e = try convertError(replacing("CNN_high_0/W_carry", with: nil), "missing")
        XCTAssertEqual(e?.code, .shapeMismatch)
        XCTAssertTrue(e?.message.contains("CNN_high_0/W_carry") ?? false, e?.message ?? "")
        let weights = try HDF5Weights(path: folder + "/missing.hdf5")
        XCTAssertEqual(Hostile.error { _ = try weights.float32("CNN_high_0/W_carry") }?.code, .missingTensor)
        XCTAssertEqual(Hostile.error { _ = try weights.file.readFloat32("no/such/group/x") }?.code, .hdf5MissingObject)
    }

    func testWrongRankScalarAndEmptyDatasets() throws {
        let cases: [(String, Dataset)] = [
            ("rank", Dataset(name: "CNN/b_cnn_0", shape: [1, 2])),
            ("scalar", Dataset(name: "CNN/b_cnn_0", shape: nil)),
            ("empty", Dataset(name: "CNN/b_cnn_0", shape: [0])),
            ("empty2d", Dataset(name: "char_embed", shape: [0, 2])),
        ]
        for (label, dataset) in cases {
            let e = try convertError(replacing(dataset.name, with: dataset), label)
            XCTAssertEqual(e?.code, .shapeMismatch, label)
            XCTAssertTrue(e?.message.contains(dataset.name) ?? false, "\(label): \(e?.message ?? "")")
        }
        // The validator names the problem and the tensor for each.
        let path = folder + "/rank.hdf5"
        let findings = try ModelInput.validate(path, optionsPath: optionsPath)
        XCTAssertTrue(findings.contains { $0.code == "E_RANK_MISMATCH" && $0.tensor == "CNN/b_cnn_0" }, "\(findings)")
    }

    func testAbsurdShapes() throws {
        // Chunked datasets allocate nothing until written: a tiny file can claim 2^50 elements.
        let path = folder + "/absurd.hdf5"
        try Self.writeHDF5(path, [Dataset(name: "huge", shape: [1 << 30, 1 << 20], storage: .chunkedUnwritten),
                                  Dataset(name: "wide", shape: [1 << 40, 1 << 20], storage: .chunkedUnwritten),
                                  Dataset(name: "ok", shape: [3])])
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int, 100_000)
        let e1 = Hostile.error { _ = try HDF5Weights(path: path) }  // 'wide' (2^60 elements) fails at open
        XCTAssertEqual(e1?.code, .hdf5Corrupt)
        XCTAssertEqual(e1?.tensor, "wide")
        let path2 = folder + "/absurd2.hdf5"
        try Self.writeHDF5(path2, [Dataset(name: "huge", shape: [1 << 30, 1 << 20], storage: .chunkedUnwritten)])
        let weights = try HDF5Weights(path: path2)
        XCTAssertEqual(weights.tensorInfos.first?.shape, [1 << 30, 1 << 20])
        let e2 = Hostile.error { _ = try weights.float32("huge") }
        XCTAssertEqual(e2?.code, .hdf5Corrupt)
        XCTAssertEqual(e2?.tensor, "huge")
        XCTAssertEqual(Hostile.error { try weights.withBytes("huge", as: .float16) { _ in } }?.code, .hdf5Corrupt)
        // Validation reads values too: the same dataset is a finding or an error, never a crash.
        let report = Hostile.error { _ = try InspectionReport(path: path2, withStatistics: true) }
        XCTAssertEqual(report?.code, .hdf5Corrupt)
        // As an ELMo weight it is a shape mismatch before anything is read.
        let e3 = try convertError(replacing("char_embed", with: Dataset(name: "char_embed", shape: [1 << 30, 1 << 20], storage: .chunkedUnwritten)), "absurd-elmo")
        XCTAssertEqual(e3?.code, .shapeMismatch)
        // As an extra, unused dataset it is streamed by convert, which once wrote terabytes of
        // zeros for it (4 TiB claimed by a 450 KB file): now it stops at the stored-bytes check.
        let e4 = try convertError(try Self.elmoDatasets() + [Dataset(name: "extra", shape: [1 << 20, 1 << 20], storage: .chunkedUnwritten)],
                                  "sparse-extra")
        XCTAssertEqual(e4?.code, .hdf5Corrupt)
        XCTAssertEqual(e4?.tensor, "extra")
        let findings = try ModelInput.validate(folder + "/sparse-extra.hdf5", optionsPath: optionsPath)
        XCTAssertEqual(findings.first { $0.severity == .error }?.code, "E_HDF5_CORRUPT", "\(findings)")
        XCTAssertEqual(findings.first { $0.severity == .error }?.tensor, "extra")
        XCTAssertEqual(Hostile.error { try weights.streamBytes("huge", as: nil, pieceBytes: 1 << 20) { _ in } }?.code, .hdf5Corrupt)
    }

    func testDeeplyNestedGroups_areRefusedQuickly() throws {
        let path = folder + "/deep.hdf5"
        try Self.writeHDF5(path, [Dataset(name: Array(repeating: "g", count: 100).joined(separator: "/") + "/w", shape: [2])])
        let e = Hostile.error { _ = try InspectionReport(path: path, withStatistics: false) }
        XCTAssertEqual(e?.code, .hdf5Corrupt)
        XCTAssertTrue(e?.message.contains("groups nested 65 deep (at most 64)") ?? false, e?.message ?? "")
        // Real nesting (Keras files go 5 deep) is fine.
        let shallow = folder + "/shallow.hdf5"
        try Self.writeHDF5(shallow, [Dataset(name: "a/b/c/d/e/f/w", shape: [2])])
        XCTAssertEqual(try HDF5Weights(path: shallow).tensorInfos.map(\.name), ["a/b/c/d/e/f/w"])
    }

    func testTruncatedHDF5() throws {
        let source = try Array(Data(contentsOf: URL(fileURLWithPath: Hostile.fixture("hdf5/plain.hdf5"))))
        for length in [1, 7, 8, 100, 512, 1024, 2048, 4000, 6000, 8000, source.count - 1] {
            let path = folder + "/truncated-\(length).hdf5"
            try Data(source.prefix(length)).write(to: URL(fileURLWithPath: path))
            // Opening may fail, or succeed and fail on a read; each step ends in an error.
            do {
                let weights = try HDF5Weights(path: path)
                for info in weights.tensorInfos { _ = try weights.float32(info.name) }
                XCTFail("truncated to \(length) bytes: read without error")
            } catch let e as ELMoKitError {
                XCTAssertTrue([.hdf5Corrupt, .notHDF5, .hdf5].contains(e.code), "\(length): \(e)")
                XCTAssertEqual(e.file, path)
            }
        }
    }

    func testNonHDF5Files() throws {
        // A bare signature is an HDF5 file to libhdf5, a broken one ("bad byte number in an
        // address"): E_HDF5 with libhdf5's message.
        let files: [(String, [UInt8], ELMoKitError.Code)] = [
            ("text.hdf5", Array("just some text\n".utf8), .notHDF5),
            ("html.h5", Array("<!DOCTYPE html><html>404</html>".utf8), .notHDF5),
            ("random.hdf5", (0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }, .notHDF5),
            ("empty.hdf5", [], .emptyFile),
            ("signature-only.hdf5", [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A], .hdf5),
        ]
        for (name, bytes, code) in files {
            let path = folder + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let e = Hostile.error { _ = try HDF5Weights(path: path) }
            XCTAssertEqual(e?.code, code, name)
            XCTAssertEqual(e?.file, path, name)
            let any = Hostile.error { _ = try openWeights(path) }
            XCTAssertNotNil(any?.code, name)
        }
        XCTAssertEqual(Hostile.error { _ = try openWeights(self.folder + "/text.hdf5") }?.code, .notHDF5)
        XCTAssertEqual(Hostile.error { _ = try openWeights(self.folder + "/html.h5") }?.code, .notHDF5)
        XCTAssertEqual(Hostile.error { _ = try HDF5Weights(path: self.folder) }?.code, .notARegularFile)
        XCTAssertEqual(Hostile.error { _ = try HDF5Weights(path: self.folder + "/nope.hdf5") }?.code, .fileNotFound)
    }
}
