import ELMoKit

struct ConvertCommand: Command {
    static let name = "convert"
    static let abstract = "Convert ELMo (bilm-tf HDF5) or Keras recurrent weights into a native .elmk checkpoint."
    static let usage = "convert INPUT [--options OPTIONS.json] -o MODEL.elmk [--dtype f32|f16|bf16|f64] [--force]"
    static let discussion = """
    INPUT is a weight file (bilm-tf HDF5, Keras .h5/.weights.h5/.keras, safetensors, .elmk) or a
    release archive (.zip, .tar.gz, .tar) holding an options.json and a weights .hdf5. Conversion is
    lossless: values are copied bit for bit (no forget-bias folding, no reordering) unless --dtype
    asks for another precision; the choice is recorded in the provenance. The output is written to
    a temporary file beside it and renamed into place; the input is never modified.
    Keras files: the architecture comes from the file's model config (.h5 model_config, .keras
    config.json); for weights-only files it is inferred from shapes, every assumption noted, and
    --options CONFIG takes the real config (model.to_json(), a .keras or a full-model .h5).
    """
    static let options = [
        CommonOptions.options,
        CommonOptions.vocab,
        CommonOptions.output("The .elmk file to write."),
        OptionSpec(long: "dtype", value: "TYPE", help: "Store tensors as f32, f16, bf16 or f64 (default: as in the input)."),
        CommonOptions.force,
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let input = try args.positionals(["input"])[0]
        guard let destination = args.value("output") else { throw ELMoKitError(.usage, "missing -o MODEL.elmk") }
        let dtype = try args.dtype()
        let bar = ProgressBar("converting")
        let summary = try ModelInput.convert(input, optionsPath: args.value("options"), vocabularyPath: args.value("vocab"),
                                             destination: destination,
                                             dtype: dtype, force: args.flag("force")) { bar.update($0, $1) }
        bar.finish()
        if out.json {
            out.printJSON(.object([("output", JSONValue(summary.output)), ("tensors", JSONValue(summary.tensorCount)),
                                   ("bytes", JSONValue(summary.bytes)), ("content_sha256", JSONValue(summary.sha256)),
                                   ("metadata", summary.metadata), ("warnings", .array(summary.warnings.map { JSONValue($0) }))]))
        } else {
            for warning in summary.warnings { out.note("elmokit: warning: \(warning)") }
            out.print("wrote \(summary.output): \(plural(summary.tensorCount, "tensor")), \(summary.bytes) bytes of data, content sha256 \(summary.sha256)")
        }
        return 0
    }
}
