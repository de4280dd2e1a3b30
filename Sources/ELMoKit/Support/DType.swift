/// Element types a checkpoint tensor may hold. Raw values are the native format's dtype codes
/// (docs/FORMAT.md, table "dtype codes") and never change.
public enum DType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case float16 = 1
    case bfloat16 = 2
    case float32 = 3
    case float64 = 4

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .float16, .bfloat16: return 2
        case .float32: return 4
        case .float64: return 8
        }
    }

    /// Short name used in tables, JSON and safetensors headers.
    public var description: String {
        switch self {
        case .float16: return "float16"
        case .bfloat16: return "bfloat16"
        case .float32: return "float32"
        case .float64: return "float64"
        }
    }

    /// Parses `f16`, `float16`, `bf16`, `f32`, `f64`… as given to `--dtype`.
    public init?(name: String) {
        switch name.lowercased() {
        case "f16", "float16", "half": self = .float16
        case "bf16", "bfloat16": self = .bfloat16
        case "f32", "float32", "float": self = .float32
        case "f64", "float64", "double": self = .float64
        default: return nil
        }
    }

    /// The safetensors dtype string.
    public var safetensorsName: String {
        switch self {
        case .float16: return "F16"
        case .bfloat16: return "BF16"
        case .float32: return "F32"
        case .float64: return "F64"
        }
    }
}

/// Name, element type and shape of one tensor, whatever file it lives in.
public struct TensorInfo: Sendable, Equatable {
    public let name: String
    public let dtype: DType
    public let shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }
    /// Bytes of the tensor's data.
    public var byteCount: Int { elementCount * dtype.size }
}
