import Foundation
import XCTest
@testable import ELMoKit

/// The acceptance of issue 6: for every model × layout, convert → verify against Keras' own
/// outputs (max |Δ| ≤ 1e-5), and export → diff against the source = 0.
final class KerasRoundTripTests: XCTestCase {}

extension KerasRoundTripTests {
    /// convert → .elmk → our pass on the io file's input vs Keras 3's predict output.
    func testConvertThenVerify_everyModelAndLayout_withinTolerance() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        var table: [String] = []
        for model in KerasFixtures.models {
            var row = "| \(model) |"
            for layout in KerasFixtures.layouts {
                let input = KerasFixtures.keras("\(model).\(layout.suffix)")
                let output = dir.appendingPathComponent("\(model).\(layout.suffix).elmk").path
                _ = try ModelInput.convert(input, optionsPath: KerasFixtures.configPath(model: model, suffix: layout.suffix),
                                           destination: output, dtype: nil, force: false)
                let report = try KerasVerifier.againstIO(try RecurrentModel.load(path: output), ioPath: KerasFixtures.keras("\(model).io.h5"),
                                                         atol: 1e-5, rtol: 0)
                XCTAssertTrue(report.passed, "\(model).\(layout.suffix): \(report.problems) max |Δ| \(report.maxAbs)")
                XCTAssertEqual(report.entries.count, 2, "\(model).\(layout.suffix): one comparison per sample")
                XCTAssertLessThanOrEqual(report.maxAbs, 1e-5, "\(model).\(layout.suffix)")
                row += String(format: " %.2e |", report.maxAbs)
            }
            table.append(row)
        }
        print("verify max |Δ| vs Keras (model × layout):")
        print("| model | " + KerasFixtures.layouts.map(\.suffix).joined(separator: " | ") + " |")
        table.forEach { print($0) }
    }

    /// convert → export to the source's own layout → every dataset path and value identical.
    func testConvertThenExport_everyModelAndLayout_diffIsZero() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        for model in KerasFixtures.models {
            for layout in KerasFixtures.layouts {
                let input = KerasFixtures.keras("\(model).\(layout.suffix)")
                let converted = dir.appendingPathComponent("\(model).\(layout.suffix).elmk").path
                let exported = dir.appendingPathComponent("\(model).\(layout.suffix).exported.h5").path
                _ = try ModelInput.convert(input, optionsPath: KerasFixtures.configPath(model: model, suffix: layout.suffix),
                                           destination: converted, dtype: nil, force: false)
                _ = try ModelInput.exportKeras(converted, target: "keras-h5", optionsPath: nil, to: exported, dtype: nil, force: false)
                let diff = try TensorDiffReport(try openWeights(input), try openWeights(exported), atol: 0, rtol: 0)
                XCTAssertTrue(diff.passed, "\(model).\(layout.suffix): only in source \(diff.onlyInA), only in export \(diff.onlyInB)")
                XCTAssertEqual(diff.entries.count, try openWeights(input).tensorInfos.count, "\(model).\(layout.suffix)")
                XCTAssertTrue(diff.entries.allSatisfy { $0.firstDifference == nil && $0.maxULP == 0 }, "\(model).\(layout.suffix): not bit-identical")
            }
        }
    }

    /// .keras → .elmk → .keras: the archive's weights come back identical, and the archive we
    /// write reads back as a Keras model (config.json, model.weights.h5) that verifies.
    func testArchiveExport_roundTripsAndVerifies() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        for model in ["bidi_lstm", "stacked", "gru_go_backwards"] {
            let elmk = dir.appendingPathComponent("\(model).elmk").path
            let archive = dir.appendingPathComponent("\(model).keras").path
            _ = try ModelInput.convert(KerasFixtures.keras("\(model).keras"), optionsPath: nil, destination: elmk, dtype: nil, force: false)
            _ = try ModelInput.exportKeras(elmk, target: "keras", optionsPath: nil, to: archive, dtype: nil, force: false)
            let diff = try TensorDiffReport(try openWeights(KerasFixtures.keras("\(model).keras")), try openWeights(archive), atol: 0, rtol: 0)
            XCTAssertTrue(diff.passed && diff.onlyInA.isEmpty && diff.onlyInB.isEmpty, model)
            let report = try KerasVerifier.againstIO(try RecurrentModel.load(path: archive), ioPath: KerasFixtures.keras("\(model).io.h5"), atol: 1e-5, rtol: 0)
            XCTAssertTrue(report.passed, "\(model): \(report.problems)")
        }
    }

    /// A weights-only source exported as a full model gets a model config we write ourselves;
    /// reading that file back gives the same architecture and outputs.
    func testWeightsOnlyExportedAsFullModel_configRoundTrips() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        for model in ["stacked", "bidi_lstm", "gru_reset_before"] {
            let elmk = dir.appendingPathComponent("\(model).elmk").path
            _ = try ModelInput.convert(KerasFixtures.keras("\(model).weights.h5"), optionsPath: nil, destination: elmk, dtype: nil, force: false)
            for target in ["keras-model-h5", "keras"] {
                let out = dir.appendingPathComponent("\(model).\(target == "keras" ? "keras" : "h5")").path
                _ = try ModelInput.exportKeras(elmk, target: target, optionsPath: nil, to: out, dtype: nil, force: false)
                let reread = try KerasModelFile(path: out)
                XCTAssertEqual(reread.config.layers.map(\.forward), try RecurrentModel.load(path: elmk).config.layers.map(\.forward), "\(model) \(target)")
                XCTAssertEqual(reread.configSource, target == "keras" ? "config.json" : "model_config")
                let report = try KerasVerifier.againstIO(try RecurrentModel.load(path: out), ioPath: KerasFixtures.keras("\(model).io.h5"), atol: 1e-5, rtol: 0)
                XCTAssertTrue(report.passed, "\(model) \(target): \(report.problems)")
            }
        }
    }

    /// Every layout of a model yields the same tensor names and values after conversion.
    func testLayouts_convertToTheSameTensors() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        for model in ["bidi_lstm", "stacked"] {
            var first: NativeCheckpoint?
            for layout in KerasFixtures.layouts {
                let path = dir.appendingPathComponent("\(model).\(layout.suffix).elmk").path
                _ = try ModelInput.convert(KerasFixtures.keras("\(model).\(layout.suffix)"),
                                           optionsPath: KerasFixtures.configPath(model: model, suffix: layout.suffix),
                                           destination: path, dtype: nil, force: false)
                let native = try NativeCheckpoint(path: path)
                if let first {
                    let diff = try TensorDiffReport(first, native, atol: 0, rtol: 0)
                    XCTAssertTrue(diff.passed && diff.onlyInA.isEmpty && diff.onlyInB.isEmpty, "\(model).\(layout.suffix)")
                } else {
                    first = native
                    let names = native.tensorInfos.map(\.name)
                    XCTAssertEqual(names, model == "stacked"
                        ? ["gru/bias", "gru/kernel", "gru/recurrent_kernel", "lstm/bias", "lstm/kernel", "lstm/recurrent_kernel"]
                        : ["bidirectional/backward/bias", "bidirectional/backward/kernel", "bidirectional/backward/recurrent_kernel",
                           "bidirectional/forward/bias", "bidirectional/forward/kernel", "bidirectional/forward/recurrent_kernel"])
                }
            }
        }
    }

    /// The metadata of a converted file: architecture, layout, config and provenance.
    func testConvertedMetadata_describesSourceAndConfig() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        let path = dir.appendingPathComponent("gru.elmk").path
        _ = try ModelInput.convert(KerasFixtures.keras("gru_reset_before.keras2.h5"), optionsPath: nil, destination: path, dtype: nil, force: false)
        let native = try NativeCheckpoint(path: path)
        XCTAssertEqual(native.metadata["architecture"], JSONValue("keras-recurrent"))
        XCTAssertEqual(native.metadata["layout"], JSONValue("keras"))
        XCTAssertEqual(native.metadata["provenance"]?["source_format"], JSONValue("keras-model-h5"))
        XCTAssertEqual(native.metadata["provenance"]?["keras_version"], JSONValue("2.21.0"))
        let config = try RecurrentModelConfig(json: native.metadata["config"]!)
        XCTAssertEqual(config.layers.count, 1)
        XCTAssertEqual(config.layers[0].forward, RecurrentCellConfig(type: .gru, units: 4, activation: .tanh, recurrentActivation: .sigmoid,
                                                                     useBias: true, resetAfter: false, goBackwards: false))
        XCTAssertEqual(config.layers[0].sourceNames.weightNames, ["gru/gru_cell/kernel:0", "gru/gru_cell/recurrent_kernel:0", "gru/gru_cell/bias:0"])
        // The JSON form parses back to the same config.
        XCTAssertEqual(try RecurrentModelConfig(json: config.json), config)
    }

    /// `.elmk` → `export --to hdf5` / safetensors (generic layouts carrying our metadata) →
    /// `convert` restores the same checkpoint bytes; the exports verify and validate directly.
    func testGenericExports_convertBackToTheSameCheckpoint() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        let elmk = dir.appendingPathComponent("stacked.elmk").path
        let original = try ModelInput.convert(KerasFixtures.keras("stacked.keras2.h5"), optionsPath: nil, destination: elmk, dtype: nil, force: false)
        let native = try NativeCheckpoint(path: elmk)
        let h5 = dir.appendingPathComponent("stacked.export.h5").path
        try ModelInput.exportHDF5(native, metadata: native.metadata, to: h5, dtype: nil, force: false)
        let st = dir.appendingPathComponent("stacked.safetensors").path
        var strings: [String: String] = [:]
        for (key, value) in native.metadata.objectValue ?? [] { strings[key] = value.stringValue ?? value.canonicalString() }
        try SafetensorsFile.write(from: native, to: st, metadata: strings, dtype: nil, force: false)
        for export in [h5, st] {
            XCTAssertNil(KerasLayout.detect(export))
            let back = try ModelInput.convert(export, optionsPath: nil, destination: export + ".elmk", dtype: nil, force: false)
            XCTAssertEqual(back.sha256, original.sha256, export)
            XCTAssertTrue(try KerasVerifier.againstIO(try RecurrentModel.load(path: export), ioPath: KerasFixtures.keras("stacked.io.h5"),
                                                      atol: 1e-5, rtol: 0).passed, export)
            XCTAssertEqual(try ModelInput.validate(export, optionsPath: nil).filter { $0.severity != .note }, [], export)
        }
        // --dtype: a float16 copy still verifies at float16 precision, and records the choice.
        let half = dir.appendingPathComponent("stacked.f16.elmk").path
        let summary = try ModelInput.convert(elmk, optionsPath: nil, destination: half, dtype: .float16, force: false)
        XCTAssertEqual(summary.metadata["provenance"]?["converted_dtype"], JSONValue("float16"))
        let report = try KerasVerifier.againstIO(try RecurrentModel.load(path: half), ioPath: KerasFixtures.keras("stacked.io.h5"), atol: 5e-3, rtol: 0)
        XCTAssertTrue(report.passed, "max |Δ| \(report.maxAbs)")
    }

    /// Converting twice gives the same bytes (no timestamps or paths in the metadata).
    func testConvert_isDeterministic() throws {
        let dir = try KerasFixtures.temporaryDirectory(self)
        let a = dir.appendingPathComponent("a.elmk").path, b = dir.appendingPathComponent("b.elmk").path
        let first = try ModelInput.convert(KerasFixtures.keras("stacked.keras"), optionsPath: nil, destination: a, dtype: nil, force: false)
        let second = try ModelInput.convert(KerasFixtures.keras("stacked.keras"), optionsPath: nil, destination: b, dtype: nil, force: false)
        XCTAssertEqual(first.sha256, second.sha256)
    }
}
