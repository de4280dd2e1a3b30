import ELMoKit
import Foundation
import XCTest

/// Paths and helpers shared by the hostile-input tests.
enum Hostile {
    /// The repository root, found from this file's path (Tests/ELMoKitTests/Hostile/…).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func fixture(_ relative: String) -> String { repoRoot.appendingPathComponent("fixtures/" + relative).path }

    /// A fresh temporary folder, removed when the test ends.
    static func temporaryFolder(_ test: XCTestCase) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("elmokit-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url.path
    }

    /// Runs `body`, which must throw an ELMoKitError; returns it (fails the test otherwise).
    static func error(_ body: () throws -> Void, file: StaticString = #filePath, line: UInt = #line) -> ELMoKitError? {
        do {
            try body()
            XCTFail("expected an ELMoKitError, got success", file: file, line: line)
        } catch let e as ELMoKitError {
            XCTAssertFalse(e.message.isEmpty, file: file, line: line)
            return e
        } catch {
            XCTFail("expected an ELMoKitError, got \(error)", file: file, line: line)
        }
        return nil
    }
}
