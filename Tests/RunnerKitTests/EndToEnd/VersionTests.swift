import Foundation
import Testing

@Suite struct VersionTests {
    @Test func versionNamesTheReleaseTheCodeAndTheBuild() throws {
        try withTemporaryDirectory { directory in
            let result = try RunnerCLI.run(["--version"], in: directory)
            #expect(result.status == 0, "\(result.stderr)")
            let line = result.stdout.trimmingCharacters(in: .newlines)
            #expect(line.hasPrefix("runner "), "\(line)")
            #expect(line.contains("(code git:") || line.contains("(code exe:"), "\(line)")
            #expect(line.contains("swift "), "\(line)")
            #expect(!line.contains("\n"))
        }
    }
}
