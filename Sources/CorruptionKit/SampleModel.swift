import ELMoKit
import Foundation

/// A small native checkpoint for the hostile-input tests, made with NativeWriter so that no
/// download is needed: every dtype, odd sizes (so there is padding between tensors), a scalar, a
/// zero-size tensor, nested names and ELMo-style metadata. About 3 KB.
public enum SampleModel {
    public static let tensors: [TensorInfo] = [
        TensorInfo(name: "CNN/W_cnn_0", dtype: .float32, shape: [1, 2, 4, 5]),
        TensorInfo(name: "CNN/b_cnn_0", dtype: .float32, shape: [5]),
        TensorInfo(name: "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/B", dtype: .float16, shape: [12]),
        TensorInfo(name: "RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0", dtype: .bfloat16, shape: [6, 12]),
        TensorInfo(name: "char_embed", dtype: .float32, shape: [261, 1]),
        TensorInfo(name: "empty", dtype: .float32, shape: [0, 7]),
        TensorInfo(name: "scale", dtype: .float64, shape: []),
    ]

    public static let metadata: JSONValue = .object([
        ("architecture", JSONValue("elmo")),
        ("config", .object([("lstm", .object([("dim", .number("3")), ("projection_dim", .number("3"))]))])),
        ("layout", JSONValue("bilm-tf")),
        ("provenance", .object([("tool", JSONValue("elmokit sample"))])),
    ])

    /// Writes the sample to `path` and returns its bytes. Values are deterministic.
    @discardableResult
    public static func write(to path: String) throws -> [UInt8] {
        let writer = try NativeWriter(destination: path, metadata: metadata, tensors: tensors, force: true)
        var seed: UInt64 = 7
        while let next = writer.nextTensor {
            var bytes = [UInt8](repeating: 0, count: next.byteCount)
            for i in bytes.indices {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                bytes[i] = UInt8(truncatingIfNeeded: seed >> 33)
            }
            try writer.write(bytes)
        }
        try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// The sample's bytes, written to a temporary file and read back.
    public static func bytes() throws -> [UInt8] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("elmokit-sample-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        return try write(to: folder.appendingPathComponent("sample.elmk").path)
    }
}
