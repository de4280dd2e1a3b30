import ELMoKit

struct ExportCommand: Command {
    static let name = "export"
    static let abstract = "Write a checkpoint back out as HDF5 (bilm-tf layout) or safetensors."
    static let usage = "export MODEL --to hdf5|safetensors -o OUT [--dtype TYPE] [--force] [--json]"
    static let discussion = """
    hdf5: one dataset per tensor under its bilm-tf name, loadable by bilm-tf and AllenNLP; the root
    attribute 'elmokit_metadata' carries the config and provenance so 'convert' restores the same
    checkpoint byte for byte. safetensors: tensors under the same names; '__metadata__' holds
    'architecture', 'config' and 'provenance' as JSON strings. The integrity of an .elmk input is
    verified first.
    """
    static let options = [
        OptionSpec(long: "to", value: "FORMAT", help: "hdf5 or safetensors."),
        CommonOptions.output("The file to write."),
        OptionSpec(long: "dtype", value: "TYPE", help: "Convert tensors to f32, f16, bf16 or f64 (default: as stored)."),
        CommonOptions.force,
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let input = try args.positionals(["model"])[0]
        guard let format = args.value("to") else { throw ELMoKitError(.usage, "missing --to hdf5|safetensors") }
        guard let destination = args.value("output") else { throw ELMoKitError(.usage, "missing -o OUT") }
        var dtype: DType? = nil
        if let name = args.value("dtype") {
            guard let d = DType(name: name) else { throw ELMoKitError(.usage, "'--dtype' must be f32, f16, bf16 or f64, got '\(name)'") }
            dtype = d
        }
        let source = try openWeights(input)
        var metadata: JSONValue? = nil
        if let native = source as? NativeCheckpoint {
            try native.verifyIntegrity()
            metadata = native.metadata
        }
        switch format {
        case "hdf5", "h5":
            try ModelInput.exportHDF5(source, metadata: metadata, to: destination, dtype: dtype, force: args.flag("force"))
        case "safetensors":
            var strings: [String: String] = [:]
            for (key, value) in metadata?.objectValue ?? [] {
                strings[key] = value.stringValue ?? value.canonicalString()
            }
            try SafetensorsFile.write(from: source, to: destination, metadata: strings, dtype: dtype, force: args.flag("force"))
        default:
            throw ELMoKitError(.usage, "'--to' must be hdf5 or safetensors, got '\(format)'")
        }
        if out.json {
            out.printJSON(.object([("output", JSONValue(destination)), ("format", JSONValue(format)),
                                   ("tensors", JSONValue(source.tensorInfos.count))]))
        } else {
            out.print("wrote \(destination): \(source.tensorInfos.count) tensors")
        }
        return 0
    }
}
