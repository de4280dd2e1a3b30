import ELMoKit

struct ConvertCommand: Command {
    static let name = "convert"
    static let abstract = "TODO"
    static let usage = "TODO"
    static let options: [OptionSpec] = []
    static func run(_ args: Arguments, _ out: Output) throws -> Int32 { 2 }
}
