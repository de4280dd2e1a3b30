import Foundation
import XCTest
@testable import ELMoKit

/// Paths to committed fixtures and to the fetched reference model, plus scratch folders.
enum TestData {
    /// The package root, found from this file's location.
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ relative: String) -> String { root.appendingPathComponent("fixtures/" + relative).path }

    /// The AllenNLP 0.9.0 fixtures that `scripts/fetch-reference` extracts (elmo/, elmo_multilingual/).
    static func reference(_ relative: String) throws -> String {
        let path = root.appendingPathComponent(".cache/reference/" + relative).path
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("reference data missing at \(path): run scripts/setup (or scripts/fetch-reference) first")
            throw ELMoKitError(.fileNotFound, "reference data missing", file: path)
        }
        return path
    }

    /// A fresh empty folder, removed when the test ends.
    static func scratch(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elmokit-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Converts the reference model once per test process.
    static func referenceNative(_ test: XCTestCase) throws -> String {
        let folder = try scratch(test)
        let out = folder.appendingPathComponent("ref.elmk").path
        _ = try Converter.convertELMo(weightsPath: try reference("elmo/lm_weights.hdf5"),
                                      optionsPath: try reference("elmo/options.json"), destination: out, dtype: nil, force: false)
        return out
    }
}

/// Asserts that `body` throws an ELMoKitError with `code`, returning it.
@discardableResult
func XCTAssertThrowsCode<T>(_ code: ELMoKitError.Code, _ body: @autoclosure () throws -> T,
                            file: StaticString = #filePath, line: UInt = #line) -> ELMoKitError? {
    do {
        _ = try body()
        XCTFail("expected error \(code.rawValue), got success", file: file, line: line)
    } catch let error as ELMoKitError {
        XCTAssertEqual(error.code, code, "\(error)", file: file, line: line)
        return error
    } catch {
        XCTFail("expected ELMoKitError \(code.rawValue), got \(error)", file: file, line: line)
    }
    return nil
}
