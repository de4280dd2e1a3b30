/// `diff`: tensor-by-tensor comparison of two weight files of any formats, by name.
public struct TensorDiffReport: Sendable {
    public struct Entry: Sendable {
        public let name: String
        public let dtypeA: DType, dtypeB: DType
        public let shapeA: [Int], shapeB: [Int]
        /// nil when the shapes differ (values not compared).
        public let comparison: OutputComparison?
        /// Largest distance in units in the last place of float32.
        public let maxULP: UInt64
        /// First index whose values are not bit-identical (as float32), nil if none.
        public let firstDifference: Int?

        /// Bit-identical tensors pass whatever they hold (NaN included: NaN ≠ NaN numerically).
        public var passed: Bool { comparison != nil && (firstDifference == nil || comparison!.passed) }
    }

    public var entries: [Entry] = []
    public var onlyInA: [String] = []
    public var onlyInB: [String] = []
    public let atol: Double, rtol: Double

    public var passed: Bool { onlyInA.isEmpty && onlyInB.isEmpty && entries.allSatisfy(\.passed) }

    /// Compares every tensor the two sources share; lists the others.
    public init(_ a: WeightSource, _ b: WeightSource, atol: Double, rtol: Double) throws {
        self.atol = atol
        self.rtol = rtol
        let namesA = Set(a.tensorInfos.map(\.name)), namesB = Set(b.tensorInfos.map(\.name))
        onlyInA = namesA.subtracting(namesB).sorted()
        onlyInB = namesB.subtracting(namesA).sorted()
        for info in a.tensorInfos where namesB.contains(info.name) {
            let other = b.info(info.name)!
            guard info.shape == other.shape else {
                entries.append(Entry(name: info.name, dtypeA: info.dtype, dtypeB: other.dtype, shapeA: info.shape,
                                     shapeB: other.shape, comparison: nil, maxULP: 0, firstDifference: nil))
                continue
            }
            let x = try a.float32(info.name).array, y = try b.float32(info.name).array
            var maxULP: UInt64 = 0
            var first: Int? = nil
            for i in 0..<x.count where x[i].bitPattern != y[i].bitPattern {
                if first == nil { first = i }
                maxULP = max(maxULP, Self.ulpDistance(x[i], y[i]))
            }
            entries.append(Entry(name: info.name, dtypeA: info.dtype, dtypeB: other.dtype, shapeA: info.shape, shapeB: other.shape,
                                 comparison: OutputComparison(actual: x[...], expected: y[...], atol: atol, rtol: rtol),
                                 maxULP: maxULP, firstDifference: first))
        }
    }

    /// Distance between two floats counted in representable float32 values (NaN: UInt64.max).
    static func ulpDistance(_ a: Float, _ b: Float) -> UInt64 {
        if a.isNaN || b.isNaN { return a.isNaN && b.isNaN ? 0 : UInt64.max }
        func ordered(_ v: Float) -> Int64 {
            let bits = Int64(Int32(bitPattern: v.bitPattern))
            return bits < 0 ? Int64(Int32.min) - bits : bits
        }
        return UInt64((ordered(a) - ordered(b)).magnitude)
    }
}
