// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "lstm-runner",
    products: [
        .library(name: "LSTMCore", targets: ["LSTMCore"]),
        .library(name: "RunnerKit", targets: ["RunnerKit"]),
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
        .target(
            name: "RunnerKit",
            dependencies: [
                "LSTMCore",
                "CZlibShim",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ]
        ),
        .executableTarget(
            name: "runner",
            dependencies: [
                "RunnerKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(name: "lstm-bench", dependencies: ["LSTMCore", "RunnerKit"]),
        .testTarget(name: "LSTMCoreTests", dependencies: ["LSTMCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "RunnerKitTests", dependencies: ["RunnerKit"], resources: [.copy("Fixtures")]),
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
