/// `verify`: run the reference pass and compare with expected outputs, per sentence and layer.
public struct VerificationReport: Sendable {
    public struct Entry: Sendable {
        public let sentence: Int
        public let stream: Int?
        public let tokens: Int
        /// Layer index compared, or -1 for "top layer" / "average" references.
        public let layer: Int
        public let comparison: OutputComparison
        /// The worst element as (token, dimension).
        public let worstToken: Int, worstDim: Int
    }

    public var entries: [Entry] = []
    public var problems: [String] = []
    /// What the comparison did not cover (e.g. reference sentences beyond the sentences given).
    public var notes: [String] = []
    /// The reference layout compared against (nil when comparing two models).
    public var layout: ReferenceLayout?
    public let atol: Double, rtol: Double

    /// `problems`, and "nothing was compared" when not one value was compared and no problem says
    /// why: a check that compared nothing (no sentences, only empty ones) proves nothing.
    public var failures: [String] {
        guard problems.isEmpty, entries.allSatisfy({ $0.comparison.count == 0 }) else { return problems }
        return [entries.isEmpty ? "nothing was compared: no sentences or samples"
                                : "nothing was compared: every sentence is empty (no tokens)"]
    }

    public var passed: Bool { failures.isEmpty && entries.allSatisfy(\.comparison.passed) }
    public var maxAbs: Double { entries.map(\.comparison.maxAbs).max() ?? 0 }
    public var meanAbs: Double {
        let n = entries.reduce(0) { $0 + $1.comparison.count }
        return n == 0 ? 0 : entries.reduce(0) { $0 + $1.comparison.meanAbs * Double($1.comparison.count) } / Double(n)
    }

    public init(atol: Double, rtol: Double) {
        self.atol = atol
        self.rtol = rtol
    }

    mutating func add(sentence: Int, stream: Int?, layer: Int, dim: Int, actual: ArraySlice<Float>, expected: ArraySlice<Float>) {
        let c = OutputComparison(actual: actual, expected: expected, atol: atol, rtol: rtol)
        entries.append(Entry(sentence: sentence, stream: stream, tokens: dim == 0 ? 0 : actual.count / dim, layer: layer,
                             comparison: c, worstToken: dim == 0 ? 0 : c.worstIndex / dim, worstDim: dim == 0 ? 0 : c.worstIndex % dim))
    }
}

public enum Verifier {
    /// Compares `runner`'s outputs with reference files. With several streams, `expected` holds one
    /// file per stream and batches are formed across streams (the fixture protocol); with one
    /// stream, sentences are batched `batchSize` at a time in order.
    public static func againstReference(runner: ELMoRunner, sentences: SentenceSet, expected: [String],
                                        layout requested: ReferenceLayout?, batchSize: Int,
                                        atol: Double, rtol: Double) throws -> VerificationReport {
        var report = VerificationReport(atol: atol, rtol: rtol)
        let o = runner.model.options
        let files = try expected.map { try HDF5File(path: $0) }
        let streamCount = sentences.streams.count
        guard files.count == streamCount || (files.count == 1 && streamCount == 1) else {
            throw ELMoKitError(.usage, "\(files.count) --expected files for \(streamCount) sentence streams; give one per stream, in order")
        }
        // Embed in the order the reference was produced.
        var outputs: [[SentenceEmbedding]] = Array(repeating: [], count: streamCount)
        if streamCount > 1 {
            let rounds = sentences.streams.map(\.count).max() ?? 0
            for i in 0..<rounds {
                let batch = sentences.streams.map { i < $0.count ? $0[i] : [] }
                for (s, e) in runner.embed(batch).enumerated() where i < sentences.streams[s].count { outputs[s].append(e) }
            }
        } else {
            let all = sentences.streams[0]
            var start = 0
            while start < all.count {
                let end = min(start + batchSize, all.count)
                outputs[0] += runner.embed(Array(all[start..<end]))
                start = end
            }
        }
        for (s, file) in files.enumerated() {
            var missing: [Int] = []
            defer {
                // One line, however many: a file that is not a reference at all has none of them.
                if !missing.isEmpty {
                    let shown = missing.prefix(5).map { "'\($0)'" }.joined(separator: ", ") + (missing.count > 5 ? ", …" : "")
                    report.problems.append("\(file.path): no dataset for \(missing.count) sentence\(missing.count == 1 ? "" : "s") (\(shown))"
                                           + (missing.count == outputs[s].count ? ": not a reference embeddings file?" : ""))
                }
            }
            let extra = ((try? file.datasetPaths()) ?? []).filter { Int($0).map { $0 >= outputs[s].count } ?? false }.count
            if extra > 0 {
                report.notes.append("\(file.path) holds \(extra) more sentence\(extra == 1 ? "" : "s") than the \(outputs[s].count) given: not compared")
            }
            for (i, embedding) in outputs[s].enumerated() {
                let key = String(i)
                guard file.exists(key) else {
                    missing.append(i)
                    continue
                }
                let info = try file.info(key)
                if let requested, info.shape.count != (requested == .top || requested == .average ? 2 : 3) {
                    // A rank the layout cannot have: the layout is wrong, not the numbers.
                    let guess = (try? inferLayout(info.shape, o, file: file.path)).map { " (it looks like --layout \($0.rawValue))" } ?? ""
                    throw ELMoKitError(.usage, "--layout \(requested.rawValue) does not fit dataset '\(key)' of shape \(info.shape)\(guess)",
                                       file: file.path)
                }
                let values = try file.readFloat32(key)
                let layout = try requested ?? inferLayout(info.shape, o, file: file.path)
                report.layout = layout
                let n = embedding.tokenCount, P = o.projectionDim, W = embedding.dim
                switch layout {
                case .lmEmbeddings:
                    guard info.shape == [2, n, P] else {
                        report.problems.append("\(file.path) '\(key)': shape \(info.shape), expected [2, \(n), \(P)] (sentence of \(n) tokens)")
                        continue
                    }
                    // Reference is [forward; backward] stacked; ours is [forward | backward] per token.
                    var reordered = [Float](repeating: 0, count: n * W)
                    for t in 0..<n { for d in 0..<2 { for p in 0..<P { reordered[t * W + d * P + p] = values[(d * n + t) * P + p] } } }
                    report.add(sentence: i, stream: streamCount > 1 ? s : nil, layer: o.nLayers, dim: W,
                               actual: embedding.layer(o.nLayers), expected: reordered[...])
                case .allLayers:
                    guard info.shape == [o.nLayers + 1, n, W] else {
                        report.problems.append("\(file.path) '\(key)': shape \(info.shape), expected [\(o.nLayers + 1), \(n), \(W)]")
                        continue
                    }
                    for k in 0...o.nLayers {
                        report.add(sentence: i, stream: streamCount > 1 ? s : nil, layer: k, dim: W,
                                   actual: embedding.layer(k), expected: values[(k * n * W)..<((k + 1) * n * W)])
                    }
                case .top, .average:
                    guard info.shape == [n, W] else {
                        report.problems.append("\(file.path) '\(key)': shape \(info.shape), expected [\(n), \(W)]")
                        continue
                    }
                    let actual = layout == .top ? Array(embedding.layer(o.nLayers)) : average(embedding)
                    report.add(sentence: i, stream: streamCount > 1 ? s : nil, layer: -1, dim: W, actual: actual[...], expected: values[...])
                }
            }
        }
        return report
    }

    /// Compares two models' outputs on the same sentences, all layers.
    public static func betweenModels(_ a: ELMoRunner, _ b: ELMoRunner, sentences: [[String]], batchSize: Int,
                                     atol: Double, rtol: Double) -> VerificationReport {
        var report = VerificationReport(atol: atol, rtol: rtol)
        guard a.model.options.outputDim == b.model.options.outputDim, a.model.options.nLayers == b.model.options.nLayers else {
            report.problems.append("the models have different architectures: \(a.model.options.nLayers) layers × \(a.model.options.outputDim) vs \(b.model.options.nLayers) layers × \(b.model.options.outputDim)")
            return report
        }
        var start = 0
        while start < sentences.count {
            let end = min(start + batchSize, sentences.count)
            let batch = Array(sentences[start..<end])
            for (j, (x, y)) in zip(a.embed(batch), b.embed(batch)).enumerated() {
                for k in 0..<x.layerCount {
                    report.add(sentence: start + j, stream: nil, layer: k, dim: x.dim, actual: x.layer(k), expected: y.layer(k))
                }
            }
            start = end
        }
        return report
    }

    /// The layout implied by a dataset's shape; (n, 2P) is either top or average, which only the
    /// user can tell, so that case is a usage error asking for --layout.
    static func inferLayout(_ shape: [Int], _ o: ELMoOptions, file: String) throws -> ReferenceLayout {
        if shape.count == 3 && shape[0] == 2 && shape[2] == o.projectionDim && o.nLayers + 1 != 2 { return .lmEmbeddings }
        if shape.count == 3 { return .allLayers }
        throw ELMoKitError(.usage, "reference datasets have shape \(shape): 'allennlp elmo --top' and '--average' both write that; pass --layout top or --layout average",
                           file: file)
    }

    /// Mean over layers, (n, W).
    public static func average(_ e: SentenceEmbedding) -> [Float] {
        var out = [Float](repeating: 0, count: e.tokenCount * e.dim)
        for k in 0..<e.layerCount { for (j, v) in e.layer(k).enumerated() { out[j] += v } }
        return out.map { $0 / Float(e.layerCount) }
    }
}
