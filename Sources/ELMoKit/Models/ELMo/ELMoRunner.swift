import Foundation

/// The ELMo representations of one sentence: `layerCount` × `tokenCount` × `dim` floats,
/// layer-major (layer 0 = [token; token], layer k = [forward_k; backward_k]), boundaries removed.
public struct SentenceEmbedding: Sendable {
    public let tokenCount: Int
    public let layerCount: Int
    public let dim: Int
    public var values: [Float]

    /// The (tokenCount, dim) slice of layer `k`.
    public func layer(_ k: Int) -> ArraySlice<Float> {
        values[(k * tokenCount * dim)..<((k + 1) * tokenCount * dim)]
    }
}

/// Runs the biLM over batches of tokenised sentences. Stateless by default: every sentence
/// starts from zero state, so its output does not depend on its batch — not even at the bit
/// level (see "Batch independence" below). Stateful mode carries each batch row's final LSTM
/// state into the same row of the next batch (bilm-tf/AllenNLP semantics, elmo-formats §2.6), as
/// needed to reproduce their fixtures.
///
/// How a batch runs (docs/PERFORMANCE.md has the measurements):
/// - Rows are ordered longest first internally and stored time-major as a packed sequence: step t
///   holds only the rows still running, a prefix of the batch, so padding costs nothing.
/// - Token vectors come from a per-runner cache (the char CNN is context-free); missing tokens run
///   through the CNN in chunks of `ELMoModel.charCNNChunk`.
/// - Per layer and direction, the input side `x @ W_0[:in] + B` is one product per chunk of about
///   `inputChunkRows` positions; the recurrent side `h @ W_0[in:]` and the projection are one call
///   per time step across the batch. All products go through `PackedMatrix` (weights packed once
///   per model).
/// - Gate math is vectorised (CELMoKernels); no buffer is allocated inside the step loop.
/// - With `threads` ≥ 2 the forward and backward stacks run concurrently, one thread each; the
///   char CNN splits its tokens the same way.
///
/// Batch independence: each output element of every product (char CNN, highway, projections,
/// both LSTM sides) is one fused multiply-add chain in a fixed order whatever the batch, the
/// thread count or the CPU's vector width; the elementwise kernels are per element. (OpenBLAS's
/// sgemm is not used: on AVX-512 CPUs its rounding of a row depends on the number of rows.)
public final class ELMoRunner {
    public let model: ELMoModel
    public let stateful: Bool
    /// Threads for `embed`: 1 runs everything on the calling thread; 2 or more run the two
    /// directions concurrently (unidirectional models split each large product's columns
    /// instead). Outputs are the same bits for any value.
    public var threads: Int
    /// The token cache is emptied when it would grow past this many tokens (memory bound:
    /// tokens × P × 4 bytes); outputs do not change, only speed.
    public var tokenCacheLimit = 65536
    /// Positions per input-side GEMM (bounds the gate buffer: rows × 4D floats).
    public var inputChunkRows = 384
    /// How `threads` ≥ 2 are used for bidirectional models: `.directions` runs the two stacks
    /// concurrently (the default, and faster: see docs/PERFORMANCE.md); `.columns` runs them one
    /// after the other and splits the columns of each large product (char CNN, input side).
    public var parallelism: Parallelism = .directions
    public enum Parallelism: String, Sendable { case directions, columns }

    /// Work done since the runner was made (or `reset`), for throughput figures.
    public struct Statistics: Sendable {
        /// Sentences and real tokens embedded.
        public var sentences = 0, tokens = 0
        /// LSTM positions run per direction and layer (tokens plus <S> and </S>).
        public var positions = 0
        /// Distinct tokens that went through the char CNN (cache misses).
        public var cnnTokens = 0
    }
    public private(set) var statistics = Statistics()

    /// Token vectors already computed in this run, row `tokenRow[token]` of `tokenStore` (rows × P).
    private var tokenRow: [String: Int] = [:]
    private var tokenStore: [Float] = []
    /// Carried state per [direction][layer]: h (rows, P) and c (rows, D), by batch row.
    private var carriedH: [[[Float]]]
    private var carriedC: [[[Float]]]
    private var carriedRows = 0
    /// Reused buffers: the input x, and one workspace per direction.
    private let xBuffer = FloatBuffer()
    private let workspaces: [Workspace]

    /// Per-direction buffers, reused across batches.
    final class Workspace: @unchecked Sendable {
        let reversed = FloatBuffer(), gates = FloatBuffer()
        let h = FloatBuffer(), c = FloatBuffer(), m = FloatBuffer()
        let outputs: [FloatBuffer]
        init(layers: Int) { outputs = (0..<layers).map { _ in FloatBuffer() } }
    }

    public init(model: ELMoModel, stateful: Bool = false, threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.model = model
        self.stateful = stateful
        self.threads = max(1, threads)
        let dirs = model.options.directionCount, layers = model.options.nLayers
        carriedH = Array(repeating: Array(repeating: [], count: layers), count: dirs)
        carriedC = carriedH
        workspaces = (0..<dirs).map { _ in Workspace(layers: layers) }
    }

    /// Forgets carried state (stateful mode), cached token vectors and statistics.
    public func reset() {
        statistics = Statistics()
        carriedRows = 0
        for d in carriedH.indices { for l in carriedH[d].indices { carriedH[d][l] = []; carriedC[d][l] = [] } }
        clearTokenCache()
    }

    /// The LSTM kernels' implementation on this CPU: "avx2-fma" or "portable" (same bits).
    public static var kernelPath: String { Kernels.vectorPath }

    /// Number of distinct tokens whose vectors are cached.
    public var cachedTokenCount: Int { tokenRow.count }

    /// Empties the token cache only (outputs do not change; benchmarks use it for cold runs).
    public func clearTokenCache() {
        tokenRow = [:]
        tokenStore = []
    }

    /// Embeds one batch; row i of the batch is state row i in stateful mode.
    public func embed(_ batch: [[String]]) -> [SentenceEmbedding] {
        let o = model.options
        let B = batch.count, P = o.projectionDim
        guard B > 0 else { return [] }
        let parallel = threads > 1 && o.directionCount > 1 && parallelism == .directions
        let packed = model.packed(threads: threads).cells
        // Internal row i is batch row order[i], longest first (ties keep batch order).
        let counts = batch.map(\.count)
        let order = (0..<B).sorted { (a: Int, b: Int) -> Bool in counts[a] != counts[b] ? counts[a] > counts[b] : a < b }
        let lengths = order.map { batch[$0].count + 2 }
        let T = lengths[0]
        // Packed sequence: step t holds rows 0..<active[t] at positions offsets[t]...
        var active = [Int](repeating: 0, count: T)
        for length in lengths { for t in 0..<length { active[t] += 1 } }
        var offsets = [Int](repeating: 0, count: T + 1)
        for t in 0..<T { offsets[t + 1] = offsets[t] + active[t] }
        let positions = offsets[T]
        let layout = Layout(order: order, lengths: lengths, active: active, offsets: offsets)
        statistics.sentences += B
        statistics.tokens += positions - 2 * B
        statistics.positions += positions

        // x (positions, P): token vectors with <S> and </S>.
        let rows = tokenRows(batch)
        let x = xBuffer.ensure(positions * P)
        tokenStore.withUnsafeBufferPointer { store in
            for i in 0..<B {
                let tokenRowsOfSentence = rows[order[i]]
                for t in 0..<lengths[i] {
                    (x + (offsets[t] + i) * P).update(from: store.baseAddress! + tokenRowsOfSentence[t] * P, count: P)
                }
            }
        }
        // Directions (concurrently with threads ≥ 2); each writes only its own workspace and state.
        let directions = o.directionCount
        var statesOut = [[(h: [Float], c: [Float])]](repeating: [], count: directions)
        let stateLock = NSLock()
        let run = { (d: Int) in
            let states = self.runDirection(d, x: x, layout: layout, packed: packed[d], productThreads: parallel ? 1 : self.threads)
            stateLock.lock()
            statesOut[d] = states
            stateLock.unlock()
        }
        if parallel {
            Parallel.forEach(directions, run)
        } else {
            for d in 0..<directions { run(d) }
        }
        if stateful { storeStates(statesOut, layout: layout) }
        return assemble(x: x, layout: layout)
    }

    /// Row order and packed-sequence positions of one batch.
    struct Layout {
        let order: [Int], lengths: [Int], active: [Int], offsets: [Int]
        var rows: Int { order.count }
        var positions: Int { offsets.last! }
    }

    // MARK: - Token inputs

    /// For each sentence, the token-store row of each position, <S> and </S> included; computes
    /// the vectors of tokens not cached yet.
    private func tokenRows(_ batch: [[String]]) -> [[Int]] {
        cacheTokens([CharacterEncoder.sentenceStart, CharacterEncoder.sentenceEnd] + batch.joined())
        let start = tokenRow[CharacterEncoder.sentenceStart]!, end = tokenRow[CharacterEncoder.sentenceEnd]!
        return batch.map { sentence in [start] + sentence.map { tokenRow[$0]! } + [end] }
    }

    /// Computes and caches the vectors of `tokens` not cached yet. When they would push the cache
    /// past `tokenCacheLimit`, the cache is emptied first (all of `tokens` stay cached).
    public func cacheTokens<S: Sequence>(_ tokens: S) where S.Element == String {
        let P = model.options.projectionDim
        var missing: [String] = []
        var seen = Set<String>()
        for token in tokens where tokenRow[token] == nil && seen.insert(token).inserted { missing.append(token) }
        if !tokenRow.isEmpty && tokenRow.count + missing.count > tokenCacheLimit {
            clearTokenCache()
            missing = []
            seen = []
            for token in tokens where seen.insert(token).inserted { missing.append(token) }
        }
        guard !missing.isEmpty else { return }
        let first = tokenRow.count
        tokenStore.append(contentsOf: repeatElement(0, count: missing.count * P))
        tokenStore.withUnsafeMutableBufferPointer { store in
            let base = store.baseAddress! + first * P
            let parts = threads > 1 && parallelism == .directions && missing.count >= 2 * ELMoModel.charCNNChunk ? 2 : 1
            let size = (missing.count + parts - 1) / parts
            let work = { (part: Int) in
                let lo = part * size, hi = min(missing.count, lo + size)
                if lo < hi { self.model.tokenVectors(missing[lo..<hi], into: base + lo * P, threads: parts > 1 ? 1 : self.threads) }
            }
            if parts > 1 {
                Parallel.forEach(parts) { work($0) }
            } else {
                work(0)
            }
        }
        for (i, token) in missing.enumerated() { tokenRow[token] = first + i }
        statistics.cnnTokens += missing.count
    }

    // MARK: - One direction

    /// Runs direction `d`'s stack over the batch; outputs stay in the workspace (packed sequence,
    /// in the direction's own time order). Returns each layer's final (h, c) by internal row.
    private func runDirection(_ d: Int, x: UnsafePointer<Float>, layout: Layout,
                              packed: [ELMoModel.PackedWeights.Cell], productThreads: Int) -> [(h: [Float], c: [Float])] {
        let o = model.options, P = o.projectionDim
        let ws = workspaces[d]
        var input = x
        if d == 1 {
            // The backward stack reads each row's own prefix reversed: its step t is position len-1-t.
            let r = ws.reversed.ensure(layout.positions * P)
            for i in 0..<layout.rows {
                let len = layout.lengths[i]
                for t in 0..<len {
                    (r + (layout.offsets[t] + i) * P).update(from: x + (layout.offsets[len - 1 - t] + i) * P, count: P)
                }
            }
            input = UnsafePointer(r)
        }
        var states: [(h: [Float], c: [Float])] = []
        for l in 0..<o.nLayers {
            let out = ws.outputs[l].ensure(layout.positions * P)
            states.append(runLayer(direction: d, layer: l, input: input, output: out, layout: layout, packed: packed[l], ws: ws,
                                   productThreads: productThreads))
            if o.useSkipConnections && l > 0 {
                for k in 0..<(layout.positions * P) { out[k] += input[k] }
            }
            input = UnsafePointer(out)
        }
        return states
    }

    /// TF `LSTMCell(num_units=D, num_proj=P, cell_clip, proj_clip, forget_bias=1.0)` over each row's
    /// valid prefix, writing (positions, P) to `output`.
    private func runLayer(direction d: Int, layer l: Int, input x: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                          layout: Layout, packed: ELMoModel.PackedWeights.Cell, ws: Workspace,
                          productThreads: Int) -> (h: [Float], c: [Float]) {
        let o = model.options
        let cell = model.cells[d][l]
        let B = layout.rows, P = o.projectionDim, D = o.dim, G = 4 * D
        // State (B, P) and (B, D) by internal row, from carried rows in stateful mode.
        let h = ws.h.zeroed(B * P), c = ws.c.zeroed(B * D), m = ws.m.ensure(B * D)
        if stateful {
            for i in 0..<B where layout.order[i] < carriedRows {
                let b = layout.order[i]
                carriedH[d][l].withUnsafeBufferPointer { (h + i * P).update(from: $0.baseAddress! + b * P, count: P) }
                carriedC[d][l].withUnsafeBufferPointer { (c + i * D).update(from: $0.baseAddress! + b * D, count: D) }
            }
        }
        let forget = model.forgetBias
        let T = layout.active.count
        cell.bias.withValues { bias in
            var t0 = 0
            while t0 < T {
                // Input side for a chunk of steps at once: gates (rows, 4D) = x @ W_0[0:in] + B.
                var t1 = t0
                repeat { t1 += 1 } while t1 < T && layout.offsets[t1] - layout.offsets[t0] < inputChunkRows
                let rows = layout.offsets[t1] - layout.offsets[t0]
                let gates = ws.gates.ensure(rows * G)
                for r in 0..<rows { (gates + r * G).update(from: bias.baseAddress!, count: G) }
                packed.input.multiplyAccumulate(x + layout.offsets[t0] * P, lda: P, into: gates, ldc: G, m: rows,
                                                threads: productThreads)
                for t in t0..<t1 {
                    let a = layout.active[t]
                    let z = gates + (layout.offsets[t] - layout.offsets[t0]) * G
                    // Recurrent side: z (a, 4D) += h (a, P) @ W_0[in:in+P], rows still running only.
                    packed.recurrent.multiplyAccumulate(h, lda: P, into: z, ldc: G, m: a)
                    Kernels.lstmCell(z: z, ldz: G, c: c, m: m, rows: a, dim: D, forgetBias: forget, cellClip: o.cellClip)
                    let dst = output + layout.offsets[t] * P
                    if let projection = packed.projection {
                        dst.initialize(repeating: 0, count: a * P)
                        projection.multiplyAccumulate(m, lda: D, into: dst, ldc: P, m: a)
                        Kernels.clip(dst, count: a * P, o.projClip)
                    } else {
                        dst.update(from: m, count: a * P)
                    }
                    h.update(from: dst, count: a * P)
                }
                t0 = t1
            }
        }
        guard stateful else { return ([], []) }
        return (Array(UnsafeBufferPointer(start: h, count: B * P)), Array(UnsafeBufferPointer(start: c, count: B * D)))
    }

    /// Stateful mode: rows [0, B) take this batch's final state; rows beyond B keep theirs.
    private func storeStates(_ states: [[(h: [Float], c: [Float])]], layout: Layout) {
        let o = model.options, B = layout.rows, P = o.projectionDim, D = o.dim
        for d in 0..<o.directionCount {
            for l in 0..<o.nLayers {
                if carriedRows < B {
                    carriedH[d][l] += [Float](repeating: 0, count: (B - carriedRows) * P)
                    carriedC[d][l] += [Float](repeating: 0, count: (B - carriedRows) * D)
                }
                for i in 0..<B {
                    let b = layout.order[i]
                    carriedH[d][l].replaceSubrange((b * P)..<((b + 1) * P), with: states[d][l].h[(i * P)..<((i + 1) * P)])
                    carriedC[d][l].replaceSubrange((b * D)..<((b + 1) * D), with: states[d][l].c[(i * D)..<((i + 1) * D)])
                }
            }
        }
        carriedRows = max(carriedRows, B)
    }

    // MARK: - Output

    /// Per sentence, in batch order: layer 0 = [x; x], layer k = [forward_k; backward_k], positions
    /// 1..<len-1 (<S> and </S> removed); the backward stack's step for position s is len-1-s.
    private func assemble(x: UnsafePointer<Float>, layout: Layout) -> [SentenceEmbedding] {
        let o = model.options, P = o.projectionDim, W = o.outputDim, L = o.nLayers
        var result = [SentenceEmbedding?](repeating: nil, count: layout.rows)
        for i in 0..<layout.rows {
            let len = layout.lengths[i], n = len - 2
            let values = [Float](unsafeUninitializedCapacity: (L + 1) * n * W) { buffer, count in
                let v = buffer.baseAddress!
                for s in 0..<n {
                    let forward = layout.offsets[s + 1] + i, backward = layout.offsets[len - 2 - s] + i
                    for d in 0..<o.directionCount { (v + s * W + d * P).update(from: x + forward * P, count: P) }
                    for k in 1...L {
                        let row = v + (k * n + s) * W
                        row.update(from: workspaces[0].outputs[k - 1].base + forward * P, count: P)
                        if o.directionCount > 1 {
                            (row + P).update(from: workspaces[1].outputs[k - 1].base + backward * P, count: P)
                        }
                    }
                }
                count = (L + 1) * n * W
            }
            result[layout.order[i]] = SentenceEmbedding(tokenCount: n, layerCount: L + 1, dim: W, values: values)
        }
        return result.map { $0! }
    }
}
