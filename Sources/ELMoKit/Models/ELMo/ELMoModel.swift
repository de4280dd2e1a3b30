import Foundation

/// An ELMo biLM bound to its weights: the char CNN (or token embedding), highway layers,
/// projection and the LSTM stacks, all as float32 views (zero-copy from a native float32 file).
/// Immutable and shareable; per-run buffers and state live in `ELMoRunner`.
public final class ELMoModel: @unchecked Sendable {
    public let options: ELMoOptions
    public let source: WeightSource

    struct Highway { let wCarry, bCarry, wTransform, bTransform: FloatTensor }
    struct LSTMCell {
        /// (in + P, 4D): rows [input; previous h], gate columns (i, j, f, o).
        let w0: FloatTensor
        /// (4D,) without the +1 forget bias, which is added at run time.
        let bias: FloatTensor
        /// (D, P), absent when P == D.
        let projection: FloatTensor?
    }

    // (261, E): rows for unshifted char ids; id 0 after the shift is the zero padding row.
    let charEmbed: FloatTensor?
    // (1, w, E, n) per filter bank, used as a (w*E, n) matrix, and its (n,) bias.
    let convWeights: [FloatTensor], convBiases: [FloatTensor]
    let highways: [Highway]
    // (F, P) and (P,); nil when F == P and the file has none.
    let projection: (weight: FloatTensor, bias: FloatTensor)?
    // (V, P) token embeddings of token-input models; row k is line k of the vocabulary.
    let tokenEmbedding: FloatTensor?
    /// Token → row of `tokenEmbedding`, for token-input models.
    let vocabulary: [String: Int]
    /// [direction][layer].
    let cells: [[LSTMCell]]
    /// bilm-tf's `LSTMCell(forget_bias=1.0)`, applied at run time, never folded into the weights.
    public let forgetBias: Float = 1.0

    /// Binds every tensor the options call for, checking each shape; throws one error listing
    /// every missing or mis-shaped tensor.
    /// - Parameter vocabulary: one token per row of `embedding`, required for token-input models
    ///   (bilm-tf `TokenBatcher`: unknown tokens take the `<UNK>` row, or the zero padding row without one).
    public init(weights: WeightSource, options: ELMoOptions, vocabulary: [String]? = nil) throws {
        self.options = options
        self.source = weights
        let available = Set(weights.tensorInfos.map(\.name))
        var problems: [String] = []
        var bound: [String: FloatTensor] = [:]
        for expected in ELMoArchitecture.expectedTensors(options) {
            guard let actual = ELMoArchitecture.resolve(expected.name, in: available, options: options) else {
                if let other = weights.hdf5?.nonFloatDatasets.first(where: { $0.path == expected.name }) {
                    problems.append("tensor '\(expected.name)' holds \(other.type), expected float \(expected.shape)")
                } else if expected.required {
                    problems.append("missing tensor '\(expected.name)' \(expected.shape)")
                }
                continue
            }
            let info = weights.info(actual)!
            let shapeOK = info.shape.count == expected.shape.count
                && zip(info.shape, expected.shape).allSatisfy { $1 < 0 || $0 == $1 }
            guard shapeOK else {
                problems.append("tensor '\(actual)' has shape \(info.shape), expected \(expected.shape)")
                continue
            }
            bound[expected.name] = try weights.float32(actual)
        }
        guard problems.isEmpty else {
            throw ELMoKitError(.shapeMismatch, "weights do not match the options: " + problems.joined(separator: "; "),
                               file: weights.path)
        }
        if let cnn = options.charCNN {
            charEmbed = bound["char_embed"]
            convWeights = (0..<cnn.filters.count).map { bound["CNN/W_cnn_\($0)"]! }
            convBiases = (0..<cnn.filters.count).map { bound["CNN/b_cnn_\($0)"]! }
            highways = (0..<cnn.nHighway).map { k in
                Highway(wCarry: bound["CNN_high_\(k)/W_carry"]!, bCarry: bound["CNN_high_\(k)/b_carry"]!,
                        wTransform: bound["CNN_high_\(k)/W_transform"]!, bTransform: bound["CNN_high_\(k)/b_transform"]!)
            }
            if let w = bound["CNN_proj/W_proj"], let b = bound["CNN_proj/b_proj"] { projection = (w, b) } else { projection = nil }
            tokenEmbedding = nil
        } else {
            charEmbed = nil
            convWeights = []
            convBiases = []
            highways = []
            projection = nil
            let embedding = bound["embedding"]!
            guard let vocabulary else {
                throw ELMoKitError(.usage, "this is a token-input model (no char_cnn): pass --vocab VOCAB.txt", file: weights.path)
            }
            if let mismatch = Self.vocabularyMismatch(vocabulary, weights) {
                throw ELMoKitError(.shapeMismatch, mismatch, file: weights.path, tensor: "embedding")
            }
            tokenEmbedding = embedding
        }
        var index: [String: Int] = [:]
        for (row, token) in (vocabulary ?? []).enumerated() where index[token] == nil { index[token] = row }
        self.vocabulary = index
        cells = (0..<options.directionCount).map { d in
            (0..<options.nLayers).map { l in
                let scope = ELMoArchitecture.cellScope(direction: d, layer: l)
                return LSTMCell(w0: bound["\(scope)/W_0"]!, bias: bound["\(scope)/B"]!, projection: bound["\(scope)/W_P_0"])
            }
        }
    }

    /// Loads weights from any supported file; options come from `optionsPath`, or from the file
    /// itself for native checkpoints that embed them.
    /// - Parameter checkIntegrity: verify a native file's CRCs and SHA-256 before trusting its
    ///   weights (≈0.2 s for a full-size model); a damaged file is an error naming the tensor.
    public convenience init(weightsPath: String, optionsPath: String?, vocabularyPath: String? = nil,
                            checkIntegrity: Bool = true) throws {
        let source = try openWeights(weightsPath)
        if checkIntegrity, let native = source as? NativeCheckpoint { try native.verifyIntegrity() }
        let options = try ELMoModel.options(for: source, optionsPath: optionsPath)
        try self.init(weights: source, options: options,
                      vocabulary: try ELMoModel.vocabulary(for: source, path: vocabularyPath, options: options))
    }

    /// The vocabulary of a token-input model: `path` (one token per line); else the one the file
    /// embeds (a native checkpoint, an `elmokit export`); else an archive's or the one vocabulary
    /// file beside the weights (`*vocab*.txt`). Character models have none, and `--vocab` given
    /// for one is an error rather than silently unused; a token-input model without one cannot
    /// run, so that is an error too.
    public static func vocabulary(for source: WeightSource, path: String?, options: ELMoOptions) throws -> [String]? {
        guard options.charCNN == nil else {
            if let path {
                throw ELMoKitError(.usage, "--vocab \(path) is for token-input models; this model has a character CNN and needs none",
                                   file: source.path)
            }
            return nil
        }
        if let path { return try readVocabulary(path) }
        if let list = source.embeddedMetadata?["vocabulary"]?.arrayValue { return list.compactMap(\.stringValue) }
        if let archive = source as? ReleaseArchiveWeights {
            // An archive is the whole release: never fall back to a file beside it.
            if let file = archive.vocabularyPath { return try archive.vocabulary(file) }
            let found = archive.vocabularyCandidates.isEmpty ? "none" : archive.vocabularyCandidates.joined(separator: ", ")
            throw ELMoKitError(.usage, "this is a token-input model (no char_cnn) and the archive holds no single *vocab*.txt "
                               + "(found: \(found)): pass --vocab VOCAB.txt", file: source.path)
        }
        let beside = filesBeside(source.path, containing: "vocab", suffix: ".txt")
        if let chosen = beside.chosen { return try readVocabulary(chosen) }
        let hint = beside.candidates.isEmpty ? "" : " (found \(beside.candidates.joined(separator: ", ")) beside it: which one?)"
        throw ELMoKitError(.usage, "this is a token-input model (no char_cnn): pass --vocab VOCAB.txt\(hint)", file: source.path)
    }

    /// Why `vocabulary` does not fit the `embedding` of `weights` (one token per row), if it does not.
    static func vocabularyMismatch(_ vocabulary: [String], _ weights: WeightSource) -> String? {
        guard let rows = weights.info("embedding")?.shape.first, rows != vocabulary.count else { return nil }
        return "the vocabulary has \(vocabulary.count) tokens but 'embedding' has \(rows) rows"
    }

    static func readVocabulary(_ path: String) throws -> [String] {
        try TextFile.lines(path).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The options to use with `source`: an explicit options file wins; else the file's own
    /// (native, an archive's, an `elmokit export`); else the one options file beside the weights.
    public static func options(for source: WeightSource, optionsPath: String?) throws -> ELMoOptions {
        try resolveOptions(for: source, optionsPath: optionsPath).options
    }

    /// `options(for:optionsPath:)`, with the options file it read (nil when the source embeds them).
    public static func resolveOptions(for source: WeightSource, optionsPath: String?) throws -> (options: ELMoOptions, file: String?) {
        if let optionsPath { return (try ELMoOptions(path: optionsPath), optionsPath) }
        if let metadata = source.embeddedMetadata {
            if let architecture = metadata["architecture"]?.stringValue, architecture != "elmo" {
                throw notELMo(source.path, architecture)
            }
            if let config = metadata["config"] { return (try ELMoOptions(json: config, file: source.path), nil) }
        }
        if let archive = source as? ReleaseArchiveWeights { return (try archive.options(), nil) }
        if KerasLayout.detect(source.path) != nil { throw notELMo(source.path, KerasConverter.architecture) }
        let found = optionsBeside(source.path)
        guard let chosen = found.chosen else {
            let hint = found.candidates.isEmpty ? "" : " (found \(found.candidates.joined(separator: ", ")) beside it: which one?)"
            throw ELMoKitError(.usage, "this file does not embed its options; pass --options OPTIONS.json\(hint)", file: source.path)
        }
        var options = try ELMoOptions(path: chosen)
        options.notes.insert("options read from \(chosen), the one options file beside the weights (--options picks another)", at: 0)
        return (options, chosen)
    }

    /// A model of another architecture handed to a command that runs ELMo.
    static func notELMo(_ path: String, _ architecture: String) -> ELMoKitError {
        ELMoKitError(.usage, "this is a \(architecture) model, not ELMo: embed and verify --sentences run ELMo models "
                     + "(verify a Keras recurrent model with --keras-io X.io.h5)", file: path)
    }

    /// The options files beside a bare weight file (`*options*.json` in its folder), and the one
    /// to use when that is unambiguous: the only candidate, or the only one sharing the weights'
    /// name up to "weights"/"options" (`elmo_2x4096_…_weights.hdf5` ↔ `elmo_2x4096_…_options.json`,
    /// as AllenNLP names its downloads).
    public static func optionsBeside(_ weightsPath: String) -> (chosen: String?, candidates: [String]) {
        filesBeside(weightsPath, containing: "options", suffix: ".json")
    }

    /// The one vocabulary file (`*vocab*.txt`) beside a weight file, if there is exactly one.
    public static func vocabularyBeside(_ weightsPath: String) -> String? {
        filesBeside(weightsPath, containing: "vocab", suffix: ".txt").chosen
    }

    /// Files in the folder of `weightsPath` whose name contains `word` and ends with `suffix`, and
    /// the one to use: the only candidate, or the only one whose name up to `word` equals the
    /// weights' name up to "weights".
    static func filesBeside(_ weightsPath: String, containing word: String, suffix: String) -> (chosen: String?, candidates: [String]) {
        let folder = (weightsPath as NSString).deletingLastPathComponent
        let candidates = ((try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder)) ?? [])
            .filter { $0.lowercased().hasSuffix(suffix) && $0.lowercased().contains(word) }.sorted()
        func stem(_ name: String, before word: String) -> String? {
            name.lowercased().range(of: word, options: .backwards).map { String(name.lowercased()[..<$0.lowerBound]) }
        }
        let weightsStem = stem((weightsPath as NSString).lastPathComponent, before: "weights")
        let sameStem = candidates.filter { weightsStem != nil && stem($0, before: word) == weightsStem }
        let pick = candidates.count == 1 ? candidates[0] : sameStem.count == 1 ? sameStem[0] : nil
        return (pick.map { (folder as NSString).appendingPathComponent($0) }, candidates)
    }

    // MARK: - Packed weights

    /// Every matrix of the pass, packed for the batch-independent kernel (`PackedMatrix`). Not
    /// OpenBLAS: its sgemm kernels on some CPUs (AVX-512 ones among them) round a row differently
    /// depending on how many rows share the call, which would break stateless bit-identity.
    struct PackedWeights {
        struct Cell { let input, recurrent: PackedMatrix, projection: PackedMatrix? }
        struct Highway { let carry, transform: PackedMatrix }
        let convolutions: [PackedMatrix]
        let highways: [Highway]
        let projection: PackedMatrix?
        /// [direction][layer].
        let cells: [[Cell]]

        var byteCount: Int {
            let matrices = convolutions + highways.flatMap { [$0.carry, $0.transform] } + [projection].compactMap { $0 }
                + cells.joined().flatMap { [$0.input, $0.recurrent] + [$0.projection].compactMap { $0 } }
            return matrices.reduce(0) { $0 + $1.byteCount }
        }
    }

    private let packLock = NSLock()
    private var packedWeights: PackedWeights?

    /// The packed weights, shared by every runner of this model; the first call packs them (about
    /// the size of the weights themselves), spread over `threads` threads.
    func packed(threads: Int = 1) -> PackedWeights {
        packLock.lock()
        defer { packLock.unlock() }
        if let packedWeights { return packedWeights }
        let P = options.projectionDim
        // One job per matrix, in a fixed order; threads take every `parts`-th job.
        var jobs: [(tensor: FloatTensor, rows: Range<Int>?)] = convWeights.map { ($0, nil) }
        jobs += highways.flatMap { [($0.wCarry, nil), ($0.wTransform, nil)] }
        jobs += [projection].compactMap { $0.map { ($0.weight, nil) } }
        for cell in cells.joined() {
            let inputRows = cell.w0.shape[0] - P
            jobs += [(cell.w0, 0..<inputRows), (cell.w0, inputRows..<(inputRows + P))]
            jobs += [cell.projection].compactMap { $0.map { ($0, nil) } }
        }
        var done = [PackedMatrix?](repeating: nil, count: jobs.count)
        let lock = NSLock()
        let parts = max(1, min(threads, jobs.count))
        Parallel.forEach(parts) { part in
            for i in stride(from: part, to: jobs.count, by: parts) {
                let matrix = PackedMatrix(jobs[i].tensor, rows: jobs[i].rows)
                lock.lock()
                done[i] = matrix
                lock.unlock()
            }
        }
        var next = done.makeIterator()
        func take() -> PackedMatrix { next.next()!! }
        let convolutions = convWeights.map { _ in take() }
        let packedHighways = highways.map { _ in PackedWeights.Highway(carry: take(), transform: take()) }
        let packedProjection = projection.map { _ in take() }
        let packedCells = cells.map { row in
            row.map { cell in PackedWeights.Cell(input: take(), recurrent: take(), projection: cell.projection.map { _ in take() }) }
        }
        let result = PackedWeights(convolutions: convolutions, highways: packedHighways, projection: packedProjection,
                                   cells: packedCells)
        packedWeights = result
        return result
    }

    /// Bytes of packed weights held (0 until the first embed).
    public var packedByteCount: Int {
        packLock.lock()
        defer { packLock.unlock() }
        return packedWeights?.byteCount ?? 0
    }

    // MARK: - Token embedding: char CNN → max over time → activation → highway → projection

    /// Tokens per char-CNN pass: bounds the scratch memory (the widest filter bank's output is
    /// tokens × 50 × n floats) while keeping the GEMMs large.
    static let charCNNChunk = 64

    /// Context-free token vectors (n, P) for `tokens`, computed in chunks to bound memory.
    func tokenVectors(_ tokens: [String]) -> [Float] {
        var out = [Float](repeating: 0, count: tokens.count * options.projectionDim)
        out.withUnsafeMutableBufferPointer { tokenVectors(tokens[...], into: $0.baseAddress!) }
        return out
    }

    /// Writes the (n, P) token vectors of `tokens` to `out`. Each token's vector depends only on
    /// the token (every product is one fixed chain per element), so any split of the tokens,
    /// across calls or threads, gives the same values. `threads` > 1 splits each product's columns.
    func tokenVectors(_ tokens: ArraySlice<String>, into out: UnsafeMutablePointer<Float>, threads: Int = 1) {
        let P = options.projectionDim
        guard let cnn = options.charCNN else {
            embeddingRows(tokens, into: out)
            return
        }
        let packed = packed(threads: threads)
        let scratch = CharCNNScratch()
        var start = tokens.startIndex
        while start < tokens.endIndex {
            let end = min(start + Self.charCNNChunk, tokens.endIndex)
            charCNNForward(tokens[start..<end], cnn, packed, scratch, threads: threads, into: out + (start - tokens.startIndex) * P)
            start = end
        }
    }

    /// Token-input models: one `embedding` row per token; unknown tokens take `<UNK>`'s row, or
    /// zeros (bilm-tf's padding row) when the vocabulary has none.
    private func embeddingRows(_ tokens: ArraySlice<String>, into out: UnsafeMutablePointer<Float>) {
        let P = options.projectionDim
        out.initialize(repeating: 0, count: tokens.count * P)
        tokenEmbedding!.withValues { table in
            for (t, token) in tokens.enumerated() {
                guard let row = vocabulary[token] ?? vocabulary["<UNK>"] else { continue }
                for p in 0..<P { out[t * P + p] = table[row * P + p] }
            }
        }
    }

    /// Reused buffers of one char-CNN caller.
    final class CharCNNScratch {
        let e = FloatBuffer(), y = FloatBuffer(), f = FloatBuffer()
        let gate = FloatBuffer(), transform = FloatBuffer()
    }

    private func charCNNForward(_ tokens: ArraySlice<String>, _ cnn: ELMoOptions.CharCNN, _ packed: PackedWeights,
                                _ s: CharCNNScratch, threads: Int, into out: UnsafeMutablePointer<Float>) {
        let N = tokens.count, C = cnn.maxCharactersPerToken, E = cnn.embeddingDim, F = cnn.totalFilters
        let encoder = CharacterEncoder(maxCharacters: C)
        // e (N*C, E): the char embedding of every slot; shifted id 0 is the zero row.
        let e = s.e.zeroed(N * C * E)
        charEmbed!.withValues { table in
            for (t, token) in tokens.enumerated() {
                for (slot, id) in encoder.ids(for: token).enumerated() where id > 0 {
                    (e + (t * C + slot) * E).update(from: table.baseAddress! + (Int(id) - 1) * E, count: E)
                }
            }
        }
        // Convolutions as one product per filter bank over all tokens: row τ of the patch matrix
        // is e[τ*E ..< (τ+w)*E], a contiguous run since e is (N*C, E) row-major, so the patch
        // matrix is e itself with row stride E (overlapping rows, no im2col copy).
        let f = s.f.ensure(N * F)
        var column = 0
        let relu = cnn.activation == "relu"
        for (i, filter) in cnn.filters.enumerated() {
            let w = filter.width, n = filter.count
            let rows = N * C - w + 1
            let y = s.y.zeroed(rows * n)
            packed.convolutions[i].multiplyAccumulate(e, lda: E, into: y, ldc: n, m: rows, threads: threads)
            // Max over time, then bias and activation (bilm-tf's order).
            convBiases[i].withValues { bias in
                for t in 0..<N {
                    let best = y + t * C * n  // row τ = 0 of token t, reused as the running max
                    // C - w + 1 positions; a filter as wide as the token has only τ = 0.
                    for tau in stride(from: 1, through: C - w, by: 1) {
                        let row = y + (t * C + tau) * n
                        for m in 0..<n where row[m] > best[m] { best[m] = row[m] }
                    }
                    let dst = f + t * F + column
                    for m in 0..<n {
                        let v = best[m] + bias[m]
                        dst[m] = relu ? max(v, 0) : tanhf(v)
                    }
                }
            }
            column += n
        }
        // Highway (TF form): g = σ(f·W_carry + b_carry); f ← g ⊙ relu(f·W_transform + b_transform) + (1−g) ⊙ f.
        let gate = s.gate.ensure(N * F), transform = s.transform.ensure(N * F)
        for (layer, matrices) in zip(highways, packed.highways) {
            matrices.carry.affine(f, bias: layer.bCarry, into: gate, m: N, threads: threads)
            matrices.transform.affine(f, bias: layer.bTransform, into: transform, m: N, threads: threads)
            Kernels.highwayCombine(f, gate: gate, transform: transform, count: N * F)
        }
        // Projection to P.
        guard let projection, let matrix = packed.projection else {
            out.update(from: f, count: N * F)
            return
        }
        matrix.affine(f, bias: projection.bias, into: out, m: N, threads: threads)
    }
}
