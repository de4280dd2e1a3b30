import CorruptionKit
import ELMoKit
import Foundation
import XCTest

/// The deterministic in-process subset of the corruption generator (docs/ERRORS.md), on a small
/// model written by NativeWriter (no download). The full run, one process per case on the
/// converted reference model, is scripts/corrupt.
final class CorruptionTests: XCTestCase {
    nonisolated(unsafe) static var cachedSuite: CorruptionSuite?

    func suite() throws -> CorruptionSuite {
        if let s = Self.cachedSuite { return s }
        let s = try CorruptionSuite(base: SampleModel.bytes(), flips: 1000, seed: 1)
        Self.cachedSuite = s
        return s
    }

    /// Runs every case of `kind` in this process and checks its verdict; returns the codes seen.
    @discardableResult
    func runCases(_ kind: CorruptionCase.Kind, requireRule: Bool = true) throws -> [ELMoKitError.Code] {
        let suite = try suite()
        var codes: [ELMoKitError.Code] = []
        let cases = suite.cases.filter { $0.kind == kind }
        XCTAssertFalse(cases.isEmpty, "no \(kind.rawValue) cases")
        for c in cases {
            let outcome = CorruptionSuite.run(c.bytes(in: suite))
            let verdict = CorruptionSuite.judge(outcome, c.expectation)
            XCTAssertTrue(verdict.passed, "\(c.name): \(verdict)")
            if requireRule, case let .clearError(atRule) = verdict {
                XCTAssertTrue(atRule, "\(c.name): \(outcome), expected \(c.expectation)")
            }
            if case let .error(code, _, _) = outcome { codes.append(code) }
        }
        return codes
    }

    func testSampleDecodesAndReencodesExactly() throws {
        let bytes = try SampleModel.bytes()
        let image = try NativeImage(decoding: bytes)  // throws unless encode() reproduces the bytes
        XCTAssertEqual(image.entries.count, SampleModel.tensors.count)
        let layout = image.layout()
        // The sample has padding between tensors and after the header, so R19 is exercised.
        XCTAssertTrue(zip(layout.tensorRanges, layout.tensorRanges.dropFirst()).contains { $0.upperBound < $1.lowerBound })
        XCTAssertGreaterThan(layout.dataStart, layout.headerEnd)
    }

    func testTruncationsAtEveryBoundaryAndEvery64th() throws {
        let codes = try runCases(.truncation)
        XCTAssertEqual(Set(codes), [.nativeTooSmall, .nativeHeaderBounds, .nativeSize])
    }

    func testThousandSeededBitFlipsInData() throws {
        let suite = try suite()
        let inData = suite.cases.filter { $0.kind == .flipInData }
        XCTAssertGreaterThan(inData.count, 500)
        // Every flip lands in some tensor of the sample (all of its data tensors are hit).
        let named = Set(inData.compactMap { c -> String? in if case let .tensorChecksum(n) = c.expectation { return n }; return nil })
        XCTAssertEqual(named.count, SampleModel.tensors.filter { $0.byteCount > 0 }.count)
        try runCases(.flipInData)
    }

    func testSeededBitFlipsOutsideData() throws {
        let codes = try runCases(.flipElsewhere)
        XCTAssertTrue(codes.contains(.nativeHeaderChecksum))
    }

    func testHeaderFieldsAtExtremesReachTheirRule() throws {
        let codes = Set(try runCases(.header))
        // Every structural and integrity rule of docs/FORMAT.md is reached by some edit.
        let native: Set<ELMoKitError.Code> = [
            .nativeMagic, .nativeVersion, .nativeByteOrder, .nativeAlignment, .nativeTensorCount,
            .nativeHeaderBounds, .nativeSize, .nativeHeaderChecksum, .nativeMetadata, .nativeTensorName,
            .nativeDuplicateName, .nativeDType, .nativeRank, .nativeShapeOverflow, .nativeLengthMismatch,
            .nativeOffset, .nativeTrailer, .nativePadding, .tensorChecksum, .fileHash,
        ]
        XCTAssertEqual(native.subtracting(codes), [], "rules never reached")
    }

    func testForeignFiles() throws { try runCases(.foreign) }

    func testValidVariantsAreAccepted() throws { try runCases(.control) }

    /// Errors from a file on disk name the file; tensor errors name the tensor (the CLI's JSON
    /// error carries both).
    func testErrorsNameFileAndTensor() throws {
        let folder = try Hostile.temporaryFolder(self)
        let path = folder + "/damaged.elmk"
        var bytes = try SampleModel.write(to: path)
        let suite = try suite()
        let range = suite.layout.tensorRanges[0]
        bytes[range.lowerBound + 3] ^= 0x10
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let checkpoint = try NativeCheckpoint(path: path)
        let e = Hostile.error { try checkpoint.verifyIntegrity() }
        XCTAssertEqual(e?.code, .tensorChecksum)
        XCTAssertEqual(e?.file, path)
        XCTAssertEqual(e?.tensor, SampleModel.tensors.map(\.name).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }[0])
        XCTAssertEqual(e?.exitCode, 1)
        XCTAssertEqual(checkpoint.damagedTensors(), [e?.tensor].compactMap { $0 })
    }
}
