import ELMoKit
import Foundation
import XCTest

/// Every crash the fuzzers (scripts/fuzz) or the corruption searches found, replayed. Inputs live
/// in fixtures/fuzz-regressions/<target>/ and fixtures/hdf5-broken/.
final class FuzzRegressionTests: XCTestCase {
    /// libFuzzer, native target: a tensor of shape [0, 0xC001FFFFFFFFFFFF]. The zero made the
    /// product 0, so R17 passed and Int(dim) trapped. Now E_NATIVE_SHAPE_OVERFLOW naming the tensor.
    func testNativeZeroThenHugeDimension() throws {
        let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: Hostile.fixture("fuzz-regressions/native/native-zero-then-huge-dim.bin"))))
        var options = NativeCheckpoint.Options()
        options.checkHeaderCRC = false  // as the fuzzer ran it
        let e = Hostile.error { _ = try NativeCheckpoint(file: MappedFile(bytes: bytes, path: "crash"), options: options) }
        XCTAssertEqual(e?.code, .nativeShapeOverflow)
        XCTAssertEqual(e?.tensor, "d")
        XCTAssertEqual(e?.file, "crash")
    }

    /// Every replayed input of every regression folder returns or throws; none traps.
    func testAllNativeRegressionInputs() throws {
        let folder = Hostile.fixture("fuzz-regressions/native")
        var options = NativeCheckpoint.Options()
        options.checkHeaderCRC = false
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: folder + "/" + name)))
            if let checkpoint = try? NativeCheckpoint(file: MappedFile(bytes: bytes, path: name), options: options) {
                _ = try? checkpoint.verifyIntegrity()
            }
        }
    }

    /// Found by the fuzz target's own invariant: float32() of a zero-size tensor had count 1 and
    /// exposed one uninitialised value (inspect printed statistics of garbage).
    func testEmptyTensorHasNoValues() throws {
        let folder = try Hostile.temporaryFolder(self)
        let path = folder + "/empty.elmk"
        let writer = try NativeWriter(destination: path, metadata: .object([]),
                                      tensors: [TensorInfo(name: "e", dtype: .bfloat16, shape: [0, 5])], force: false)
        try writer.finish()
        let checkpoint = try NativeCheckpoint(path: path)
        XCTAssertEqual(try checkpoint.float32("e").count, 0)
        XCTAssertEqual(FloatTensor(name: "x", shape: [0], array: []).count, 0)
    }

    /// Found while writing the options fuzz target: 9300 filter banks of 10^15 filters made
    /// `totalFilters` overflow (elmokit validate trapped), and n_layers = 10^12 made
    /// expectedTensors loop for ever. Now E_OPTIONS_INVALID.
    func testHostileOptionSizesAreRejected() throws {
        let bank = "[1, 999999999999999]"
        let hugeFilters = #"{"lstm": {"dim": 4}, "char_cnn": {"embedding": {"dim": 2}, "filters": ["#
            + Array(repeating: bank, count: 9300).joined(separator: ",") + "]}}"
        for text in [hugeFilters,
                     #"{"lstm": {"dim": 4, "n_layers": 1000000000000}}"#,
                     #"{"lstm": {"dim": 4, "projection_dim": 2}, "char_cnn": {"embedding": {"dim": 2}, "filters": [[1, 2]], "n_highway": 99999999}}"#,
                     #"{"lstm": {"dim": 4}, "char_cnn": {"embedding": {"dim": 2}, "filters": [[1, 2]], "max_characters_per_token": 100000000}}"#,
                     #"{"lstm": {"dim": 2097152}}"#] {
            let json = try JSONParser.parse(text)
            let e = Hostile.error { _ = try ELMoOptions(json: json) }
            XCTAssertEqual(e?.code, .optionsInvalid, text.prefix(80) + "")
        }
        // Real sizes still pass.
        XCTAssertNoThrow(try ELMoOptions(json: JSONParser.parse(#"{"lstm": {"dim": 4096, "projection_dim": 512, "n_layers": 2}}"#)))
    }

    /// Found by corrupting fixtures/hdf5/plain.hdf5 (fixtures/hdf5-broken/absurd-shape.hdf5): a
    /// dataspace claiming ~1.5e11 elements in 192 stored bytes made the reader allocate 618 GB
    /// and abort. Now E_HDF5_CORRUPT naming the dataset.
    func testHDF5AbsurdShapeIsAnError() throws {
        let path = Hostile.fixture("hdf5-broken/absurd-shape.hdf5")
        let weights = try HDF5Weights(path: path)
        let e = Hostile.error { _ = try weights.float32("weights/dense/kernel") }
        XCTAssertEqual(e?.code, .hdf5Corrupt)
        XCTAssertEqual(e?.tensor, "weights/dense/kernel")
        XCTAssertEqual(e?.file, path)
    }
}
