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
                if expected.required { problems.append("missing tensor '\(expected.name)' \(expected.shape)") }
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
            guard vocabulary.count == embedding.shape[0] else {
                throw ELMoKitError(.shapeMismatch, "the vocabulary has \(vocabulary.count) tokens but 'embedding' has \(embedding.shape[0]) rows",
                                   file: weights.path, tensor: "embedding")
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
        try self.init(weights: source, options: try ELMoModel.options(for: source, optionsPath: optionsPath),
                      vocabulary: try ELMoModel.vocabulary(for: source, path: vocabularyPath))
    }

    /// A vocabulary file (one token per line), or the one a native checkpoint embeds.
    public static func vocabulary(for source: WeightSource, path: String?) throws -> [String]? {
        if let path {
            return try TextFile.lines(path).map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        if let native = source as? NativeCheckpoint, let list = native.metadata["vocabulary"]?.arrayValue {
            return list.compactMap(\.stringValue)
        }
        return nil
    }

    /// The options to use with `source`: an explicit options file wins; else a native file's own.
    public static func options(for source: WeightSource, optionsPath: String?) throws -> ELMoOptions {
        if let optionsPath { return try ELMoOptions(path: optionsPath) }
        if let native = source as? NativeCheckpoint, let config = native.metadata["config"] {
            return try ELMoOptions(json: config, file: native.path)
        }
        if let h5 = source as? HDF5Weights, let config = HDF5Writer.embeddedMetadata(h5.file)?["config"] {
            return try ELMoOptions(json: config, file: h5.path)
        }
        if let st = source as? SafetensorsFile, let text = st.metadata["config"], let config = try? JSONParser.parse(text) {
            return try ELMoOptions(json: config, file: st.path)
        }
        let folder = (source.path as NSString).deletingLastPathComponent
        let beside = (try? FileManager.default.contentsOfDirectory(atPath: folder.isEmpty ? "." : folder))?
            .filter { $0.lowercased().hasSuffix(".json") && $0.lowercased().contains("options") }.sorted() ?? []
        let hint = beside.isEmpty ? "" : " (found \(beside.joined(separator: ", ")) beside it)"
        throw ELMoKitError(.usage, "this file does not embed its options; pass --options OPTIONS.json\(hint)", file: source.path)
    }

    // MARK: - Token embedding: char CNN → max over time → activation → highway → projection

    /// Context-free token vectors (n, P) for `tokens`, computed in chunks to bound memory.
    func tokenVectors(_ tokens: [String]) -> [Float] {
        let P = options.projectionDim
        var out = [Float](repeating: 0, count: tokens.count * P)
        guard let cnn = options.charCNN else { return embeddingRows(tokens) }
        let chunk = 256
        var start = 0
        while start < tokens.count {
            let end = min(start + chunk, tokens.count)
            let vectors = charCNNForward(Array(tokens[start..<end]), cnn)
            out.replaceSubrange((start * P)..<(end * P), with: vectors)
            start = end
        }
        return out
    }

    /// Token-input models: one `embedding` row per token; unknown tokens take `<UNK>`'s row, or
    /// zeros (bilm-tf's padding row) when the vocabulary has none.
    private func embeddingRows(_ tokens: [String]) -> [Float] {
        let P = options.projectionDim
        var out = [Float](repeating: 0, count: tokens.count * P)
        tokenEmbedding!.withValues { table in
            for (t, token) in tokens.enumerated() {
                guard let row = vocabulary[token] ?? vocabulary["<UNK>"] else { continue }
                for p in 0..<P { out[t * P + p] = table[row * P + p] }
            }
        }
        return out
    }

    private func charCNNForward(_ tokens: [String], _ cnn: ELMoOptions.CharCNN) -> [Float] {
        let N = tokens.count, C = cnn.maxCharactersPerToken, E = cnn.embeddingDim, F = cnn.totalFilters
        let encoder = CharacterEncoder(maxCharacters: C)
        // e (N*C, E): the char embedding of every slot; shifted id 0 is the zero row.
        var e = [Float](repeating: 0, count: N * C * E)
        let table = charEmbed!.values
        for (t, token) in tokens.enumerated() {
            for (s, id) in encoder.ids(for: token).enumerated() where id > 0 {
                let row = Int(id) - 1
                for q in 0..<E { e[(t * C + s) * E + q] = table[row * E + q] }
            }
        }
        // Convolutions as one GEMM per filter bank over all tokens (im2col): row τ of the patch
        // matrix is e[τ*E ..< (τ+w)*E], a contiguous run since e is (N*C, E) row-major.
        var f = [Float](repeating: 0, count: N * F)
        var column = 0
        for (i, filter) in cnn.filters.enumerated() {
            let w = filter.width, n = filter.count
            let rows = N * C - w + 1
            var patches = [Float](repeating: 0, count: rows * w * E)
            patches.withUnsafeMutableBufferPointer { pp in
                e.withUnsafeBufferPointer { ep in
                    for r in 0..<rows {
                        (pp.baseAddress! + r * w * E).update(from: ep.baseAddress! + r * E, count: w * E)
                    }
                }
            }
            var y = [Float](repeating: 0, count: rows * n)
            patches.withUnsafeBufferPointer { pp in
                y.withUnsafeMutableBufferPointer { yp in
                    convWeights[i].withValues { wp in
                        BLAS.gemm(pp.baseAddress!, wp.baseAddress!, yp.baseAddress!, m: rows, n: n, k: w * E)
                    }
                }
            }
            let bias = convBiases[i].values
            let relu = cnn.activation == "relu"
            for t in 0..<N {
                for m in 0..<n {
                    var best = -Float.infinity
                    for tau in 0...(C - w) { best = max(best, y[(t * C + tau) * n + m]) }
                    let v = best + bias[m]
                    f[t * F + column + m] = relu ? max(v, 0) : tanhf(v)
                }
            }
            column += n
        }
        // Highway (TF form): g = σ(f·W_carry + b_carry); f ← g ⊙ relu(f·W_transform + b_transform) + (1−g) ⊙ f.
        var gate = [Float](repeating: 0, count: N * F)
        var transform = [Float](repeating: 0, count: N * F)
        for layer in highways {
            Kernels.affine(f, layer.wCarry, layer.bCarry, into: &gate, rows: N)
            Kernels.affine(f, layer.wTransform, layer.bTransform, into: &transform, rows: N)
            for k in 0..<(N * F) {
                let g = Kernels.sigmoid(gate[k])
                f[k] = g * max(transform[k], 0) + (1 - g) * f[k]
            }
        }
        // Projection to P.
        guard let projection else { return f }
        var x = [Float](repeating: 0, count: N * options.projectionDim)
        Kernels.affine(f, projection.weight, projection.bias, into: &x, rows: N)
        return x
    }
}
