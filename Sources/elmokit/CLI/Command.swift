import ELMoKit

/// A subcommand: a name, help text, its options, and `run`, which returns the exit status.
protocol Command {
    static var name: String { get }
    static var abstract: String { get }
    static var usage: String { get }
    static var discussion: String { get }
    static var options: [OptionSpec] { get }
    static func run(_ args: Arguments, _ out: Output) throws -> Int32
}

extension Command {
    static var discussion: String { "" }

    /// The help screen, built from the same option table the parser uses.
    static var help: String {
        var text = "\(abstract)\n\nUSAGE: elmokit \(usage)\n"
        if !discussion.isEmpty { text += "\n\(discussion)\n" }
        text += "\nOPTIONS:\n"
        let all = options + [CommonOptions.noIsolation, OptionSpec(long: "help", short: "h", help: "Show this help.")]
        let labels = all.map { spec -> String in
            var label = spec.short.map { "-\($0), " } ?? "    "
            label += "--\(spec.long)"
            if let value = spec.value { label += " \(value)" }
            return label
        }
        let width = min(34, (labels.map(\.count).max() ?? 0) + 2)
        for (label, spec) in zip(labels, all) {
            let padded = label.count < width ? label + String(repeating: " ", count: width - label.count) : label + "\n" + String(repeating: " ", count: width + 2)
            text += "  \(padded)\(spec.help)\n"
        }
        return text
    }
}

/// Common options, declared once.
enum CommonOptions {
    static let json = OptionSpec(long: "json", help: "Print one JSON document instead of text.")
    static let options = OptionSpec(long: "options", value: "OPTIONS.json",
                                    help: "The model's options.json (native files embed theirs).")
    static let vocab = OptionSpec(long: "vocab", value: "VOCAB.txt",
                                  help: "Vocabulary of a token-input model, one token per line (.elmk files embed theirs).")
    static let force = OptionSpec(long: "force", short: "f", help: "Overwrite the output file if it exists.")
    /// Taken out of argv before parsing (`Isolation`); listed so that every help shows it.
    static let noIsolation = OptionSpec(long: "no-isolation",
                                        help: "Read HDF5 inputs in this process, not a child (a libhdf5 crash then kills elmokit).")
    static func output(_ what: String) -> OptionSpec {
        OptionSpec(long: "output", short: "o", value: "PATH", help: what)
    }
}
