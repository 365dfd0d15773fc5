import Foundation
import Testing

/// Spec files that must be refused with the key path, and unknown names (issue 11, items 21, 22).
extension FaultAnswerTests {
    static let badSpecs: [(name: String, text: String, message: String)] = [
        (
            "duplicate.json", #"{"name": "d", "training": {"iterations": 3, "iterations": 5}}"#,
            "duplicate.json: training.iterations appears twice in one dictionary (the second time at line 1, column 45); keep one of them."
        ),
        (
            "null.json", #"{"name": "n", "model": {"hiddenSize": null}}"#,
            "null.json: model.hiddenSize is null; leave the key out for its default (100)."
        ),
        ("dot.json", #"{"name": "."}"#, #"dot.json: name is "."; use 1 to 100 letters"#),
        ("dotdot.json", #"{"name": ".."}"#, #"dotdot.json: name is ".."; use 1 to 100 letters"#),
        (
            "huge.json", "{\"name\": \"h\",\n \"training\": {\"learningRate\": 1e999}}",
            "huge.json: training.learningRate is 1e999 (line 2, column 31), beyond the range of a float64 number"
        ),
        (
            "deep.json", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
            "deep.json: nests lists and dictionaries more than 100 levels deep (line 1, column 101)"
        ),
        (
            "deep.plist",
            #"<?xml version="1.0"?><plist version="1.0">"# + String(repeating: "<array>", count: 100_000)
                + String(repeating: "</array>", count: 100_000) + "</plist>",
            "deep.plist: nests <array> and <dict> more than 100 levels deep (line 1)"
        ),
        (
            "data.plist",
            #"<?xml version="1.0"?><plist version="1.0"><dict><key>name</key><string>p</string>"#
                + "<key>model</key><dict><key>init</key><data>AAAA</data></dict></dict></plist>",
            "data.plist: model.init is a <data>, which no spec field holds; use <string>, <integer>, <real>"
        ),
        (
            "date.plist",
            #"<?xml version="1.0"?><plist version="1.0"><dict><key>name</key><string>p</string>"#
                + "<key>description</key><date>2020-01-01T00:00:00Z</date></dict></plist>",
            "date.plist: description is a <date>, which no spec field holds"
        ),
    ]

    @Test func badSpecsAreRefusedWithTheKeyPathAndTheFix() throws {
        try withTemporaryDirectory { directory in
            for (name, text, message) in Self.badSpecs {
                let path = try writeSpec(text, named: name, in: directory)
                let result = try RunnerCLI.run(["run", path, "--dry-run", "--db", "runs.sqlite"], in: directory)
                #expect(result.status == 64, "\(name): \(result.stderr.prefix(300))")
                #expect(result.stderr.hasPrefix("error: \(directory.path)/\(message)"), "\(result.stderr.prefix(300))")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(name)")
            }
        }
    }

    @Test func verifyOfAnUnknownNameMentionsRunsAndExperiments() throws {
        try withTemporaryDirectory { directory in
            try Self.tinyDatabase(directory)
            let result = try RunnerCLI.run(["verify", "nonexist", "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.hasPrefix(#"error: runs.sqlite: no run or experiment named "nonexist"; "#))
        }
    }
}

extension FaultAnswerTests {
    /// A value or key with a line break (or another control character) in it keeps the error on
    /// one line, the character written as an escape.
    @Test(arguments: [
        (#"{"name": "a\nb"}"#, #"name is "a\nb"; use 1 to 100"#),
        (#"{"name": "p", "model": {"cell\nOutput": "tanh"}}"#, #"model.cell\nOutput is not a known key"#),
        (#"{"name": "p", "model": {"cellOutput": "x\ty"}}"#, #"model.cellOutput is "x\ty"; known cell outputs"#),
        (#"{"name": "p", "na\u0000me": "q"}"#, #"na\u{0}me is not a known key"#),
    ])
    func controlCharactersInAnErrorAreEscaped(spec: String, message: String) throws {
        try withTemporaryDirectory { directory in
            let path = try writeSpec(spec, in: directory)
            let result = try RunnerCLI.run(["run", path, "--dry-run"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
        }
    }
}

extension FaultAnswerTests {
    /// A key given twice in a property list is refused as in JSON, at any depth.
    @Test(arguments: [
        (
            "<key>name</key><string>p</string><key>model</key><dict><key>hiddenSize</key><integer>5</integer>"
                + "<key>hiddenSize</key><integer>6</integer></dict>", "model.hiddenSize appears twice"
        ),
        (
            "<key>name</key><string>p</string><key>sweep</key><dict><key>seed</key><array><integer>1</integer>"
                + "</array></dict>\n<key>name</key><string>q</string>",
            "name appears twice in one dictionary (the second time at line 4)"
        ),
        (
            "<key>name</key><string>p</string><key>sweep</key><dict><key>seed</key><array><dict><key>a</key>"
                + "<true/><key>a</key><false/></dict></array></dict>", "sweep.seed[0].a appears twice"
        ),
    ])
    func aKeyGivenTwiceInAPropertyListIsRefused(body: String, message: String) throws {
        try withTemporaryDirectory { directory in
            let text = """
                <?xml version="1.0" encoding="UTF-8"?>
                <!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
                <plist version="1.0"><dict>\(body)</dict></plist>
                """
            let path = try writeSpec(text, named: "spec.plist", in: directory)
            let result = try RunnerCLI.run(["run", path, "--dry-run"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr.contains("spec.plist: \(message)"), "\(result.stderr)")
        }
    }
}

extension FaultAnswerTests {
    /// A whole number too large for an integer field is out of its range, not "not a whole number".
    @Test func aWholeNumberBeyondAnIntegerIsOutOfRange() throws {
        try withTemporaryDirectory { directory in
            let path = try writeSpec(#"{"name": "s", "seed": 18446744073709551615}"#, in: directory)
            let result = try RunnerCLI.run(["run", path, "--dry-run"], in: directory)
            #expect(result.status == 64)
            #expect(
                result.stderr.hasSuffix("seed is 1.8446744073709552e+19; seed must be in [0, 9007199254740992].\n"),
                "\(result.stderr)")
        }
    }
}

extension FaultAnswerTests {
    /// A command line that does not parse is one line and exit 64, like every other bad input.
    @Test(arguments: [
        (["report", "--bogus"], "error: Unknown option '--bogus'; see runner report --help.\n"),
        (["train", "--seed"], "error: Missing value for '--seed <seed>'; see runner train --help.\n"),
        (["export"], "error: Missing expected argument '<target>'; see runner export --help.\n"),
        (["bogus"], "error: Unexpected argument 'bogus'; see runner --help.\n"),
    ])
    func aCommandLineThatDoesNotParseIsOneLine(arguments: [String], message: String) throws {
        try withTemporaryDirectory { directory in
            let result = try RunnerCLI.run(arguments, in: directory)
            #expect(result.status == 64)
            #expect(result.stderr == message)
        }
    }
}
