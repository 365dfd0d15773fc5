import Foundation
import Testing

@testable import RunnerFiles

@Suite struct AtomicFileTests {
    struct WriterFailure: Error {}

    static func names(in directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test func writeReplacesTheFileAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("export.json")
            try AtomicFile.write(Data("old".utf8), to: url)
            try AtomicFile.write(Data("new".utf8), to: url)
            #expect(try Data(contentsOf: url) == Data("new".utf8))
            #expect(try Self.names(in: directory) == ["export.json"])
        }
    }

    @Test func emptyDataWritesAnEmptyFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("empty")
            try AtomicFile.write(Data(), to: url)
            #expect(try Data(contentsOf: url).isEmpty)
        }
    }

    @Test func temporaryFileIsHiddenBesideTheDestinationWithPIDAndRandomSuffix() throws {
        let url = URL(fileURLWithPath: "/data/results/3f2a.ckpt.gz")
        let temporary = AtomicFile.temporaryURL(for: url)
        #expect(temporary.deletingLastPathComponent() == url.deletingLastPathComponent())
        let name = temporary.lastPathComponent
        let prefix = ".3f2a.ckpt.gz.tmp-\(ProcessInfo.processInfo.processIdentifier)-"
        #expect(name.hasPrefix(prefix), "\(name)")
        let suffix = name.dropFirst(prefix.count)
        #expect(suffix.count == 8 && suffix.allSatisfy(\.isHexDigit), "\(name)")
    }

    @Test func failingWriterLeavesTheOldFileAndNoTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("export.npz")
            try AtomicFile.write(Data("old".utf8), to: url)
            #expect(throws: WriterFailure.self) {
                try AtomicFile.write(to: url) { temporary in
                    try Data("half".utf8).write(to: temporary)
                    throw WriterFailure()
                }
            }
            #expect(try Data(contentsOf: url) == Data("old".utf8))
            #expect(try Self.names(in: directory) == ["export.npz"])
        }
    }

    @Test(arguments: [false, true])
    func streamWritesThePiecesAndAFailureMidwayLeavesNothingNew(replacing: Bool) throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("run.ckpt.gz")
            if replacing { try AtomicFile.write(Data("old".utf8), to: url) }
            #expect(throws: WriterFailure.self) {
                try AtomicFile.stream(to: url, deferSync: true) { file in
                    try file.write(Data("half".utf8))
                    throw WriterFailure()
                }
            }
            #expect(try Self.names(in: directory) == (replacing ? ["run.ckpt.gz"] : []))
            if replacing { #expect(try Data(contentsOf: url) == Data("old".utf8)) }
            try AtomicFile.stream(to: url, deferSync: true) { file in
                try file.write(Data("one, ".utf8))
                try file.write(Data("two".utf8))
            }
            #expect(try Data(contentsOf: url) == Data("one, two".utf8))
            #expect(try Self.names(in: directory) == ["run.ckpt.gz"])
        }
    }

    @Test func failedRenameRemovesTheTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("occupied")
            try FileManager.default.createDirectory(
                at: url.appendingPathComponent("inside"),
                withIntermediateDirectories: true
            )
            let error = #expect(throws: AtomicFileError.self) { try AtomicFile.write(Data("x".utf8), to: url) }
            #expect(error?.code == .rename)
            #expect(error?.description.hasPrefix(url.path + ": cannot move the new file into place: ") == true)
            #expect(try Self.names(in: directory) == ["occupied"])
        }
    }

    @Test func missingDirectoryIsAnErrorUnlessAskedToCreateIt() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("a/b/file")
            let error = #expect(throws: AtomicFileError.self) { try AtomicFile.write(Data("x".utf8), to: url) }
            #expect(error?.code == .createTemporary)
            #expect(error?.reason.contains("No such file or directory") == true)
            try AtomicFile.write(Data("x".utf8), to: url, createDirectory: true)
            #expect(try Data(contentsOf: url) == Data("x".utf8))
        }
    }
}
