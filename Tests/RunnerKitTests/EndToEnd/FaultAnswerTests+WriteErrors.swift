import Foundation
import Testing

/// Write errors on standard output and output files (issue 11, items 20, 22).
extension FaultAnswerTests {
    @Test func aFullStandardOutputOrOutputFileFailsWithOneLine() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            let full = try Self.fullDevice(in: directory)
            let line = "error: cannot write to standard output: No space left on device\n"
            for arguments in [
                ["report", "--db", "runs.sqlite"],
                ["export", "tiny", "--runs", "--format", "csv", "--db", "runs.sqlite"],
                ["plugins"], ["train", "--iterations", "2"],
            ] {
                let result = try Self.run(arguments, in: directory, standardOutput: full)
                #expect(result.status == 1, "\(arguments)")
                #expect(result.stderr == line, "\(arguments)")
            }
            let runID = try #require(
                try RunnerCLI.run(
                    ["export", "tiny", "--runs", "--format", "csv", "--db", "runs.sqlite"], in: directory
                )
                .stdout.split(separator: "\n").dropFirst().first?.split(separator: ",").first.map(String.init))
            for format in ["json", "npz"] {
                let export = try RunnerCLI.run(
                    ["export", runID, "--format", format, "-o", full, "--db", "runs.sqlite"], in: directory)
                #expect(export.status == 1, "\(format): \(export.stderr)")
                #expect(export.stderr.contains("No space left on device"), "\(export.stderr)")
            }
            let saved = try RunnerCLI.run(["train", "--iterations", "2", "--save-init", full], in: directory)
            #expect(saved.status == 1)
            #expect(saved.stderr.hasPrefix("error: cannot write \(full) (--save-init): writing failed: No space left"))
            let attributes = try FileManager.default.attributesOfItem(atPath: full)
            #expect(attributes[.type] as? FileAttributeType == .typeCharacterSpecial)
        }
    }

    @Test func anUnwritableSaveInitPathIsOneCleanLine() throws {
        try withTemporaryDirectory { directory in
            let result = try RunnerCLI.run(
                ["train", "--iterations", "2", "--save-init", "/proc/x.json"], in: directory)
            #expect(result.status == 1)
            #expect(result.stderr.hasPrefix("error: cannot write /proc/x.json (--save-init): "))
            #expect(!result.stderr.contains("NSCocoaErrorDomain"))
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func aReaderThatWentAwayEndsTheOutputQuietlyWithStatus141() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            // A pipe nobody reads, and SIGPIPE ignored as `runner run` ignores it: writes fail with EPIPE.
            let pipe = Pipe()
            try pipe.fileHandleForReading.close()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "trap '' PIPE; exec \"$0\" report --db runs.sqlite", RunnerCLI.binary.path]
            process.currentDirectoryURL = directory
            let errors = Pipe()
            process.standardOutput = pipe.fileHandleForWriting
            process.standardError = errors
            try process.run()
            try pipe.fileHandleForWriting.close()
            let stderr = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit)
            #expect(process.terminationStatus == 141)
            #expect(stderr.isEmpty, "\(String(decoding: stderr, as: UTF8.self))")
        }
    }

    /// With standard output and standard error both closed, a failed write cannot be reported:
    /// `runner` exits 1, it does not trap on the report it cannot write.
    @Test(arguments: [
        ["report", "--db", "runs.sqlite"], ["plugins"],
        ["train", "--iterations", "2", "--hidden", "3", "--input", "2"],
        ["export", "tiny", "--runs", "--format", "csv", "--db", "runs.sqlite"],
    ])
    func closedStandardOutputAndErrorEndWithStatus1(_ arguments: [String]) throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "exec \"$0\" \"$@\" >&- 2>&-", RunnerCLI.binary.path] + arguments
            process.currentDirectoryURL = directory
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationReason == .exit, "\(arguments[0]) trapped (signal \(process.terminationStatus))")
            #expect(process.terminationStatus == 1)
        }
    }

    @Test func exportToALinkToStandardOutputWritesTheFileAloneWhereStandardOutputPoints() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            let csv = try RunnerCLI.run(
                ["export", "tiny", "--runs", "--format", "csv", "--db", "runs.sqlite"], in: directory)
            let runID = try #require(csv.stdout.split(separator: "\n").dropFirst().first?.split(separator: ",").first)
            // What /dev/stdout is, made here: a runner that renames over its output removes only this link.
            let link = directory.appendingPathComponent("stdout").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/proc/self/fd/1")
            let file = directory.appendingPathComponent("weights.json").path
            _ = FileManager.default.createFile(atPath: file, contents: nil)
            let result = try Self.run(
                ["export", String(runID), "--format", "json", "-o", link, "--db", "runs.sqlite"],
                in: directory, standardOutput: file)
            #expect(result.status == 0, "\(result.stderr)")
            let weights = try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: file)))
            #expect((weights as? [String: Any])?["wg"] != nil)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == "/proc/self/fd/1")
        }
    }
}
