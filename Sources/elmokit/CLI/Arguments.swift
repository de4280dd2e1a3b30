import ELMoKit

/// One option a command accepts. Declared once; both the parser and the help screen read it.
struct OptionSpec {
    let long: String
    var short: Character? = nil
    /// nil for a flag; the placeholder shown in help for an option taking a value.
    var value: String? = nil
    let help: String
    var repeatable = false

    var isFlag: Bool { value == nil }
}

/// The parsed command line of one command.
struct Arguments {
    var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// Parses `argv` against `specs`; unknown options and missing values are usage errors.
    init(_ argv: [String], specs: [OptionSpec]) throws {
        var i = 0
        var onlyPositionals = false
        while i < argv.count {
            let arg = argv[i]
            i += 1
            if onlyPositionals || !arg.hasPrefix("-") || arg == "-" {
                positionals.append(arg)
                continue
            }
            if arg == "--" { onlyPositionals = true; continue }
            var name = arg
            var inline: String? = nil
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                name = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            let spec = specs.first { "--" + $0.long == name || ($0.short.map { "-\($0)" } == name) }
            guard let spec else {
                let near = specs.map { "--" + $0.long }.first { $0.hasPrefix(name) || name.hasPrefix($0) }
                throw ELMoKitError(.usage, "unknown option '\(name)'" + (near.map { "; did you mean '\($0)'?" } ?? ""))
            }
            if spec.isFlag {
                guard inline == nil else { throw ELMoKitError(.usage, "'--\(spec.long)' takes no value") }
                flags.insert(spec.long)
                continue
            }
            let value: String
            if let inline { value = inline } else {
                guard i < argv.count else { throw ELMoKitError(.usage, "'--\(spec.long)' needs a value (\(spec.value!))") }
                value = argv[i]
                i += 1
            }
            if !spec.repeatable, values[spec.long] != nil {
                throw ELMoKitError(.usage, "'--\(spec.long)' given twice")
            }
            values[spec.long, default: []].append(value)
        }
    }

    func flag(_ long: String) -> Bool { flags.contains(long) }
    func value(_ long: String) -> String? { values[long]?.last }
    func all(_ long: String) -> [String] { values[long] ?? [] }

    /// A numeric option, with a usage error naming the flag when it does not parse.
    func double(_ long: String, default fallback: Double) throws -> Double {
        guard let text = value(long) else { return fallback }
        guard let v = Double(text), v.isFinite, v >= 0 else {
            throw ELMoKitError(.usage, "'--\(long)' must be a non-negative number, got '\(text)'")
        }
        return v
    }

    func int(_ long: String, default fallback: Int, range: ClosedRange<Int>) throws -> Int {
        guard let text = value(long) else { return fallback }
        guard let v = Int(text), range.contains(v) else {
            throw ELMoKitError(.usage, "'--\(long)' must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return v
    }

    /// `--dtype f32|f16|bf16|f64`, nil when absent.
    func dtype() throws -> DType? {
        guard let name = value("dtype") else { return nil }
        guard let d = DType(name: name) else { throw ELMoKitError(.usage, "'--dtype' must be f32, f16, bf16 or f64, got '\(name)'") }
        return d
    }

    /// Exactly `count` positionals, named in the usage error.
    func positionals(_ names: [String]) throws -> [String] {
        guard positionals.count == names.count else {
            let what = names.map { $0.uppercased() }.joined(separator: " ")
            throw ELMoKitError(.usage, positionals.count < names.count ? "missing \(what)" : "too many arguments; expected \(what)")
        }
        return positionals
    }
}
