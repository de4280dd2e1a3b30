import ELMoKit
import Foundation
#if FUZZING
import CLibFuzzer
#endif

/// The target chosen on the command line; read by the C callback, which cannot capture.
nonisolated(unsafe) var currentTarget = FuzzTarget.native
let targetVariable = "ELMOKIT_FUZZ_TARGET"

/// `elmokit-fuzz TARGET [libFuzzer flags] [CORPUS_DIR...]` when built with -DFUZZING (scripts/fuzz);
/// otherwise `elmokit-fuzz TARGET FILE_OR_DIR...` replays inputs without libFuzzer, and
/// `elmokit-fuzz seeds DIR` writes the seed corpus (Fuzz/corpus).
@main
struct FuzzMain {
    static func main() {
        var args = CommandLine.arguments
        if args.count == 3, args[1] == "seeds" {
            do { try Seeds.write(to: args[2]) } catch {
                FileHandle.standardError.write(Data("elmokit-fuzz: \(error)\n".utf8))
                exit(2)
            }
            return
        }
        // The target comes first on the command line; it is also put in the environment, because
        // libFuzzer's -jobs/-fork re-run this binary with the remaining arguments only.
        let target: FuzzTarget
        if args.count >= 2, let named = FuzzTarget(rawValue: args[1]) {
            target = named
            args.remove(at: 1)
            setenv(targetVariable, named.rawValue, 1)
        } else if let name = ProcessInfo.processInfo.environment[targetVariable], let named = FuzzTarget(rawValue: name) {
            target = named
        } else {
            let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
            FileHandle.standardError.write(Data("usage: elmokit-fuzz \(names) [ARGS...] | elmokit-fuzz seeds DIR\n".utf8))
            exit(2)
        }
        currentTarget = target
#if FUZZING
        var cArgs: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        var argc = Int32(args.count)
        let status = cArgs.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var argv = buffer.baseAddress
            return LLVMFuzzerRunDriver(&argc, &argv) { data, size in
                let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
                currentTarget.run(bytes)
                return 0
            }
        }
        exit(status)
#else
        var count = 0
        for path in args.dropFirst() {
            for file in files(at: path) {
                guard let data = FileManager.default.contents(atPath: file) else { continue }
                target.run(Array(data))
                count += 1
            }
        }
        print("elmokit-fuzz: \(target.rawValue): replayed \(count) inputs, no crash")
#endif
    }

    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }
    }
}
