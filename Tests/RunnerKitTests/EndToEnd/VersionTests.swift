import Foundation
import Testing

@Suite struct VersionTests {
    @Test func versionNamesTheReleaseTheCodeAndTheBuild() throws {
        try withTemporaryDirectory { directory in
            let result = try RunnerCLI.run(["--version"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            let line = result.stdout.trimmingCharacters(in: .newlines)
            #expect(line.hasPrefix("runner "), "\(line)")
            // Built from this checkout, the code is named by its commit; elsewhere by the executable's hash.
            let checkout = FileManager.default.fileExists(
                atPath: RunnerCLI.packageRoot.appendingPathComponent(".git").path)
            #expect(line.contains(checkout ? "(code git:" : "(code exe:"), "\(line)")
            #expect(line.contains("swift "), "\(line)")
            #expect(!line.contains("\n"))
        }
    }
}
