import ELMoKit
import Foundation

/// Entry point: dispatch to a command, map every error to one stderr line and an exit code
/// (docs/ERRORS.md). Nothing below this function calls exit().
let commands: [Command.Type] = [
    InspectCommand.self, ConvertCommand.self, ExportCommand.self, DiffCommand.self,
    ValidateCommand.self, VerifyCommand.self, EmbedCommand.self,
]

let version = ELMoKitVersion.string

@MainActor func topLevelHelp() -> String {
    var text = """
    elmokit \(version): convert, inspect, validate, verify and run ELMo and recurrent-network weights.

    USAGE: elmokit <command> [options]

    COMMANDS:

    """
    for command in commands {
        text += "  " + NumberFormat.pad(command.name, 10) + command.abstract + "\n"
    }
    text += """

    Run 'elmokit help <command>' for a command's options; 'elmokit --version' prints the version.
    --json (any command, before or after its name) prints one JSON document instead of text.

    HDF5 inputs are read in a child process, so a libhdf5 crash on a malformed file is reported as
    an error (E_HDF5_CRASHED) instead of killing elmokit; --no-isolation reads them in-process.

    EXIT STATUS: 0 success; 1 a check ran and failed (validate, verify, diff, integrity);
                 2 usage error or unreadable input; 3 output could not be written.
    """
    return text
}

@MainActor func runMain(_ arguments: [String]) -> Int32 {
    var argv = arguments
    let inProcess = Isolation.strip(&argv)
    // `elmokit --json inspect x` means `elmokit inspect x --json`: --json is the one option every
    // command has, so it may come before the command name too.
    if let command = argv.firstIndex(where: { $0 != "--json" }) {
        argv = Array(argv[command...]) + Array(argv[..<command])
    } else {
        argv = []  // no command at all: the help, exit 2
    }
    let wantsJSON = argv.contains("--json")
    do {
        guard let first = argv.first else {
            Output.write(topLevelHelp() + "\n", to: 2)
            return 2
        }
        switch first {
        case "--help", "-h":
            Output(json: false).print(topLevelHelp())
            return 0
        case "--version":
            Output(json: false).print("elmokit \(version)")
            return 0
        case "help":
            argv.removeAll { $0 == "--json" }  // help is text
            guard argv.count > 1, argv[1] != "help" else { Output(json: false).print(topLevelHelp()); return 0 }
            guard let command = commands.first(where: { $0.name == argv[1] }) else {
                throw ELMoKitError(.usage, "unknown command '\(argv[1])'; see 'elmokit --help'")
            }
            Output(json: false).print(command.help)
            return 0
        default:
            guard let command = commands.first(where: { $0.name == first }) else {
                throw ELMoKitError(.usage, "unknown command '\(first)'; see 'elmokit --help'")
            }
            let rest = Array(argv.dropFirst())
            if rest.contains("--help") || rest.contains("-h") {
                Output(json: false).print(command.help)
                return 0
            }
            do {
                let args = try Arguments(rest, specs: command.options)
                if let output = args.value("output") {
                    // Every other argument naming the same file is an input.
                    var others = rest
                    if let i = others.firstIndex(where: { $0 == output || $0 == "--output=\(output)" }) { others.remove(at: i) }
                    try FileArguments.checkOutput(output, arguments: others, force: args.flag("force"))
                }
                // Untrusted HDF5 is read in a child process (CLI/Isolation.swift, docs/ERRORS.md).
                if !inProcess, case let inputs = Isolation.untrustedInputs(rest), !inputs.isEmpty {
                    return try Isolation.runInChild(command: first, rest: rest, inputs: inputs, output: args.value("output"))
                }
                return try command.run(args, Output(json: args.flag("json")))
            } catch let error as ELMoKitError where error.code == .usage {
                reportError(error, json: wantsJSON, command: command.name)
                return error.exitCode
            }
        }
    } catch let error as ELMoKitError {
        reportError(error, json: wantsJSON)
        return error.exitCode
    } catch {
        reportError(ELMoKitError(.readFailed, "\(error)"), json: wantsJSON)
        return 2
    }
}

/// One line on stderr; with --json, also a JSON error document on stdout for machines.
func reportError(_ error: ELMoKitError, json: Bool, command: String? = nil) {
    let helpCommand = command.map { "elmokit help \($0)" } ?? "elmokit --help"
    let usageHint = error.code == .usage && !error.message.contains("--help") ? " (see '\(helpCommand)')" : ""
    Output.write("elmokit: error: \(terminalSafe(error.description, keepingLines: false))\(usageHint)\n", to: 2)
    if json {
        var members: [(String, JSONValue)] = [("code", JSONValue(error.code.rawValue)), ("message", JSONValue(error.message))]
        if let file = error.file { members.append(("file", JSONValue(file))) }
        if let tensor = error.tensor { members.append(("tensor", JSONValue(tensor))) }
        members.append(("exit_code", JSONValue(Int(error.exitCode))))
        Output(json: true).printJSON(.object([("error", .object(members))]))
    }
}

Isolation.enterChildIfIsolated()
var status = runMain(Array(CommandLine.arguments.dropFirst()))
if let failure = Output.stdoutFailure {
    // The work may be done (a file written), but what it printed was lost: not a success.
    reportError(ELMoKitError(.writeFailed, "cannot write standard output: \(failure)"), json: false)
    if status == 0 { status = 3 }
}
exit(status)
