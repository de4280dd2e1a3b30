/// Groups sentences into batches for `ELMoRunner` the way `elmokit embed` does, and hands the
/// embeddings back in input order.
///
/// Stateless runners use length bucketing: a window of sentences is sorted by length and cut into
/// batches of similar lengths, so fewer positions are spent on short rows waiting for long ones
/// and the input-side GEMMs stay large. Because a stateless sentence's output is the same bits in
/// any batch (`ELMoRunner`), bucketed output equals unbucketed output exactly; the tests check it.
///
/// Memory stays bounded: a window holds at most `windowTokens` tokens of finished embeddings
/// (plus one sentence, however long), and a batch holds at most `maxBatchTokens` tokens unless a
/// single sentence is longer, in which case that sentence runs in a batch of its own.
///
/// Stateful runners get consecutive batches of exactly `batchSize` sentences in input order:
/// batch row i is state row i (AllenNLP semantics), so nothing is reordered or split.
public struct EmbeddingBatcher: Sendable {
    public var batchSize: Int
    /// Sort sentences by length within a window (stateless runners only).
    public var bucketing: Bool
    /// Tokens of finished embeddings held before they are handed on in input order.
    public var windowTokens: Int
    /// Tokens per batch (sentences beyond it start a new batch; a longer sentence runs alone).
    public var maxBatchTokens: Int

    public init(batchSize: Int, bucketing: Bool = true, windowTokens: Int? = nil, maxBatchTokens: Int? = nil) {
        self.batchSize = max(1, batchSize)
        self.bucketing = bucketing
        self.maxBatchTokens = maxBatchTokens ?? max(4096, 128 * self.batchSize)
        self.windowTokens = windowTokens ?? max(8192, 4 * self.maxBatchTokens)
    }

    /// Embeds `sentences` with `runner`, calling `emit(i, embedding)` for i = 0, 1, … in order and
    /// `progress(tokens)` after each batch with the tokens it held.
    public func run(_ runner: ELMoRunner, sentences: [[String]],
                    emit: (Int, SentenceEmbedding) throws -> Void,
                    progress: ((Int) -> Void)? = nil) rethrows {
        if runner.stateful || !bucketing {
            var start = 0
            while start < sentences.count {
                let end = min(start + batchSize, sentences.count)
                let batch = Array(sentences[start..<end])
                for (i, e) in runner.embed(batch).enumerated() { try emit(start + i, e) }
                progress?(batch.reduce(0) { $0 + $1.count })
                start = end
            }
            return
        }
        var start = 0
        while start < sentences.count {
            // The window: consecutive sentences up to windowTokens (at least one).
            var end = start, tokens = 0
            repeat {
                tokens += sentences[end].count
                end += 1
            } while end < sentences.count && tokens + sentences[end].count <= windowTokens
            // Shortest first; ties keep input order, so the plan is deterministic.
            let order = (start..<end).sorted { (a: Int, b: Int) -> Bool in
                sentences[a].count != sentences[b].count ? sentences[a].count < sentences[b].count : a < b
            }
            var results = [SentenceEmbedding?](repeating: nil, count: end - start)
            for group in Self.batches(order.map { sentences[$0].count }, batchSize: batchSize, maxTokens: maxBatchTokens) {
                let members = group.map { order[$0] }
                for (i, e) in runner.embed(members.map { sentences[$0] }).enumerated() { results[members[i] - start] = e }
                progress?(members.reduce(0) { $0 + sentences[$1].count })
            }
            for (i, e) in results.enumerated() { try emit(start + i, e!) }
            start = end
        }
    }

    /// Cuts a list of sentence lengths into consecutive groups of at most `batchSize` sentences and
    /// `maxTokens` tokens (a sentence longer than that alone). Returns index ranges into `lengths`.
    static func batches(_ lengths: [Int], batchSize: Int, maxTokens: Int) -> [Range<Int>] {
        var result: [Range<Int>] = []
        var start = 0
        while start < lengths.count {
            var end = start + 1, tokens = lengths[start]
            while end < lengths.count, end - start < batchSize, tokens + lengths[end] <= maxTokens {
                tokens += lengths[end]
                end += 1
            }
            result.append(start..<end)
            start = end
        }
        return result
    }
}
