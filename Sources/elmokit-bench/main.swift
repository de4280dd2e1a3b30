// elmokit-bench: the in-process measurements behind scripts/bench. Each subcommand prints one
// JSON object on stdout; scripts/bench runs them, adds the process-level timings (convert vs cp,
// peak RSS, the CLI end to end) and prints the table. Not part of the user-facing CLI.
import COpenBLAS
import ELMoKit
import Foundation

// MARK: - Helpers

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

func emit(_ members: [(String, JSONValue)]) {
    print(JSONValue.object(members).canonicalString())
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("elmokit-bench: \(message)\n".utf8))
    exit(2)
}

struct Args {
    var positional: [String] = []
    var values: [String: String] = [:]
    init(_ argv: ArraySlice<String>) {
        var i = argv.startIndex
        while i < argv.endIndex {
            let a = argv[i]
            if a.hasPrefix("--") {
                let key = String(a.dropFirst(2))
                if i + 1 < argv.endIndex, !argv[i + 1].hasPrefix("--") {
                    values[key] = argv[i + 1]
                    i += 2
                } else {
                    values[key] = "true"
                    i += 1
                }
            } else {
                positional.append(a)
                i += 1
            }
        }
    }
    func int(_ key: String, _ fallback: Int) -> Int { values[key].flatMap { Int($0) } ?? fallback }
    func string(_ key: String) -> String {
        guard let v = values[key] else { fail("missing --\(key)") }
        return v
    }
}

/// The bench sentence stream: the 30 fixture sentences, repeated and shuffled with a fixed seed
/// (a 64-bit LCG, so every run and machine sees the same order).
func benchSentences(_ path: String, count: Int) throws -> [[String]] {
    let base = try SentenceSet(path: path).flat
    guard !base.isEmpty else { fail("no sentences in \(path)") }
    var out: [[String]] = []
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    while out.count < count {
        var round = base
        for i in stride(from: round.count - 1, to: 0, by: -1) {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            round.swapAt(i, Int((state >> 33) % UInt64(i + 1)))
        }
        out += round
    }
    return Array(out.prefix(count))
}

/// FLOPs (multiply + add = 2) of the LSTM stacks per position and of the char CNN per token.
func flopModel(_ o: ELMoOptions) -> (lstmPerPosition: Double, cnnPerToken: Double) {
    let P = Double(o.projectionDim), D = Double(o.dim)
    var lstm = 0.0
    for _ in 0..<o.directionCount {
        for _ in 0..<o.nLayers {
            lstm += 2 * P * 4 * D + 2 * P * 4 * D + (o.projectionDim < o.dim ? 2 * D * P : 0)
        }
    }
    var cnn = 0.0
    if let c = o.charCNN {
        let E = Double(c.embeddingDim), C = c.maxCharactersPerToken, F = Double(c.totalFilters)
        for f in c.filters { cnn += 2 * Double(f.width) * E * Double(f.count) * Double(C - f.width + 1) }
        cnn += Double(c.nHighway) * 2 * (2 * F * F)
        if c.totalFilters != o.projectionDim { cnn += 2 * F * P }
    }
    return (lstm, cnn)
}

// MARK: - Subcommands

/// sgemm peak with the same OpenBLAS, at `threads` threads: the best median over a few large shapes.
func peak(_ args: Args) {
    let threads = args.int("threads", 1)
    openblas_set_num_threads(Int32(threads))
    var shapes: [(String, JSONValue)] = []
    var best = 0.0
    for (m, n, k) in [(2048, 2048, 2048), (864, 16384, 512), (4096, 4096, 1024)] {
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var c = [Float](repeating: 0, count: m * n)
        var times: [Double] = []
        for rep in 0..<7 {
            let t0 = now()
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n),
                        0, &c, Int32(n))
            if rep > 0 { times.append(now() - t0) }
        }
        let gflops = 2 * Double(m) * Double(n) * Double(k) / median(times) / 1e9
        best = max(best, gflops)
        shapes.append(("\(m)x\(n)x\(k)", JSONValue(gflops)))
    }
    emit([("threads", JSONValue(threads)), ("peak_gflops", JSONValue(best)), ("shapes", .object(shapes))])
}

/// Native open-to-first-tensor, model init, first-embed packing, integrity-check throughput.
func load(_ args: Args) throws {
    guard let path = args.positional.first else { fail("usage: load MODEL.elmk") }
    var opens: [Double] = []
    var checksum: Float = 0
    for _ in 0..<31 {
        let t0 = now()
        let checkpoint = try NativeCheckpoint(path: path)
        let first = try checkpoint.float32(checkpoint.entries[0].info.name)
        checksum += first[0]
        opens.append(now() - t0)
    }
    // Model init binds the mapped tensors; the integrity check that the CLI runs first by default
    // is measured on its own below, so it is left out here.
    var inits: [Double] = []
    for _ in 0..<11 {
        let t0 = now()
        let model = try ELMoModel(weightsPath: path, optionsPath: nil, checkIntegrity: false)
        inits.append(now() - t0)
        _ = model.options.dim
    }
    // Packing the recurrent matrices happens once per model, on the first embed.
    let model = try ELMoModel(weightsPath: path, optionsPath: nil, checkIntegrity: false)
    let threads = args.int("threads", ProcessInfo.processInfo.activeProcessorCount)
    let t0 = now()
    _ = ELMoRunner(model: model, threads: threads).embed([["warm"]])
    let firstEmbed = now() - t0
    var checks: [Double] = []
    let checkpoint = try NativeCheckpoint(path: path)
    for _ in 0..<5 {
        let t1 = now()
        try checkpoint.verifyIntegrity()
        checks.append(now() - t1)
    }
    let bytes = Double(checkpoint.file.count)
    // What bounds the integrity check and convert: SHA-256 (OpenSSL) and CRC-32 (zlib) alone.
    let block = [UInt8](repeating: 0x5A, count: 64 << 20)
    var shaTimes: [Double] = [], crcTimes: [Double] = []
    var crcSink: UInt32 = 0
    for _ in 0..<3 {
        var t = now()
        _ = SHA256.hash(block)
        shaTimes.append(now() - t)
        t = now()
        crcSink ^= CRC32.checksum(block)
        crcTimes.append(now() - t)
    }
    emit([
        ("sha256_gbps", JSONValue(Double(block.count) / median(shaTimes) / 1e9)),
        ("crc32_gbps", JSONValue(Double(block.count) / median(crcTimes) / 1e9)), ("crc_sink", JSONValue(Int(crcSink))),
        ("open_ms_median", JSONValue(median(opens) * 1e3)), ("open_ms_min", JSONValue(opens.min()! * 1e3)),
        ("model_init_ms_median", JSONValue(median(inits) * 1e3)),
        ("first_embed_ms", JSONValue(firstEmbed * 1e3)), ("packed_bytes", JSONValue(model.packedByteCount)),
        ("integrity_s_median", JSONValue(median(checks))), ("integrity_gbps", JSONValue(bytes / median(checks) / 1e9)),
        ("file_bytes", JSONValue(Int(bytes))), ("checksum", JSONValue(Double(checksum))),
    ])
}

/// Forward-pass throughput on the bench sentences at one batch size and thread count.
func embed(_ args: Args) throws {
    guard let path = args.positional.first else { fail("usage: embed MODEL --sentences S.json --batch B --threads T") }
    let batch = args.int("batch", 32), threads = args.int("threads", 1), reps = args.int("reps", 3)
    let count = args.int("count", batch * 2)
    let cold = args.values["cold"] != nil
    let model = try ELMoModel(weightsPath: path, optionsPath: nil, checkIntegrity: false)
    let sentences = try benchSentences(args.string("sentences"), count: count)
    let runner = ELMoRunner(model: model, threads: threads)
    if let mode = args.values["parallelism"] { runner.parallelism = ELMoRunner.Parallelism(rawValue: mode) ?? .directions }
    // Warm-up: packs the weights and (unless --cold) fills the token cache with every token.
    _ = runner.embed([sentences[0]])
    if !cold { runner.cacheTokens(sentences.flatMap { $0 }) }
    let flops = flopModel(model.options)
    var rates: [Double] = [], gflops: [Double] = []
    for _ in 0..<reps {
        let before = runner.statistics
        let t0 = now()
        var start = 0
        while start < sentences.count {
            if cold { runner.clearTokenCache() }
            _ = runner.embed(Array(sentences[start..<min(start + batch, sentences.count)]))
            start += batch
        }
        let elapsed = now() - t0
        let s = runner.statistics
        let tokens = Double(s.tokens - before.tokens)
        let work = Double(s.positions - before.positions) * flops.lstmPerPosition + Double(s.cnnTokens - before.cnnTokens) * flops.cnnPerToken
        rates.append(tokens / elapsed)
        gflops.append(work / elapsed / 1e9)
    }
    // Weight bytes streamed per step (recurrent + projection matrices), for the batch-1 bandwidth view.
    let o = model.options
    let perCell: Int = o.projectionDim * 4 * o.dim + (o.projectionDim < o.dim ? o.dim * o.projectionDim : 0)
    let stepBytes = Double(o.directionCount * o.nLayers * perCell * 4)
    let tokenCount: Int = sentences.reduce(0) { $0 + $1.count }
    let positionsPerToken = Double(tokenCount + 2 * sentences.count) / Double(tokenCount)
    emit([
        ("batch", JSONValue(batch)), ("threads", JSONValue(threads)), ("cold_cache", JSONValue(cold)),
        ("parallelism", JSONValue(runner.parallelism.rawValue)), ("sentences", JSONValue(sentences.count)),
        ("tokens_per_s", JSONValue(median(rates))), ("tokens_per_s_all", .array(rates.map { JSONValue($0) })),
        ("gflops", JSONValue(median(gflops))),
        ("weight_stream_gbps", JSONValue(median(rates) * positionsPerToken * stepBytes / Double(max(batch, 1)) / 1e9)),
        ("kernel_path", JSONValue(ELMoRunner.kernelPath)),
    ])
}

/// Stateless bit identity on this model: a sentence alone vs inside batches of 8 and 32, at 1 and 2 threads.
func identity(_ args: Args) throws {
    guard let path = args.positional.first else { fail("usage: identity MODEL --sentences S.json") }
    let model = try ELMoModel(weightsPath: path, optionsPath: nil, checkIntegrity: false)
    let sentences = try benchSentences(args.string("sentences"), count: 32)
    var checked = 0, different = 0
    var details: [JSONValue] = []
    for threads in [1, 2] {
        let alone = ELMoRunner(model: model, threads: threads)
        let batch32 = ELMoRunner(model: model, threads: threads).embed(sentences)
        let batch8 = ELMoRunner(model: model, threads: threads).embed(Array(sentences[8..<16]))
        for i in [0, 9, 31] {
            let single = alone.embed([sentences[i]])[0].values
            var against = [batch32[i].values]
            if (8..<16).contains(i) { against.append(batch8[i - 8].values) }
            for other in against {
                checked += 1
                let same = single.count == other.count && zip(single, other).allSatisfy { $0.bitPattern == $1.bitPattern }
                if !same { different += 1 }
                details.append(.object([("threads", JSONValue(threads)), ("sentence", JSONValue(i)), ("identical", JSONValue(same))]))
            }
        }
    }
    emit([("checked", JSONValue(checked)), ("different", JSONValue(different)), ("identical", JSONValue(different == 0)),
          ("details", .array(details))])
}

/// Writes the bench sentence stream as text, one sentence per line (for `elmokit embed`).
func sentencesText(_ args: Args) throws {
    guard let out = args.positional.first else { fail("usage: sentences OUT.txt --sentences S.json --count N") }
    let sentences = try benchSentences(args.string("sentences"), count: args.int("count", 240))
    try (sentences.map { $0.joined(separator: " ") }.joined(separator: "\n") + "\n").write(toFile: out, atomically: true, encoding: .utf8)
    emit([("sentences", JSONValue(sentences.count)), ("tokens", JSONValue(sentences.reduce(0) { $0 + $1.count }))])
}

/// The machine and libraries the figures come from.
func environment(_ args: Args) {
    var cpu = "unknown"
    if let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
       let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }) {
        cpu = line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? cpu
    }
    let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? ""
    emit([
        ("cpu", JSONValue(cpu)), ("cores", JSONValue(ProcessInfo.processInfo.activeProcessorCount)),
        ("openblas_core", JSONValue(String(cString: openblas_get_corename()))),
        ("openblas_config", JSONValue(String(cString: openblas_get_config()))),
        ("lstm_kernels", JSONValue(ELMoRunner.kernelPath)), ("load_average", JSONValue(load)),
        ("elmokit_version", JSONValue(ELMoKitVersion.string)),
    ])
}

/// Memory read bandwidth (sum of a 512 MiB buffer) on 1 and 2 threads: the batch-1 ceiling.
func memoryBandwidth(_ args: Args) {
    let count = 128 << 20
    let pointer = UnsafeMutablePointer<Float>.allocate(capacity: count)
    pointer.initialize(repeating: 1, count: count)
    defer { pointer.deallocate() }
    let address = UInt(bitPattern: pointer)
    @Sendable func sum(_ range: Range<Int>) -> Float {
        var acc = SIMD16<Float>()
        let p = UnsafeRawPointer(bitPattern: address + UInt(range.lowerBound * 4))!.assumingMemoryBound(to: SIMD16<Float>.self)
        for i in 0..<(range.count / 16) { acc += p[i] }
        return acc.sum()
    }
    var members: [(String, JSONValue)] = []
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: 2)
    defer { sums.deallocate() }
    let sumsAddress = UInt(bitPattern: sums)
    var total: Float = 0
    for threads in [1, 2] {
        var times: [Double] = []
        for _ in 0..<5 {
            let t0 = now()
            let chunk = count / threads
            DispatchQueue.concurrentPerform(iterations: threads) { i in
                UnsafeMutablePointer<Float>(bitPattern: sumsAddress)![i] = sum((i * chunk)..<((i + 1) * chunk))
            }
            times.append(now() - t0)
            total += sums[0] + (threads > 1 ? sums[1] : 0)
        }
        members.append(("read_gbps_\(threads)_threads", JSONValue(Double(count * 4) / median(times) / 1e9)))
    }
    members.append(("checksum", JSONValue(Double(total))))
    emit(members)
}

// MARK: - Main

let argv = CommandLine.arguments
guard argv.count >= 2 else { fail("usage: elmokit-bench peak|load|embed|identity|sentences …") }
let args = Args(argv.dropFirst(2))
do {
    switch argv[1] {
    case "peak": peak(args)
    case "load": try load(args)
    case "embed": try embed(args)
    case "identity": try identity(args)
    case "sentences": try sentencesText(args)
    case "env": environment(args)
    case "membw": memoryBandwidth(args)
    default: fail("unknown subcommand \(argv[1])")
    }
} catch {
    fail("\(error)")
}
