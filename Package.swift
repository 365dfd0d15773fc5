// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "lstm-runner",
    products: [
        .library(name: "LSTMCore", targets: ["LSTMCore"]),
        // What a package of plugins depends on (examples/custom-plugin): the plugin protocols and
        // registry (RunnerSpec, with RunnerModel's parameter values) and the command line to run them
        // with (RunnerCLI); RunnerKit has every layer, for programs of your own.
        .library(name: "RunnerModel", targets: ["RunnerModel"]),
        .library(name: "RunnerSpec", targets: ["RunnerSpec"]),
        .library(name: "RunnerCLI", targets: ["RunnerCLI"]),
        .library(
            name: "RunnerKit",
            targets: ["RunnerModel", "RunnerSpec", "RunnerFiles", "RunnerStore", "RunnerEngine", "RunnerReport"]),
        .executable(name: "runner", targets: ["runner"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // The math: parameters, forward pass, BPTT, losses, optimizers, RNG. No dependencies.
        .target(name: "LSTMCore"),
        // zlib through a system library target (gzip-framed checkpoints). Not named CZlib: ZIPFoundation
        // declares a module of that name, and module names must be unique in a build.
        .systemLibrary(name: "CZlibShim", providers: [.apt(["zlib1g-dev"])]),
        // The layers, each a target so that the compiler keeps dependencies pointing down (README: Modules).
        // Plain records: configs, trial results, statuses, the environment, digests.
        .target(name: "RunnerModel", dependencies: ["LSTMCore", .product(name: "Crypto", package: "swift-crypto")]),
        // Specs (loading, validation, sweeps) and the task, loss and optimizer plugins (the dataset
        // and text tasks read their files through RunnerFiles).
        .target(name: "RunnerSpec", dependencies: ["LSTMCore", "RunnerModel", "RunnerFiles"]),
        // Files: the checkpoint format, gzip, npz/npy, init files, atomic POSIX writes.
        .target(
            name: "RunnerFiles",
            dependencies: [
                "LSTMCore", "RunnerModel", "CZlibShim",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        // The results database (GRDB): schema, runs, claims, merge.
        .target(
            name: "RunnerStore",
            dependencies: [
                "LSTMCore", "RunnerModel", "RunnerSpec", "RunnerFiles", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Training: trials, the scheduler, sweeps, warm starts, verification, shards.
        .target(
            name: "RunnerEngine", dependencies: ["LSTMCore", "RunnerModel", "RunnerSpec", "RunnerFiles", "RunnerStore"]),
        // Reports: queries, statistics, tables, SVG charts, HTML.
        .target(
            name: "RunnerReport",
            dependencies: [
                "RunnerModel", "RunnerSpec", "RunnerStore", .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The command line: parsing, printing, exit codes; an entry point that takes a plugin registry.
        .target(
            name: "RunnerCLI",
            dependencies: [
                "LSTMCore", "RunnerModel", "RunnerSpec", "RunnerFiles", "RunnerStore", "RunnerEngine", "RunnerReport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "runner", dependencies: ["RunnerCLI", "RunnerSpec"]),
        // Fixtures for tests and benchmarks (a synthetic 10,000-run sweep).
        .target(name: "RunnerTestSupport", dependencies: ["RunnerModel", "RunnerSpec", "RunnerStore"]),
        .executableTarget(
            name: "lstm-bench",
            dependencies: [
                "LSTMCore", "RunnerModel", "RunnerSpec", "RunnerStore", "RunnerEngine", "RunnerReport", "RunnerCLI",
                "RunnerTestSupport",
            ]
        ),
        .testTarget(name: "LSTMCoreTests", dependencies: ["LSTMCore"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "RunnerKitTests",
            dependencies: [
                "LSTMCore", "RunnerModel", "RunnerSpec", "RunnerFiles", "RunnerStore", "RunnerEngine", "RunnerReport",
                "RunnerCLI", "RunnerTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                // .npz files of dtypes RunnerFiles does not write (int64 labels, bool masks).
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Fixtures")]
        ),
    ]
)

for target in package.targets where target.type != .system {
    target.swiftSettings =
        (target.swiftSettings ?? []) + [
            .swiftLanguageMode(.v6),
            .treatAllWarnings(as: .error),
            .enableUpcomingFeature("ExistentialAny"),
            .enableUpcomingFeature("MemberImportVisibility"),
        ]
}
