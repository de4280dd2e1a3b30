// swift-tools-version:6.0
// Fuzz harness for ELMoKit, kept out of the main package so that `swift build` / `swift test` at
// the root never see sanitizer flags. Build and run through `scripts/fuzz` (see Fuzz/README.md):
// it passes `-sanitize=fuzzer,address -DFUZZING` and uses this folder's own .build.
import PackageDescription

let package = Package(
    name: "ELMoKitFuzz",
    dependencies: [.package(name: "ELMoKit", path: "..")],
    targets: [
        // Declares libFuzzer's LLVMFuzzerRunDriver; header only, nothing compiled or linked here
        // (-sanitize=fuzzer links the runtime).
        .systemLibrary(name: "CLibFuzzer"),
        .executableTarget(name: "elmokit-fuzz",
                          dependencies: ["CLibFuzzer", .product(name: "ELMoKit", package: "ELMoKit")]),
    ]
)
