import ELMoKit

struct ValidateCommand: Command {
    static let name = "validate"
    static let abstract = "Check every tensor against the architecture the options describe; verify .elmk integrity."
    static let usage = "validate MODEL [--options OPTIONS.json] [--strict] [--json]"
    static let discussion = """
    Lists every problem, not just the first: missing tensors, wrong rank or shape (expected vs
    actual), non-float datasets, NaN/Inf values, inconsistent options; unused tensors are warnings.
    For .elmk files the full integrity check runs too (each tensor's CRC-32, padding, SHA-256).
    Exit status 1 on any error (with --strict, on any warning too).
    """
    static let options = [
        CommonOptions.options,
        OptionSpec(long: "strict", help: "Treat warnings as errors."),
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let path = try args.positionals(["model"])[0]
        let findings = try ModelInput.validate(path, optionsPath: args.value("options"))
        let errors = findings.filter { $0.severity == .error }.count
        let warnings = findings.filter { $0.severity == .warning }.count
        let failed = errors > 0 || (args.flag("strict") && warnings > 0)
        if out.json {
            out.printJSON(.object([
                ("file", JSONValue(path)),
                ("findings", .array(findings.map { f in
                    .object([("severity", JSONValue(f.severity.rawValue)), ("code", JSONValue(f.code)),
                             ("tensor", f.tensor.map { JSONValue($0) } ?? .null), ("message", JSONValue(f.message))])
                })),
                ("summary", .object([("errors", JSONValue(errors)), ("warnings", JSONValue(warnings)), ("pass", JSONValue(!failed))])),
            ]))
        } else {
            var lines = findings.map { "\($0.severity.rawValue): [\($0.code)] \(terminalSafe($0.message, keepingLines: false))" }
            lines.append("\(failed ? "INVALID" : "VALID"): \(path): \(plural(errors, "error")), \(plural(warnings, "warning"))")
            out.print(lines.joined(separator: "\n"))
        }
        return failed ? 1 : 0
    }
}
