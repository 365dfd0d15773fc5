import Foundation
import Testing

/// `examples/custom-plugin`: a package outside the library that adds a task and an optimizer and
/// gets the whole command line with them. `make test` builds it (into `.build-custom-plugin`)
/// before the tests run; run alone, this test builds it first.
@Suite(.serialized) struct CustomPluginTests {
    static let example = RunnerCLI.packageRoot.appendingPathComponent("examples/custom-plugin")
    static let scratch = RunnerCLI.packageRoot.appendingPathComponent(".build-custom-plugin")

    /// The example's executable, built if it is not there yet.
    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["CUSTOM_PLUGIN_RUNNER"] {
            return URL(fileURLWithPath: path)
        }
        let built = scratch.appendingPathComponent("debug/my-runner")
        if !FileManager.default.fileExists(atPath: built.path) {
            let build = try runProgram(
                "swift", ["build", "--package-path", example.path, "--scratch-path", scratch.path, "--quiet"])
            try #require(build.status == 0, "building examples/custom-plugin failed: \(build.standardError)")
        }
        return built
    }

    static func run(_ binary: URL, _ arguments: [String], in directory: URL) throws -> (Int32, String, String) {
        let result = try RunnerCLI.run(arguments, in: directory, binary: binary)
        return (result.status, result.stdout, result.stderr)
    }

    @Test func aPackageOutsideTheRepositoryRunsASpecWithItsOwnTaskAndOptimizer() throws {
        let binary = try Self.binary()
        try withTemporaryDirectory { directory in
            let spec = Self.example.appendingPathComponent("experiments/parity.json").path
            let (status, stdout, stderr) = try Self.run(
                binary, ["run", spec, "--db", "runs.sqlite", "--quiet"], in: directory)
            #expect(status == 0, "\(stderr)")
            #expect(stdout.hasPrefix("trained 4 of 4 runs (4 completed)"), "\(stdout)")

            let listed = try Self.run(binary, ["plugins"], in: directory)
            #expect(listed.1.contains("  parity: the running parity"))
            #expect(listed.1.contains("  sign-sgd: sign descent"))

            let verified = try Self.run(binary, ["verify", "parity", "--db", "runs.sqlite"], in: directory)
            #expect(verified.0 == 0, "\(verified.2)")
            #expect(verified.1.hasSuffix("4 of 4 runs identical\n"), "\(verified.1)")

            let report = try Self.run(binary, ["report", "parity", "--db", "runs.sqlite"], in: directory)
            #expect(report.1.contains("sign-sgd   2"), "\(report.1)")

            // The standard runner does not know the plugins: the spec is refused, not half-run.
            let standard = try RunnerCLI.run(["run", spec, "--db", "other.sqlite"], in: directory)
            #expect(standard.status == 64)
            #expect(standard.stderr.contains("parity"), "\(standard.stderr)")
        }
    }

    @Test func theSameBitsComeFromTheExamplesRunnerForBuiltInPlugins() throws {
        let binary = try Self.binary()
        try withTemporaryDirectory { directory in
            let ours = try RunnerCLI.run(["train", "--iterations", "20", "--json"], in: directory)
            let theirs = try Self.run(binary, ["train", "--iterations", "20", "--json"], in: directory)
            func losses(_ text: String) throws -> [Double] {
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                return try #require(object?["losses"] as? [Double])
            }
            #expect(try losses(ours.stdout) == losses(theirs.1))
        }
    }
}
