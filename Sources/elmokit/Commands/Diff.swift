import ELMoKit

struct DiffCommand: Command {
    static let name = "diff"
    static let abstract = "TODO"
    static let usage = "TODO"
    static let options: [OptionSpec] = []
    static func run(_ args: Arguments, _ out: Output) throws -> Int32 { 2 }
}
