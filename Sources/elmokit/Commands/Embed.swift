import ELMoKit

struct EmbedCommand: Command {
    static let name = "embed"
    static let abstract = "TODO"
    static let usage = "TODO"
    static let options: [OptionSpec] = []
    static func run(_ args: Arguments, _ out: Output) throws -> Int32 { 2 }
}
