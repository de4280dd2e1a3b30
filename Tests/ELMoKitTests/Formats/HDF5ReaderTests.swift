import XCTest
@testable import ELMoKit

final class HDF5ReaderTests: XCTestCase {
    let names = ["embed", "scalar_gain", "weights/dense/bias", "weights/dense/kernel", "weights/rnn/cell0/W_0"]

    func test_walk_listsNestedGroupsAndDatasets() throws {
        let file = try HDF5File(path: TestData.fixture("hdf5/plain.hdf5"))
        XCTAssertEqual(try file.datasetPaths(), names)
        XCTAssertEqual(try file.groupPaths(), ["weights", "weights/dense", "weights/rnn", "weights/rnn/cell0"])
        XCTAssertEqual(try file.info("weights/dense/kernel").shape, [8, 6])
        XCTAssertEqual(try file.info("scalar_gain").shape, [])
    }

    /// gzip-chunked, big-endian and float64 storage all read back as the plain file's float32 bits.
    func test_storageVariants_readBitIdenticalToPlain() throws {
        let plain = try HDF5File(path: TestData.fixture("hdf5/plain.hdf5"))
        for variant in ["gzip_chunked", "big_endian", "float64"] {
            let other = try HDF5File(path: TestData.fixture("hdf5/\(variant).hdf5"))
            for name in names {
                let a = try plain.readFloat32(name).map(\.bitPattern), b = try other.readFloat32(name).map(\.bitPattern)
                XCTAssertEqual(a, b, "\(variant): \(name)")
            }
        }
    }

    func test_storedTypes_layoutAndFilters_areReported() throws {
        let gz = try HDF5File(path: TestData.fixture("hdf5/gzip_chunked.hdf5")).info("weights/dense/kernel")
        XCTAssertEqual(gz.layout, "chunked")
        XCTAssertEqual(Set(gz.filters), ["gzip", "shuffle"])
        XCTAssertEqual(try HDF5File(path: TestData.fixture("hdf5/big_endian.hdf5")).info("embed").storedType,
                       .float(bits: 32, bigEndian: true))
        XCTAssertEqual(try HDF5File(path: TestData.fixture("hdf5/float64.hdf5")).info("embed").storedType.lossless, .float64)
        XCTAssertEqual(try HDF5File(path: TestData.fixture("hdf5/float16.hdf5")).info("embed").storedType.lossless, .float16)
    }

    /// float16 data reads as the same values that were stored as float32 after rounding to half.
    func test_float16_readsAsItsFloat32Values() throws {
        let half = try HDF5File(path: TestData.fixture("hdf5/float16.hdf5"))
        let wide = try HDF5File(path: TestData.fixture("hdf5/float16_as_f32.hdf5"))
        for name in names { XCTAssertEqual(try half.readFloat32(name), try wide.readFloat32(name), name) }
        // The lossless path keeps the 2-byte encoding.
        XCTAssertEqual(try half.readBytes("embed", as: .float16).count, 15 * 2)
    }

    /// The values equal the ones the fixture script recorded independently in expected.json.
    func test_values_matchExpectedJSON() throws {
        let json = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: TestData.fixture("hdf5/expected.json")))))
        let file = try HDF5File(path: TestData.fixture("hdf5/gzip_chunked.hdf5"))
        var checked = 0
        for entry in try XCTUnwrap(Self.tensorEntries(json)) {
            let name = try XCTUnwrap(entry["name"]?.stringValue)
            let expected = Self.numbers(entry["values"]).map { Float($0) }
            XCTAssertEqual(try file.readFloat32(name), expected, name)
            checked += 1
        }
        XCTAssertEqual(checked, 5)
    }

    func test_attributes_numbersAndStrings() throws {
        let file = try HDF5File(path: TestData.fixture("hdf5/attributes.hdf5"))
        let root = Dictionary(uniqueKeysWithValues: try file.attributes(at: "/").map { ($0.name, $0.value) })
        XCTAssertEqual(root["title"], .strings(["ELMoKit fixture é"]))
        XCTAssertEqual(root["fixed"], .strings(["abc"]))
        XCTAssertEqual(root["count"], .numbers([42]))
        XCTAssertEqual(root["scales"], .numbers([0.5, 1.5, 2.5]))
        XCTAssertEqual(root["names"], .strings(["a", "bb", "ccc"]))
        XCTAssertEqual(try file.attributes(at: "weights/dense").first?.value, .numbers([6]))
    }

    func test_nonFloatDatasets_areNamedNotRead() throws {
        let weights = try HDF5Weights(path: TestData.fixture("hdf5/integer_dataset.hdf5"))
        XCTAssertEqual(weights.nonFloatDatasets.map(\.path), ["weights/ids"])
        let error = XCTAssertThrowsCode(.unsupportedDType, try weights.float32("weights/ids"))
        XCTAssertEqual(error?.tensor, "weights/ids")
        XCTAssertTrue(error?.message.contains("int32") ?? false, error?.message ?? "")
        let strings = try HDF5Weights(path: TestData.fixture("hdf5/string_dataset.hdf5"))
        XCTAssertEqual(strings.nonFloatDatasets.map(\.path), ["weights/label"])
        XCTAssertEqual(try HDF5Weights(path: TestData.fixture("hdf5/empty_dataset.hdf5")).float32("weights/empty").count, 0)
    }

    func test_missingDataset_isNamed() throws {
        let file = try HDF5File(path: TestData.fixture("hdf5/plain.hdf5"))
        XCTAssertEqual(XCTAssertThrowsCode(.hdf5MissingObject, try file.readFloat32("weights/nope/x"))?.tensor, "weights/nope/x")
    }

    static func tensorEntries(_ json: JSONValue) -> [JSONValue]? {
        if let list = json.arrayValue { return list }
        if let list = json["tensors"]?.arrayValue { return list }
        return json.objectValue?.map { name, value in
            var members = value.objectValue ?? []
            members.append(("name", JSONValue(name)))
            return .object(members)
        }
    }

    static func numbers(_ value: JSONValue?) -> [Double] {
        guard let value else { return [] }
        if let d = value.doubleValue { return [d] }
        return (value.arrayValue ?? []).flatMap { numbers($0) }
    }
}
