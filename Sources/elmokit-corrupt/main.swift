import CorruptionKit
import ELMoKit
import Foundation

// elmokit-corrupt: the full run of the corruption generator (scripts/corrupt, docs/ERRORS.md).
// Every case runs in its own child process (this executable with --case), so a crash or a hang
// is counted instead of ending the run.
//
//   elmokit-corrupt MODEL.elmk [--flips N] [--seed S] [--timeout SECONDS] [--jobs N] [--verbose]
//   elmokit-corrupt MODEL.elmk --case INDEX [--flips N] [--seed S]     (one case, in this process)
//   elmokit-corrupt --write-sample PATH       (writes CorruptionKit's small sample model, no download)

struct Settings {
    var model = ""
    var flips = 1000
    var seed: UInt64 = 1
    var timeout = 10.0
    var jobs = 2
    var verbose = false
    var caseIndex: Int?
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("elmokit-corrupt: \(message)\n".utf8))
    exit(2)
}

func number(_ text: String, _ option: String) -> Int {
    guard let n = Int(text), n >= 0 else { fail("\(option) takes a non-negative integer, got '\(text)'") }
    return n
}

func parse(_ argv: [String]) -> Settings {
    var s = Settings()
    var i = 0
    func value() -> String {
        i += 1
        guard i < argv.count else { fail("\(argv[i - 1]) needs a value") }
        return argv[i]
    }
    while i < argv.count {
        switch argv[i] {
        case "--flips": s.flips = number(value(), "--flips")
        case "--seed": s.seed = UInt64(number(value(), "--seed"))
        case "--timeout": s.timeout = Double(number(value(), "--timeout"))
        case "--jobs": s.jobs = max(1, number(value(), "--jobs"))
        case "--case": s.caseIndex = number(value(), "--case")
        case "--verbose", "-v": s.verbose = true
        case let arg where !arg.hasPrefix("-") && s.model.isEmpty: s.model = arg
        default: fail("unknown argument '\(argv[i])'\nusage: elmokit-corrupt MODEL.elmk [--flips N] [--seed S] [--timeout SECONDS] [--jobs N] [--verbose]")
        }
        i += 1
    }
    if s.model.isEmpty { fail("usage: elmokit-corrupt MODEL.elmk [--flips N] [--seed S] [--timeout SECONDS] [--jobs N] [--verbose]") }
    return s
}

if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "--write-sample" {
    do { try SampleModel.write(to: CommandLine.arguments[2]) } catch { fail("\(error)") }
    exit(0)
}
let settings = parse(Array(CommandLine.arguments.dropFirst()))
guard let modelData = FileManager.default.contents(atPath: settings.model) else { fail("cannot read \(settings.model)") }
let suite: CorruptionSuite
do { suite = try CorruptionSuite(base: Array(modelData), flips: settings.flips, seed: settings.seed) } catch {
    fail("\(settings.model) is not a valid checkpoint to corrupt: \(error)")
}

// MARK: - Child: run one case, print its outcome as one JSON line.

if let index = settings.caseIndex {
    guard suite.cases.indices.contains(index) else { fail("no case \(index)") }
    let outcome = CorruptionSuite.run(suite.cases[index].bytes(in: suite))
    let json: JSONValue
    switch outcome {
    case .success: json = .object([("outcome", JSONValue("success"))])
    case let .error(code, tensor, message):
        json = .object([("outcome", JSONValue("error")), ("code", JSONValue(code.rawValue)),
                        ("tensor", tensor.map { JSONValue($0) } ?? .null), ("message", JSONValue(message))])
    case let .foreign(text): json = .object([("outcome", JSONValue("foreign")), ("message", JSONValue(text))])
    }
    print(json.canonicalString())
    exit(0)
}

// MARK: - Parent: every case in a child process, at most `jobs` at a time.

enum Result {
    case verdict(Verdict, Outcome)
    case crashed(Int32)
    case hung
    case unclear(String)
}

func outcome(fromJSON line: String) -> Outcome? {
    guard let json = try? JSONParser.parse(line), let kind = json["outcome"]?.stringValue else { return nil }
    switch kind {
    case "success": return .success
    case "error":
        guard let raw = json["code"]?.stringValue, let code = ELMoKitError.Code(rawValue: raw) else { return nil }
        return .error(code: code, tensor: json["tensor"]?.stringValue, message: json["message"]?.stringValue ?? "")
    default: return .foreign(json["message"]?.stringValue ?? "?")
    }
}

final class Running {
    let index: Int
    let process: Process
    let pipe: Pipe
    let started = Date()
    var output = Data()
    init(index: Int, process: Process, pipe: Pipe) { (self.index, self.process, self.pipe) = (index, process, pipe) }
}

@MainActor func start(_ index: Int) -> Running {
    let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    var environment = ProcessInfo.processInfo.environment
    environment["SWIFT_BACKTRACE"] = "enable=no"  // a crash is counted here; no backtrace dump needed
    let process = Process()
    process.executableURL = executable
    process.arguments = [settings.model, "--case", String(index), "--flips", String(settings.flips), "--seed", String(settings.seed)]
    process.environment = environment
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { fail("cannot start a child: \(error)") }
    return Running(index: index, process: process, pipe: pipe)
}

let began = Date()
var results = [Result?](repeating: nil, count: suite.cases.count)
var running: [Running] = []
var next = 0
while next < suite.cases.count || !running.isEmpty {
    while running.count < settings.jobs, next < suite.cases.count {
        running.append(start(next))
        next += 1
    }
    usleep(1000)
    var still: [Running] = []
    for r in running {
        if r.process.isRunning {
            if Date().timeIntervalSince(r.started) > settings.timeout {
                kill(r.process.processIdentifier, SIGKILL)
                r.process.waitUntilExit()
                results[r.index] = .hung
            } else {
                still.append(r)
            }
            continue
        }
        // One short line: it fits the pipe's buffer, so reading after exit cannot deadlock.
        r.output.append(r.pipe.fileHandleForReading.readDataToEndOfFile())
        if r.process.terminationReason == .uncaughtSignal {
            results[r.index] = .crashed(r.process.terminationStatus)
        } else if r.process.terminationStatus != 0 {
            results[r.index] = .unclear("child exited \(r.process.terminationStatus)")
        } else if let line = String(data: r.output, encoding: .utf8), let o = outcome(fromJSON: line) {
            results[r.index] = .verdict(CorruptionSuite.judge(o, suite.cases[r.index].expectation), o)
        } else {
            results[r.index] = .unclear("child printed no outcome")
        }
    }
    running = still
}
let seconds = Date().timeIntervalSince(began)

// MARK: - Report

struct Tally { var total = 0, passed = 0, atRule = 0; var codes: [String: Int] = [:] }
var tallies: [CorruptionCase.Kind: Tally] = [:]
var crashes = 0, hangs = 0, silent = 0, wrongTensor = 0, unclear = 0, rejectedControls = 0
var failures: [String] = []
var rulesReached = Set<String>()
for (i, result) in results.enumerated() {
    let c = suite.cases[i]
    var t = tallies[c.kind, default: Tally()]
    t.total += 1
    switch result! {
    case let .verdict(verdict, outcome):
        if case let .error(code, _, _) = outcome {
            t.codes[code.rawValue, default: 0] += 1
            rulesReached.insert(code.rawValue)
        }
        switch verdict {
        case .namedTensor, .accepted: t.passed += 1; t.atRule += 1
        case let .clearError(atRule):
            t.passed += 1
            if atRule { t.atRule += 1 } else { failures.append("note: \(c.name): \(outcome), expected \(c.expectation)") }
        case let .failed(why):
            if case .success = outcome { silent += 1 }
            if case .tensorChecksum = c.expectation, case .error = outcome { wrongTensor += 1 }
            if case .success = c.expectation { rejectedControls += 1 }
            failures.append("FAIL: \(c.name): \(why)")
        }
    case let .crashed(signal): crashes += 1; failures.append("CRASH (signal \(signal)): \(c.name)")
    case .hung: hangs += 1; failures.append("HANG (> \(settings.timeout) s): \(c.name)")
    case let .unclear(why): unclear += 1; failures.append("FAIL: \(c.name): \(why)")
    }
    tallies[c.kind] = t
    if settings.verbose { print("\(c.kind.rawValue): \(c.name): \(result!)") }
}

print("elmokit-corrupt: \(settings.model): \(suite.base.count) bytes, \(suite.tensorNames.count) tensors; "
      + "\(suite.cases.count) cases (\(settings.flips) flips, seed \(settings.seed)), \(settings.jobs) jobs, one process per case")
for kind in CorruptionCase.Kind.allCases {
    guard let t = tallies[kind] else { continue }
    let what: String
    switch kind {
    case .flipInData: what = "named the damaged tensor (E_TENSOR_CHECKSUM)"
    case .control: what = "accepted"
    default: what = "clear errors (\(t.atRule) at the targeted rule)"
    }
    let codes = t.codes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    print("  \(kind.rawValue.padding(toLength: 26, withPad: " ", startingAt: 0)) \(t.passed)/\(t.total) \(what)"
          + (codes.isEmpty ? "" : "\n      codes: \(codes)"))
}
print("  crashes \(crashes), hangs \(hangs), silent successes \(silent), wrong tensor named \(wrongTensor), "
      + "valid variants rejected \(rejectedControls), other failures \(unclear)")
print("  error codes reached: \(rulesReached.sorted().joined(separator: " "))")
for line in failures { print(line) }
let ok = crashes + hangs + silent + wrongTensor + unclear + rejectedControls == 0 && !failures.contains { $0.hasPrefix("FAIL") }
print("\(ok ? "PASS" : "FAIL"): \(suite.cases.count) cases in \(String(format: "%.1f", seconds)) s")
exit(ok ? 0 : 1)
