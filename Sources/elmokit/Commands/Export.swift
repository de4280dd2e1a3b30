import ELMoKit

struct ExportCommand: Command {
    static let name = "export"
    static let abstract = "Write a checkpoint back out as HDF5 (bilm-tf layout), safetensors, or a Keras layout."
    static let usage = "export MODEL --to hdf5|safetensors|keras-h5|keras-model-h5|keras-legacy-weights-h5|keras3-weights-h5|keras -o OUT [--dtype TYPE] [--force] [--json]"
    static let discussion = """
    hdf5: one dataset per tensor under its bilm-tf name, loadable by bilm-tf and AllenNLP; the root
    attribute 'elmokit_metadata' carries the config and provenance so 'convert' restores the same
    checkpoint byte for byte. safetensors: tensors under the same names; '__metadata__' holds
    'architecture', 'config' and 'provenance' as JSON strings. The integrity of an .elmk input is
    verified first.
    Keras recurrent models (architecture keras-recurrent, or a Keras file): keras-h5 restores the
    layout the model was converted from (an archive's: its model.weights.h5), with the source's
    dataset paths and values; keras-model-h5 is the legacy model.save('x.h5') layout,
    keras-legacy-weights-h5 the legacy save_weights('x.h5') one, keras3-weights-h5 Keras 3's
    .weights.h5, keras a .keras archive.
    """
    static let options = [
        OptionSpec(long: "to", value: "FORMAT", help: "hdf5, safetensors, or a Keras target (see above)."),
        CommonOptions.output("The file to write."),
        OptionSpec(long: "options", value: "CONFIG.json", help: "Keras targets: the model config of a weights-only Keras input."),
        OptionSpec(long: "dtype", value: "TYPE", help: "Convert tensors to f32, f16, bf16 or f64 (default: as stored)."),
        CommonOptions.force,
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let input = try args.positionals(["model"])[0]
        guard let format = args.value("to") else { throw ELMoKitError(.usage, "missing --to hdf5|safetensors") }
        guard let destination = args.value("output") else { throw ELMoKitError(.usage, "missing -o OUT") }
        let dtype = try args.dtype()
        if KerasExporter.targets.contains(format) {
            let written = try ModelInput.exportKeras(input, target: format, optionsPath: args.value("options"), to: destination, dtype: dtype,
                                                     force: args.flag("force"))
            out.print("wrote \(destination): \(written.tensors) tensors (\(written.layout.rawValue))")
            return 0
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
            throw ELMoKitError(.usage, "'--to' must be hdf5, safetensors or one of \(KerasExporter.targets.joined(separator: ", ")), got '\(format)'")
        }
        if out.json {
            out.printJSON(.object([("output", JSONValue(destination)), ("format", JSONValue(format)),
                                   ("tensors", JSONValue(source.tensorInfos.count))]))
        } else {
            out.print("wrote \(destination): \(plural(source.tensorInfos.count, "tensor"))")
        }
        return 0
    }
}
