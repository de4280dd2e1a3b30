/// Element-wise comparison of two float arrays, Polygraphy-style: max and mean |Δ|, the worst
/// element, and pass/fail against |actual − expected| ≤ atol + rtol·|expected|.
public struct OutputComparison: Sendable {
    public var count = 0
    public var maxAbs: Double = 0
    public var meanAbs: Double = 0
    /// Index of the element with the largest |Δ| (NaN mismatches count as infinite).
    public var worstIndex = 0
    public var worstActual: Float = 0
    public var worstExpected: Float = 0
    /// Elements outside tolerance.
    public var failures = 0

    public var passed: Bool { failures == 0 }

    public init(actual: ArraySlice<Float>, expected: ArraySlice<Float>, atol: Double, rtol: Double) {
        precondition(actual.count == expected.count, "compare equal-length arrays")
        count = actual.count
        var sum = 0.0
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            let bothNaN = a.isNaN && e.isNaN
            let delta = bothNaN ? 0 : (a.isNaN || e.isNaN ? Double.infinity : abs(Double(a) - Double(e)))
            let sameInfinity = a.isInfinite && a == e
            let d = sameInfinity ? 0 : delta
            sum += d.isFinite ? d : 0
            if d > maxAbs || (i == 0 && d >= maxAbs) {
                maxAbs = d
                worstIndex = i
                worstActual = a
                worstExpected = e
            }
            if !(d <= atol + rtol * abs(Double(e))) { failures += 1 }
        }
        meanAbs = count > 0 ? sum / Double(count) : 0
    }
}
