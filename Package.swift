// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "ELMoKit",
    products: [
        .library(name: "ELMoKit", targets: ["ELMoKit"]),
        .executable(name: "elmokit", targets: ["elmokit"]),
    ],
    targets: [
        // C libraries from Debian packages: a modulemap and a shim header each, nothing compiled.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        // prctl(PR_SET_PDEATHSIG) for the CLI's isolated child process (docs/ERRORS.md); libc only.
        .systemLibrary(name: "CProcess"),
        // The LSTM step's batch-independent matmul and gate math (AVX2+FMA chosen at run time, portable C otherwise).
        .target(name: "CELMoKernels"),
        .target(name: "ELMoKit", dependencies: ["CHDF5", "COpenBLAS", "CZlib", "CCrypto", "CELMoKernels"]),
        .executableTarget(name: "elmokit", dependencies: ["ELMoKit", "CProcess"]),
        // scripts/bench's in-process measurements; not a product, not in the user-facing CLI.
        .executableTarget(name: "elmokit-bench", dependencies: ["ELMoKit", "COpenBLAS"]),
        // The corruption generator (docs/ERRORS.md): shared by the hostile-input tests and by
        // `elmokit-corrupt`, the full run behind scripts/corrupt.
        .target(name: "CorruptionKit", dependencies: ["ELMoKit"]),
        .executableTarget(name: "elmokit-corrupt", dependencies: ["CorruptionKit", "ELMoKit"]),
        .testTarget(name: "ELMoKitTests", dependencies: ["ELMoKit", "CorruptionKit", "CHDF5"]),
        .testTarget(name: "elmokitCLITests", dependencies: ["elmokit", "ELMoKit"]),
    ]
)
