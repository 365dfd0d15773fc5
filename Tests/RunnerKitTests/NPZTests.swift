import Foundation
import Testing

@testable import RunnerFiles

@Suite struct NPZTests {
    /// Arrays of shapes `[3, 5]`, `[5]` and `[]`, with values Python can recompute exactly.
    static let arrays = [
        NamedArray(name: "wg", shape: [3, 5], values: (0..<15).map { Double($0) * 0.25 - 1 }),
        NamedArray(name: "bg", shape: [5], values: [-0.0, 1e-300, -2.5e300, 0.1, 3]),
        NamedArray(name: "loss", shape: [], values: [0.125]),
    ]

    /// Runs a Python program with numpy, `argv[1]` being `path`, and returns its standard output.
    static func python(_ program: String, path: String) throws -> String {
        let result = try runProgram("python3", ["-c", program, path])
        #expect(result.status == 0, "python3 failed: \(result.standardError)")
        return String(decoding: result.standardOutput, as: UTF8.self)
    }

    // MARK: - Writing

    @Test func writtenArraysReadBackExactly() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("export.npz")
            try NPZ.write(Self.arrays, to: url)
            let read = try NPZ.read(from: url)
            #expect(read == Self.arrays)
            #expect(read.map(\.shape) == [[3, 5], [5], []])
            #expect(read[1].values[0].sign == .minus)
        }
    }

    @Test func numpyLoadsTheWrittenFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("export.npz")
            try NPZ.write(Self.arrays, to: url)
            let program = """
                import sys, numpy as np
                f = np.load(sys.argv[1])
                assert f.files == ['wg', 'bg', 'loss'], f.files
                wg, bg, loss = f['wg'], f['bg'], f['loss']
                assert all(a.dtype == np.float64 for a in (wg, bg, loss))
                assert wg.shape == (3, 5) and bg.shape == (5,) and loss.shape == (), (wg.shape, bg.shape, loss.shape)
                assert wg.flags['C_CONTIGUOUS']
                assert np.array_equal(wg, np.arange(15).reshape(3, 5) * 0.25 - 1)
                assert bg.tolist() == [-0.0, 1e-300, -2.5e300, 0.1, 3.0] and np.signbit(bg[0])
                assert float(loss) == 0.125
                print('ok')
                """
            #expect(try Self.python(program, path: url.path) == "ok\n")
        }
    }

    @Test(arguments: [([3, 5], "(3, 5)"), ([5], "(5,)"), ([], "()"), ([2, 0, 4], "(2, 0, 4)")])
    func npyHeaderIsNumpysAndPaddedTo64Bytes(_ shape: [Int], _ text: String) throws {
        let count = NamedArray.elementCount(of: shape) ?? 0
        let array = NamedArray(name: "a", shape: shape, values: Array(repeating: 1.5, count: count))
        let npy = try NPYFormat.encode(array, file: "x.npz")
        #expect(Array(npy.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLength = Int(npy[8]) | Int(npy[9]) << 8
        let header = String(decoding: npy[10..<(10 + headerLength)], as: UTF8.self)
        #expect(header.hasPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': \(text), }"))
        #expect(header.hasSuffix("\n"))
        #expect(header.dropLast().drop { $0 != "}" }.dropFirst().allSatisfy { $0 == " " })
        #expect((10 + headerLength) % 64 == 0)
        #expect(npy.count == 10 + headerLength + 8 * count)
    }

    @Test func writeReplacesAFileAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("export.npz")
            try NPZ.write(Self.arrays, to: url)
            try NPZ.write([Self.arrays[2]], to: url)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["export.npz"])
            #expect(try NPZ.read(from: url) == [Self.arrays[2]])
        }
    }

    @Test func writeIsDeterministic() throws {
        try withTemporaryDirectory { directory in
            let first = directory.appendingPathComponent("a.npz")
            let second = directory.appendingPathComponent("b.npz")
            try NPZ.write(Self.arrays, to: first)
            try NPZ.write(Self.arrays, to: second)
            #expect(try Data(contentsOf: first) == Data(contentsOf: second))
        }
    }

    @Test func writeRejectsValuesThatDoNotFillTheShapeAndRepeatedNames() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("export.npz")
            let short = NamedArray(name: "xs", shape: [2, 3], values: [1, 2])
            let error = #expect(throws: NPZError.self) { try NPZ.write([short], to: url) }
            #expect(error?.code == .invalidArray)
            #expect(error?.description.hasPrefix("\(url.path): array 'xs': invalidArray: ") == true)
            let repeated = #expect(throws: NPZError.self) { try NPZ.write([Self.arrays[0], Self.arrays[0]], to: url) }
            #expect(repeated?.code == .invalidArray)
            let left = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            #expect(left.isEmpty)
        }
    }

    @Test func writeIntoAMissingDirectoryIsAnIOError() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("missing/export.npz")
            let error = #expect(throws: NPZError.self) { try NPZ.write(Self.arrays, to: url) }
            #expect(error?.code == .io)
            #expect(error?.description.contains(url.path) == true)
        }
    }

    // MARK: - Reading numpy's files

    @Test(arguments: ["savez", "savez_compressed"])
    func readsAFileNumpySavedWithIntegerAndBoolArrays(_ function: String) throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("numpy.npz")
            let program = """
                import sys, numpy as np
                np.\(function)(sys.argv[1],
                    f=np.arange(6, dtype=np.float64).reshape(2, 3) / 4,
                    i=np.array([-3, 0, 2**40], dtype=np.int64),
                    b=np.array([[True, False], [False, True]]),
                    s=np.float64(2.5),
                    e=np.zeros((0, 3)))
                """
            _ = try Self.python(program, path: url.path)
            let arrays = try NPZ.read(from: url)
            #expect(
                arrays == [
                    NamedArray(name: "f", shape: [2, 3], values: [0, 0.25, 0.5, 0.75, 1, 1.25]),
                    NamedArray(name: "i", shape: [3], values: [-3, 0, 1_099_511_627_776]),
                    NamedArray(name: "b", shape: [2, 2], values: [1, 0, 0, 1]),
                    NamedArray(name: "s", shape: [], values: [2.5]),
                    NamedArray(name: "e", shape: [0, 3], values: []),
                ]
            )
        }
    }

    @Test func fortranOrderIsRejectedNamingTheFileAndArray() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("numpy.npz")
            let program = """
                import sys, numpy as np
                np.savez(sys.argv[1], ok=np.zeros(2), w=np.asfortranarray(np.ones((2, 3))))
                """
            _ = try Self.python(program, path: url.path)
            let error = #expect(throws: NPZError.self) { try NPZ.read(from: url) }
            #expect(error?.code == .unsupported)
            #expect(error?.array == "w")
            #expect(error?.description.hasPrefix("\(url.path): array 'w': unsupported: ") == true)
            #expect(error?.message.contains("Fortran order") == true)
        }
    }

    @Test(arguments: ["np.float32", "'>f8'", "np.int32", "np.complex128"])
    func otherDTypesAreRejectedNamingTheArray(_ dtype: String) throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("numpy.npz")
            _ = try Self.python(
                "import sys, numpy as np; np.savez(sys.argv[1], v=np.ones(3, dtype=\(dtype)))", path: url.path)
            let error = #expect(throws: NPZError.self) { try NPZ.read(from: url) }
            #expect(error?.code == .unsupported)
            #expect(error?.array == "v")
            #expect(error?.message.contains("astype(numpy.float64)") == true, "\(String(describing: error))")
        }
    }

    @Test func structuredDTypeIsRejected() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("numpy.npz")
            let program =
                "import sys, numpy as np; np.savez(sys.argv[1], r=np.zeros(2, dtype=[('a', '<f8'), ('b', '<i8')]))"
            _ = try Self.python(program, path: url.path)
            let error = #expect(throws: NPZError.self) { try NPZ.read(from: url) }
            #expect(error?.code == .unsupported)
        }
    }

    // MARK: - Damaged input

    @Test func fileThatIsNotAZipArchiveIsRejected() throws {
        try withTemporaryDirectory { directory in
            let url = directory.appendingPathComponent("plain.npz")
            try Data("just text, not a zip archive".utf8).write(to: url)
            let error = #expect(throws: NPZError.self) { try NPZ.read(from: url) }
            #expect(error?.code == .notAnArchive)
            #expect(error?.description.hasPrefix(url.path) == true)
        }
    }

    @Test func missingFileIsAnIOError() throws {
        let error = #expect(throws: NPZError.self) {
            try NPZ.read(from: URL(fileURLWithPath: "exports/none.npz"))
        }
        #expect(error?.code == .io)
        #expect(error?.description.hasPrefix("exports/none.npz: io: ") == true, "\(String(describing: error))")
    }

    @Test func truncatedNpyEntryIsMalformed() throws {
        var npy = try NPYFormat.encode(Self.arrays[0], file: "x.npz")
        npy.removeLast(8)
        let error = #expect(throws: NPZError.self) { try NPYFormat.decode(npy, name: "wg", file: "x.npz") }
        #expect(error?.code == .malformed)
        #expect(error?.message.contains("112 bytes of data but shape [3, 5] needs 120") == true)
    }

    @Test(arguments: [
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5), }",
        "{'descr':'<f8','fortran_order':False,'shape':(3,5)}",
        "{\"shape\": (3L, 5L), \"fortran_order\": False, \"descr\": \"<f8\"}",
    ])
    func headerParserAcceptsNumpysSpellings(_ text: String) throws {
        let header = try NPYFormat.Header(parsing: Array((text + "   \n").utf8))
        #expect(header.descr == "<f8" && !header.fortranOrder && header.shape == [3, 5])
    }

    @Test(arguments: [
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'fortran_order': 0, 'shape': ()}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 5)",
        "['descr']",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}",
    ])
    func headerParserRejectsBrokenHeaders(_ text: String) throws {
        #expect(throws: NPYFormat.ParseError.self) { try NPYFormat.Header(parsing: Array(text.utf8)) }
    }
}

/// Archives that inflate past what their arrays declare, or that name an array twice.
@Suite struct NPZBoundTests {
    /// A deflated archive of `entries` (Python's zipfile), read back as bytes.
    static func archive(_ entries: [(String, Data)], in directory: URL) throws -> Data {
        var paths: [String] = []
        for (index, (_, data)) in entries.enumerated() {
            let path = directory.appendingPathComponent("entry-\(index)").path
            try data.write(to: URL(fileURLWithPath: path))
            paths.append(path)
        }
        let zip = directory.appendingPathComponent("a.npz").path
        let names = entries.map(\.0)
        let program = """
            import sys, zipfile, warnings
            warnings.simplefilter("ignore")
            names = sys.argv[2].split(",")
            with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
                for name, path in zip(names, sys.argv[3:]):
                    z.writestr(name, open(path, "rb").read())
            """
        let result = try runProgram("python3", ["-c", program, zip, names.joined(separator: ",")] + paths)
        try #require(result.status == 0, "\(result.standardError)")
        return try Data(contentsOf: URL(fileURLWithPath: zip))
    }

    @Test func anEntryThatInflatesPastItsHeaderIsCutOffThere() throws {
        try withTemporaryDirectory { directory in
            let npy = try NPYFormat.encode(NPZTests.arrays[0], file: "x.npz")
            let flood = 4 << 20
            let data = try Self.archive([("wg.npy", npy + Data(count: flood))], in: directory)
            #expect(data.count < flood / 100)
            let error = #expect(throws: NPZError.self) { try NPZ.read(data: data, file: "bomb.npz") }
            #expect(error?.code == .malformed)
            #expect(error?.message.contains("shape [3, 5] needs 120") == true, "\(String(describing: error))")
            // Stopped about one chunk past the declared end, not after all the entry holds.
            #expect(error?.message.contains("holds \(120 + flood) bytes") == false)
        }
    }

    @Test func anEntryThatIsNotAnArrayIsNotInflatedWhole() throws {
        try withTemporaryDirectory { directory in
            let npy = try NPYFormat.encode(NPZTests.arrays[0], file: "x.npz")
            let data = try Self.archive([("wg.npy", npy), ("extra.npy", Data(count: 4 << 20))], in: directory)
            let error = #expect(throws: NPZError.self) { try NPZ.read(data: data, file: "bomb.npz") }
            #expect(error?.array == "extra")
            #expect(error?.message.contains(".npy magic") == true)
        }
    }

    @Test func anArrayGivenTwiceIsRefused() throws {
        try withTemporaryDirectory { directory in
            let first = try NPYFormat.encode(NPZTests.arrays[0], file: "x.npz")
            let second = try NPYFormat.encode(NPZTests.arrays[1], file: "x.npz")
            let data = try Self.archive([("wg.npy", first), ("wg.npy", second)], in: directory)
            let error = #expect(throws: NPZError.self) { try NPZ.read(data: data, file: "dup.npz") }
            #expect(error?.message.contains("holds wg.npy twice") == true, "\(String(describing: error))")
        }
    }
}
