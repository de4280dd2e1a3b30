import XCTest
@testable import ELMoKit

/// The optimised runtime: batch independence to the bit, kernel paths, bucketing, caches.
final class ELMoRuntimeTests: XCTestCase {
    static let synthetic = Result { try SyntheticModel.make() }

    func syntheticModel() throws -> ELMoModel { try Self.synthetic.get() }

    func referenceModel() throws -> ELMoModel {
        try ELMoModel(weightsPath: try TestData.reference("elmo/lm_weights.hdf5"), optionsPath: try TestData.reference("elmo/options.json"))
    }

    func bits(_ e: SentenceEmbedding) -> [UInt32] { e.values.map(\.bitPattern) }

    /// The packed-sequence runner against the plain loops of elmo-formats §2, on dimensions that
    /// reach the kernels' edge cases (several K blocks, partial column panels, vector tails).
    func test_syntheticModel_matchesNaiveForwardPass() throws {
        let model = try syntheticModel()
        let sentences = Array(SyntheticModel.sentences(4))
        let ours = ELMoRunner(model: model, threads: 1).embed(sentences)
        var worst: Float = 0
        for (sentence, e) in zip(sentences, ours) {
            let expected = NaiveForward.embed(model, sentence)
            XCTAssertEqual(e.values.count, expected.count)
            XCTAssertEqual([e.layerCount, e.tokenCount, e.dim], [3, sentence.count, 600])
            for (a, b) in zip(e.values, expected) { worst = max(worst, abs(a - b)) }
        }
        print("synthetic model vs naive pass: max |Δ| \(worst)")
        XCTAssertLessThan(worst, 1e-4)
    }

    /// Stateless: a sentence's output is the same bits alone, in batches of any size and order,
    /// with 1 or 2 threads and either use of the threads.
    func test_syntheticModel_statelessBitIdentity_anyBatchAnyThreads() throws {
        let model = try syntheticModel()
        let sentences = SyntheticModel.sentences(8)
        let alone = sentences.map { ELMoRunner(model: model, threads: 1).embed([$0])[0] }
        for threads in [1, 2] {
            for parallelism in [ELMoRunner.Parallelism.directions, .columns] {
                let runner = ELMoRunner(model: model, threads: threads)
                runner.parallelism = parallelism
                let all = runner.embed(sentences)
                let reversed = Array(runner.embed(sentences.reversed()).reversed())
                let pairs = runner.embed([sentences[5], sentences[3]])
                for i in sentences.indices {
                    XCTAssertEqual(bits(all[i]), bits(alone[i]), "sentence \(i), threads \(threads), \(parallelism)")
                    XCTAssertEqual(bits(reversed[i]), bits(alone[i]), "sentence \(i) reversed batch")
                }
                XCTAssertEqual(bits(pairs[0]), bits(alone[5]))
                XCTAssertEqual(bits(pairs[1]), bits(alone[3]))
            }
        }
    }

    /// The AVX2+FMA kernels and the portable C kernels perform the same operations: same bits.
    func test_vectorAndPortableKernels_giveTheSameBits() throws {
        let model = try syntheticModel()
        let sentences = SyntheticModel.sentences(5)
        defer { Kernels.forcePortable(nil) }
        Kernels.forcePortable(false)
        let vector = ELMoRunner(model: model, threads: 1).embed(sentences)
        Kernels.forcePortable(true)
        XCTAssertEqual(Kernels.vectorPath, "portable")
        let portable = ELMoRunner(model: model, threads: 1).embed(sentences)
        for (a, b) in zip(vector, portable) { XCTAssertEqual(bits(a), bits(b)) }
    }

    /// The elementwise kernels against double-precision libm on a sweep of inputs.
    func test_fastSigmoidAndTanh_areAccurate() {
        var x = stride(from: Float(-30), through: 30, by: 0.0137).map { $0 }
        x += [0, -0, 1e-8, -1e-8, 0.6249, 0.625, 0.6251, 88, -88, 100, -100]
        defer { Kernels.forcePortable(nil) }
        for portable in [false, true] {
            Kernels.forcePortable(portable)
            var s = x, t = x
            s.withUnsafeMutableBufferPointer { Kernels.sigmoid($0.baseAddress!, count: $0.count) }
            t.withUnsafeMutableBufferPointer { Kernels.tanh($0.baseAddress!, count: $0.count) }
            var worstSigmoid = 0.0, worstTanh = 0.0
            for (i, v) in x.enumerated() {
                let sigmoid = 1 / (1 + exp(-Double(v))), tanh = Foundation.tanh(Double(v))
                let es = abs(Double(s[i]) - sigmoid) / max(sigmoid, 1e-30), et = abs(Double(t[i]) - tanh) / max(abs(tanh), 1e-30)
                if sigmoid > 1e-37 { worstSigmoid = max(worstSigmoid, es) }
                worstTanh = max(worstTanh, et)
                XCTAssertLessThanOrEqual(abs(Double(s[i]) - sigmoid), 3e-7 * sigmoid + 1e-38, "sigmoid(\(v))")
                XCTAssertLessThanOrEqual(et, 3e-7, "tanh(\(v))")
            }
            print("kernels (\(portable ? "portable" : "vector")): max relative error sigmoid \(worstSigmoid), tanh \(worstTanh)")
        }
    }

    /// Bucketed batches give exactly the unbucketed outputs, handed back in input order.
    func test_bucketedEmbedding_equalsUnbucketed_bitLevel() throws {
        let model = try referenceModel()
        var sentences = try SentenceSet(path: try TestData.reference("elmo/sentences.json")).flat
        sentences.insert([], at: 3)
        sentences.insert(Array(repeating: "long", count: 70), at: 7)
        sentences.append(sentences[1])
        func run(_ batcher: EmbeddingBatcher) -> [SentenceEmbedding] {
            var out: [SentenceEmbedding] = []
            batcher.run(ELMoRunner(model: model, threads: 2), sentences: sentences, emit: { i, e in
                XCTAssertEqual(i, out.count, "emitted out of order")
                out.append(e)
            })
            return out
        }
        let plain = run(EmbeddingBatcher(batchSize: 4, bucketing: false))
        let bucketed = run(EmbeddingBatcher(batchSize: 4, bucketing: true, windowTokens: 120, maxBatchTokens: 60))
        let defaults = run(EmbeddingBatcher(batchSize: 32))
        XCTAssertEqual(plain.count, sentences.count)
        for i in sentences.indices {
            XCTAssertEqual(bits(bucketed[i]), bits(plain[i]), "sentence \(i)")
            XCTAssertEqual(bits(defaults[i]), bits(plain[i]), "sentence \(i)")
            XCTAssertEqual(bucketed[i].tokenCount, sentences[i].count)
        }
    }

    func test_batchPlan_capsTokens_andLongSentencesRunAlone() {
        XCTAssertEqual(EmbeddingBatcher.batches([1, 2, 3, 4, 5], batchSize: 2, maxTokens: 100), [0..<2, 2..<4, 4..<5])
        XCTAssertEqual(EmbeddingBatcher.batches([3, 3, 3, 50, 2], batchSize: 8, maxTokens: 10), [0..<3, 3..<4, 4..<5])
        XCTAssertEqual(EmbeddingBatcher.batches([], batchSize: 8, maxTokens: 10), [])
        let batcher = EmbeddingBatcher(batchSize: 32)
        XCTAssertEqual(batcher.maxBatchTokens, 4096)
        XCTAssertGreaterThanOrEqual(batcher.windowTokens, batcher.maxBatchTokens)
    }

    /// Stateful runs keep consecutive batches in input order (state row = batch row).
    func test_statefulBatcher_keepsInputBatches() throws {
        let model = try referenceModel()
        let sentences = try SentenceSet(path: try TestData.reference("elmo/sentences.json")).flat
        var viaBatcher: [SentenceEmbedding] = []
        EmbeddingBatcher(batchSize: 3).run(ELMoRunner(model: model, stateful: true), sentences: sentences,
                                           emit: { _, e in viaBatcher.append(e) })
        let runner = ELMoRunner(model: model, stateful: true)
        var direct: [SentenceEmbedding] = []
        for start in stride(from: 0, to: sentences.count, by: 3) {
            direct += runner.embed(Array(sentences[start..<min(start + 3, sentences.count)]))
        }
        for (a, b) in zip(viaBatcher, direct) { XCTAssertEqual(bits(a), bits(b)) }
    }

    /// Emptying the token cache (limit reached) changes speed, never values.
    func test_tokenCacheLimit_doesNotChangeOutputs() throws {
        let model = try referenceModel()
        let sentences = Array(try SentenceSet(path: try TestData.reference("elmo/sentences.json")).flat.prefix(8))
        let cached = ELMoRunner(model: model)
        let small = ELMoRunner(model: model)
        small.tokenCacheLimit = 5
        var a: [SentenceEmbedding] = [], b: [SentenceEmbedding] = []
        for s in sentences { a += cached.embed([s]); b += small.embed([s]) }
        for (x, y) in zip(a, b) { XCTAssertEqual(bits(x), bits(y)) }
        XCTAssertLessThanOrEqual(small.cachedTokenCount, 60)
        XCTAssertEqual(cached.statistics.sentences, 8)
        XCTAssertGreaterThan(small.statistics.cnnTokens, cached.statistics.cnnTokens)
    }

    /// Zero-copy loading: a native float32 model's tensors are views into the file's map.
    func test_nativeModel_bindsTensorsWithoutCopying() throws {
        let model = try ELMoModel(weightsPath: try TestData.referenceNative(self), optionsPath: nil)
        let native = try XCTUnwrap(model.source as? NativeCheckpoint)
        let mapStart = UInt(bitPattern: native.file.bytes(at: 0, count: 0)!.baseAddress)
        let mapEnd = mapStart + UInt(native.file.count)
        for cell in model.cells.joined() {
            for tensor in [cell.w0, cell.bias] {
                let address = UInt(bitPattern: tensor.values.baseAddress)
                XCTAssertTrue(address >= mapStart && address < mapEnd, "\(tensor.name) is a copy")
            }
        }
        XCTAssertEqual(model.packedByteCount, 0, "nothing is packed before the first embed")
    }

    /// Python's str.split() and str.strip(), scalar by scalar.
    func test_tokenisation_matchesPythonSplit() {
        XCTAssertEqual(SentenceSet.tokens("a\u{1C}b c\u{A0}d \u{301}e\tf\u{2028}g\u{200B}h"),
                       ["a", "b", "c", "d", "\u{301}e", "f", "g\u{200B}h"])
        XCTAssertEqual(SentenceSet.tokens(" \r\n "), [])
        XCTAssertEqual(SentenceSet.stripped("\u{1F} x  y\u{85}"), "x  y")
        XCTAssertEqual(SentenceSet.stripped("   "), "")
    }
}
