import ELMoKit
import Foundation

struct EmbedCommand: Command {
    static let name = "embed"
    static let abstract = "Compute ELMo embeddings for a text file, one sentence per line."
    static let usage = "embed MODEL --input sentences.txt -o out.hdf5 [--all | --top | --average] [--batch-size N] [--stateful] [--threads N] [--shard i/n]"
    static let discussion = """
    Output layout = the 'allennlp elmo' command's: dataset "<line>" per sentence, float32,
    (L+1, n, 2P) with --all (default) or (n, 2P) with --top / --average, plus 'sentence_to_index'.
    Tokens are split on whitespace. An empty line gives a (L+1, 0, 2P) dataset (AllenNLP refuses
    blank lines). Stateless by default: each sentence starts from zero LSTM state, so its
    embedding does not depend on its neighbours; --stateful carries state from batch to batch as
    AllenNLP does. --shard i/n processes lines i, i+n, i+2n, … (keys stay the global line
    numbers), to split a corpus across machines or a Slurm array. --mix w0,w1,… [--gamma G]
    [--layer-norm] writes AllenNLP's scalar mix instead; with --layer-norm the statistics run over
    each batch, as in AllenNLP, so results then depend on --batch-size.
    """
    static let options = [
        CommonOptions.options,
        CommonOptions.vocab,
        OptionSpec(long: "input", short: "i", value: "FILE", help: "Sentences, one per line."),
        CommonOptions.output("The HDF5 file to write."),
        OptionSpec(long: "all", help: "Write every layer, (L+1, n, 2P) (default)."),
        OptionSpec(long: "top", help: "Write the top layer only, (n, 2P)."),
        OptionSpec(long: "average", help: "Write the mean of the layers, (n, 2P)."),
        OptionSpec(long: "mix", value: "w0,w1,…", help: "Write a scalar mix γ·Σ softmax(w)_k·layer_k, (n, 2P), one weight per layer."),
        OptionSpec(long: "gamma", value: "G", help: "Scale of the scalar mix (default 1)."),
        OptionSpec(long: "layer-norm", help: "Normalise each layer over the batch before mixing (AllenNLP do_layer_norm)."),
        OptionSpec(long: "batch-size", short: "b", value: "N", help: "Sentences per batch (default 32)."),
        OptionSpec(long: "stateful", help: "Carry LSTM state across batches (AllenNLP behaviour)."),
        OptionSpec(long: "threads", short: "t", value: "N", help: "BLAS threads; 0 or absent: one per core."),
        OptionSpec(long: "shard", value: "i/n", help: "Process only lines i, i+n, i+2n, … (0 <= i < n)."),
        CommonOptions.force,
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let modelPath = try args.positionals(["model"])[0]
        guard let input = args.value("input") else { throw ELMoKitError(.usage, "missing --input FILE") }
        guard let destination = args.value("output") else { throw ELMoKitError(.usage, "missing -o OUT.hdf5") }
        let chosen = ["all", "top", "average"].filter { args.flag($0) }
        guard chosen.count <= 1 else { throw ELMoKitError(.usage, "choose one of --all, --top, --average") }
        let selection = EmbeddingSelection(rawValue: chosen.first ?? "all")!
        var mix: ScalarMix? = nil
        if let text = args.value("mix") {
            guard chosen.isEmpty else { throw ELMoKitError(.usage, "--mix replaces --all/--top/--average; give one") }
            let weights = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard !weights.isEmpty, weights.allSatisfy({ $0?.isFinite ?? false }) else {
                throw ELMoKitError(.usage, "'--mix' must be comma-separated numbers, got '\(text)'")
            }
            mix = ScalarMix(weights: weights.map { $0! }, gamma: try args.double("gamma", default: 1), layerNorm: args.flag("layer-norm"))
        }
        let batchSize = try args.int("batch-size", default: 32, range: 1...4096)
        BLAS.setThreads(try args.int("threads", default: 0, range: 0...256))
        var shard = (index: 0, count: 1)
        if let text = args.value("shard") {
            let parts = text.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else {
                throw ELMoKitError(.usage, "'--shard' must be i/n with 0 <= i < n, got '\(text)'")
            }
            shard = (parts[0], parts[1])
        }
        let lines = try TextFile.lines(input)
        let model = try ELMoModel(weightsPath: modelPath, optionsPath: args.value("options"), vocabularyPath: args.value("vocab"))
        let runner = ELMoRunner(model: model, stateful: args.flag("stateful"))
        let mine = lines.indices.filter { $0 % shard.count == shard.index }
        let output = try EmbeddingOutputFile(destination: destination, selection: selection, force: args.flag("force"))
        let bar = ProgressBar("embedding")
        let totalTokens = mine.reduce(0) { $0 + SentenceSet.tokens(lines[$1]).count }
        var tokensDone = 0
        var start = 0
        while start < mine.count {
            let batch = Array(mine[start..<min(start + batchSize, mine.count)])
            let embeddings = runner.embed(batch.map { SentenceSet.tokens(lines[$0]) })
            let mixed = try mix?.mix(embeddings)
            for (i, (line, embedding)) in zip(batch, embeddings).enumerated() {
                try output.add(line: line, sentence: lines[line].trimmingCharacters(in: .whitespaces), embedding: embedding, mixed: mixed?[i])
                tokensDone += embedding.tokenCount
            }
            let rate = bar.elapsed > 0 ? Int(Double(tokensDone) / bar.elapsed) : 0
            bar.update(tokensDone, max(totalTokens, 1), rate: "\(rate) tokens/s")
            start += batchSize
        }
        try output.commit()
        bar.finish()
        if out.json {
            out.printJSON(.object([("output", JSONValue(destination)), ("sentences", JSONValue(mine.count)),
                                   ("tokens", JSONValue(tokensDone)), ("seconds", JSONValue(bar.elapsed))]))
        } else {
            out.print("wrote \(destination): \(plural(mine.count, "sentence")), \(plural(tokensDone, "token"))")
        }
        return 0
    }
}
