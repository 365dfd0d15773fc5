// swift-tools-version: 6.2
// A package of your own plugins for lstm-runner: it depends on the library products and gets the
// whole `runner` command line (run, report, verify, export, ...) with its plugins added.
import PackageDescription

let package = Package(
    name: "custom-plugin",
    dependencies: [
        // In your own package: .package(url: "https://github.com/OWNER/lstm-runner", from: "0.5.0").
        .package(name: "lstm-runner", path: "../..")
    ],
    targets: [
        .executableTarget(
            name: "my-runner",
            dependencies: [
                .product(name: "LSTMCore", package: "lstm-runner"),
                .product(name: "RunnerModel", package: "lstm-runner"),
                .product(name: "RunnerSpec", package: "lstm-runner"),
                .product(name: "RunnerCLI", package: "lstm-runner"),
            ],
            swiftSettings: [.swiftLanguageMode(.v6)]
        )
    ]
)
