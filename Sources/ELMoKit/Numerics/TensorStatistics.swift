/// Summary statistics of a tensor's values, NaN and Inf counted apart (they are excluded from
/// min/max/mean/std, which are computed in Double).
public struct TensorStatistics: Sendable, Equatable {
    public var count = 0
    public var nanCount = 0
    public var infCount = 0
    public var min = Double.nan
    public var max = Double.nan
    public var mean = Double.nan
    public var std = Double.nan

    public init(_ values: UnsafeBufferPointer<Float>) {
        count = values.count
        var sum = 0.0, sumSquares = 0.0, finite = 0
        var lo = Double.infinity, hi = -Double.infinity
        for v in values {
            if v.isNaN { nanCount += 1; continue }
            if v.isInfinite { infCount += 1; continue }
            let d = Double(v)
            sum += d
            sumSquares += d * d
            lo = Swift.min(lo, d)
            hi = Swift.max(hi, d)
            finite += 1
        }
        if finite > 0 {
            min = lo
            max = hi
            mean = sum / Double(finite)
            std = (Swift.max(0, sumSquares / Double(finite) - mean * mean)).squareRoot()
        }
    }
}
