import Foundation
import XCTest
@testable import ELMoKit

/// Fixture paths and helpers shared by the Keras tests. The package root is found from this
/// file's own path, so the tests run from any working directory.
enum KerasFixtures {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("no Package.swift above \(#filePath)")
    }()

    static func keras(_ name: String) -> String { root.appendingPathComponent("fixtures/keras/\(name)").path }
    static func zip(_ name: String) -> String { root.appendingPathComponent("fixtures/zip/\(name)").path }

    /// Every model of fixtures/keras/README.md.
    static let models = ["simple_rnn", "simple_rnn_relu", "lstm", "lstm_last", "gru_reset_after", "gru_reset_before",
                         "gru_go_backwards", "bidi_lstm", "stacked"]

    /// Every layout: file suffix, and whether the file holds its own model config.
    static let layouts: [(suffix: String, hasConfig: Bool)] = [
        ("h5", true), ("keras2.h5", true), ("keras", true),
        ("weights.h5", false), ("legacy_weights.h5", false), ("keras2_weights.h5", false),
    ]

    /// The model config a weights-only file needs, from the same model's full save: the tf-keras 2
    /// `.keras2.h5` for tf-keras weights, the Keras 3 `.keras` otherwise. As a real user would.
    static func configPath(model: String, suffix: String) -> String? {
        switch suffix {
        case "keras2_weights.h5": return keras("\(model).keras2.h5")
        case "weights.h5", "legacy_weights.h5": return keras("\(model).keras")
        default: return nil
        }
    }

    /// A fresh temp folder, removed at the end of the test.
    static func temporaryDirectory(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elmokit-keras-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}


extension FloatTensor {
    /// The tensor with the column blocks `a` and `b` (each `width` wide, along the last axis) swapped.
    func swappingBlocks(_ a: Int, _ b: Int, width: Int) -> FloatTensor {
        var values = array
        let columns = shape.last!
        for row in 0..<(values.count / columns) {
            for j in 0..<width {
                values.swapAt(row * columns + a * width + j, row * columns + b * width + j)
            }
        }
        return FloatTensor(name: name, shape: shape, array: values)
    }
}
