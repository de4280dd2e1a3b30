import ELMoKit
import Foundation

struct EmbedCommand: Command {
    static let name = "embed"
    static let abstract = "Compute ELMo embeddings for a text file, one sentence per line."
    static let usage = "embed MODEL --input sentences.txt|- -o out.hdf5 [--all | --top | --average | --mix w0,w1,… [--gamma G] [--layer-norm]] [--batch-size N] [--stateful] [--threads N] [--shard i/n] [--force] [--json]"
    static let discussion = """
    Output layout = the 'allennlp elmo' command's: dataset "<line>" per sentence (line numbers from
    0), float32, (L+1, n, 2P) with --all (default) or (n, 2P) with --top / --average, plus
    'sentence_to_index', a (1,) string dataset holding a JSON map from each line (stripped, as
    AllenNLP keys it) to its dataset name; a repeated line keeps its first place and its last key.

    Input: UTF-8 text, one sentence per line (--input - reads standard input); a line ends at LF,
    CRLF or CR. Invalid UTF-8 is an error naming the line and byte (exit 2) and nothing is written. Tokens are split exactly as
    Python's str.split() splits them in AllenNLP and bilm-tf: on Unicode whitespace and
    U+001C-U+001F, nothing else (a combining mark after a space starts the next token).
    Empty lines, and lines of only whitespace, give a (L+1, 0, 2P) dataset (AllenNLP refuses them).
    Odd tokens are embedded as bilm-tf and AllenNLP embed them: a token longer than 48 UTF-8 bytes
    is cut to its first 48 bytes, even inside a multibyte character; the literal tokens <S> and
    </S> get the sentence-boundary codes; control characters are ordinary bytes.

    Stateless by default: each sentence starts from zero LSTM state, so its embedding does not
    depend on its neighbours, to the bit, whatever --batch-size and --threads. Lines are bucketed:
    a window of lines (about 8k tokens) is sorted by length and cut into batches of similar
    lengths, and results are written in input order; every dataset is identical to an unbucketed
    run's. Very long lines: a batch holds at most max(4096, 128 x batch size) tokens, so a longer
    line runs in a batch of its own, and the forward pass's memory follows the longest line (for
    the original model about 22 KiB per token of it with --all), not the number of lines. The
    input's lines and the sentence_to_index map are held in memory, as in AllenNLP.
    --stateful carries LSTM state from batch to batch as AllenNLP's ElmoEmbedder does: batches are
    --batch-size consecutive lines, never reordered or split, and results depend on --batch-size.
    --threads 1 runs on one core; 2 or more run the forward and backward LSTMs concurrently
    (default: one per core).
    --shard i/n processes lines i, i+n, i+2n, ... (keys stay the global line numbers), to split a
    corpus across machines or a Slurm array.
    --mix w0,w1,… [--gamma G] [--layer-norm] writes AllenNLP's scalar mix, (n, 2P), instead of
    the layers; --layer-norm normalises each layer over the sentence's own tokens (AllenNLP uses
    the whole batch, which would make a sentence depend on its neighbours).
    A progress bar with tokens/s is drawn on stderr only when stderr is a terminal.
    """
    static let options = [
        CommonOptions.options,
        CommonOptions.vocab,
        OptionSpec(long: "input", short: "i", value: "FILE", help: "Sentences, one per line ('-': standard input)."),
        CommonOptions.output("The HDF5 file to write."),
        OptionSpec(long: "all", help: "Write every layer, (L+1, n, 2P) (default)."),
        OptionSpec(long: "top", help: "Write the top layer only, (n, 2P)."),
        OptionSpec(long: "average", help: "Write the mean of the layers, (n, 2P)."),
        OptionSpec(long: "mix", value: "w0,w1,…", help: "Write a scalar mix γ·Σ softmax(w)_k·layer_k, (n, 2P), one weight per layer."),
        OptionSpec(long: "gamma", value: "G", help: "With --mix: scale of the scalar mix (default 1)."),
        OptionSpec(long: "layer-norm", help: "With --mix: normalise each layer over the sentence's tokens before mixing."),
        OptionSpec(long: "batch-size", short: "b", value: "N", help: "Sentences per batch, 1 to 4096 (default 32)."),
        OptionSpec(long: "stateful", help: "Carry LSTM state across batches (AllenNLP behaviour)."),
        OptionSpec(long: "threads", short: "t", value: "N", help: "Threads, 0 to 256; 0 or absent: one per core."),
        OptionSpec(long: "shard", value: "i/n", help: "Process only lines i, i+n, i+2n, … (0 <= i < n)."),
        OptionSpec(long: "no-integrity-check", help: "Skip the CRC-32/SHA-256 check of an .elmk model (about 0.25 s per GB)."),
        CommonOptions.force,
        CommonOptions.json,
    ]

    static func run(_ args: Arguments, _ out: Output) throws -> Int32 {
        let modelPath = try args.positionals(["model"])[0]
        guard let input = args.value("input") else { throw ELMoKitError(.usage, "missing --input FILE") }
        guard let destination = args.value("output") else { throw ELMoKitError(.usage, "missing -o OUT.hdf5") }
        guard destination != "-" else {
            throw ELMoKitError(.usage, "-o - is not supported: HDF5 is written in place (seeks), not streamed; give a file path")
        }
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
        } else if let orphan = ["gamma", "layer-norm"].first(where: { args.value($0) != nil || args.flag($0) }) {
            throw ELMoKitError(.usage, "--\(orphan) applies to the scalar mix: give --mix w0,w1,… with it")
        }
        let batchSize = try args.int("batch-size", default: 32, range: 1...4096)
        let threads = try args.int("threads", default: 0, range: 0...256)
        var shard = (index: 0, count: 1)
        if let text = args.value("shard") {
            let parts = text.split(separator: "/").compactMap { Int($0) }
            guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else {
                throw ELMoKitError(.usage, "'--shard' must be i/n with 0 <= i < n, got '\(text)'")
            }
            shard = (parts[0], parts[1])
        }
        let lines = input == "-"
            ? try TextFile.lines(of: Array(FileHandle.standardInput.readDataToEndOfFile()), file: "<stdin>")
            : try TextFile.lines(input)
        let model = try ELMoModel(weightsPath: modelPath, optionsPath: args.value("options"), vocabularyPath: args.value("vocab"),
                                  checkIntegrity: !args.flag("no-integrity-check"))
        let runner = ELMoRunner(model: model, stateful: args.flag("stateful"),
                                threads: threads == 0 ? ProcessInfo.processInfo.activeProcessorCount : threads)
        let mine = lines.indices.filter { $0 % shard.count == shard.index }
        let sentences = mine.map { SentenceSet.tokens(lines[$0]) }
        let output = try EmbeddingOutputFile(destination: destination, selection: selection, force: args.flag("force"))
        let bar = ProgressBar("embedding")
        let totalTokens = sentences.reduce(0) { $0 + $1.count }
        var tokensDone = 0
        try EmbeddingBatcher(batchSize: batchSize).run(runner, sentences: sentences, emit: { i, embedding in
            try output.add(line: mine[i], sentence: SentenceSet.stripped(lines[mine[i]]), embedding: embedding,
                           mixed: try mix?.mix([embedding])[0])
        }, progress: { tokens in
            tokensDone += tokens
            let rate = bar.elapsed > 0 ? Int(Double(tokensDone) / bar.elapsed) : 0
            bar.update(tokensDone, max(totalTokens, 1), rate: "\(rate) tokens/s")
        })
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
