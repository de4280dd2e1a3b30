import ELMoKit

struct DiffCommand: Command {
    static let name = "diff"
    static let abstract = "Compare the tensors of two weight files (any formats) by name."
    static let usage = "diff A B [--atol A] [--rtol R] [-v] [--json]"
    static let discussion = """
    Per tensor: max |Δ|, max distance in float32 ULPs, first differing index. Tensors only in A or
    only in B, and shape mismatches, are differences. Exit status 1 when any tensor differs beyond
    |a - b| <= atol + rtol * |b| (default: exact equality). Keras files are compared under the
    names their checkpoint holds (lstm/kernel, bidirectional/forward/bias), so one model saved in
    two Keras layouts, or a Keras file and its .elmk, compare tensor for tensor.
    """
    static let options = [
        OptionSpec(long: "atol", value: "A", help: "Absolute tolerance (default 0)."),
        OptionSpec(long: "rtol", value: "R", help: "Relative tolerance (default 0)."),
        OptionSpec(long: "verbose", short: "v", help: "List identical tensors too."),
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let paths = try args.positionals(["a", "b"])
        let report = try TensorDiffReport(try ModelInput.tensorsForComparison(paths[0]), try ModelInput.tensorsForComparison(paths[1]),
                                          atol: try args.double("atol", default: 0), rtol: try args.double("rtol", default: 0))
        let differing = report.entries.filter { !$0.passed }.count
        let identical = report.entries.filter { $0.firstDifference == nil && $0.comparison != nil }.count
        if out.json {
            let tensors: [JSONValue] = report.entries.map { e in
                var m: [(String, JSONValue)] = [("name", JSONValue(e.name)), ("dtype_a", JSONValue(e.dtypeA.description)),
                                                ("dtype_b", JSONValue(e.dtypeB.description)),
                                                ("shape_a", .array(e.shapeA.map { JSONValue($0) })),
                                                ("shape_b", .array(e.shapeB.map { JSONValue($0) }))]
                if let c = e.comparison {
                    m += [("max_abs", JSONValue(c.maxAbs)), ("max_ulp", JSONValue(Double(e.maxULP))),
                          ("first_difference", e.firstDifference.map { JSONValue($0) } ?? .null)]
                }
                m.append(("pass", JSONValue(e.passed)))
                return .object(m)
            }
            out.printJSON(.object([
                ("a", JSONValue(paths[0])), ("b", JSONValue(paths[1])), ("atol", JSONValue(report.atol)), ("rtol", JSONValue(report.rtol)),
                ("tensors", .array(tensors)), ("only_in_a", .array(report.onlyInA.map { JSONValue($0) })),
                ("only_in_b", .array(report.onlyInB.map { JSONValue($0) })),
                ("summary", .object([("compared", JSONValue(report.entries.count)), ("identical", JSONValue(identical)),
                                     ("differing", JSONValue(differing)), ("only_in_a", JSONValue(report.onlyInA.count)),
                                     ("only_in_b", JSONValue(report.onlyInB.count)), ("pass", JSONValue(report.passed))])),
            ]))
        } else {
            var lines: [String] = []
            for e in report.entries {
                guard let c = e.comparison else {
                    lines.append("DIFF       \(e.name): shape \(e.shapeA) vs \(e.shapeB)")
                    continue
                }
                guard let first = e.firstDifference else {
                    if args.flag("verbose") { lines.append("identical  \(e.name) [\(e.dtypeA)/\(e.dtypeB)]") }
                    continue
                }
                let status = e.passed ? "within tol" : "DIFF      "
                lines.append("\(status) \(e.name) [\(e.dtypeA)/\(e.dtypeB)]: max |Δ| \(NumberFormat.scientific(c.maxAbs)), "
                    + "max \(e.maxULP) ULP (float32), first difference at flat index \(first)")
            }
            for n in report.onlyInA { lines.append("ONLY A  \(n)") }
            for n in report.onlyInB { lines.append("ONLY B  \(n)") }
            let maxAbs = report.entries.compactMap(\.comparison?.maxAbs).max() ?? 0
            lines.append("\(report.passed ? "SAME" : "DIFFERENT"): \(plural(report.entries.count, "tensor")) compared, \(identical) identical, \(differing) beyond tolerance, "
                + "\(report.onlyInA.count) only in A, \(report.onlyInB.count) only in B; max |Δ| \(NumberFormat.scientific(maxAbs))")
            out.print(lines.joined(separator: "\n"))
        }
        return report.passed ? 0 : 1
    }
}
