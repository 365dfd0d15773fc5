import Foundation
import Testing

@testable import RunnerModel
@testable import RunnerSpec

@Suite struct SpecFormatTests {
    static let experiments = RunnerCLI.packageRoot.appendingPathComponent("experiments")

    @Test func jsonAndPropertyListSpecsDecodeToTheSameTrials() throws {
        let loader = SpecLoader()
        let json = try loader.load(path: Self.experiments.appendingPathComponent("seed-sweep.json").path)
        let plist = try loader.load(path: Self.experiments.appendingPathComponent("seed-sweep.plist").path)
        #expect(json.name == plist.name)
        #expect(json.base == plist.base)
        #expect(json.axes == plist.axes)
        #expect(json.checkpoints == plist.checkpoints)
        let a = try json.trials()
        let b = try plist.trials()
        #expect(a.count == 200)
        #expect(a.map(\.runID) == b.map(\.runID))
    }

    @Test func everyExampleExperimentLoads() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.experiments.path).filter {
            $0.hasSuffix(".json") || $0.hasSuffix(".plist")
        }
        #expect(names.count >= 6)
        for name in names {
            let spec = try SpecLoader().load(path: Self.experiments.appendingPathComponent(name).path)
            #expect(try !spec.trials().isEmpty)
        }
    }

    @Test func theSameConfigHasTheSameRunIDInAnySpec() throws {
        try withTemporaryDirectory { directory in
            // A one-trial spec that spells out the seed-sweep's first trial, defaults written out.
            let single = try writeSpec(
                """
                {"name": "other-name", "description": "x",
                 "seed": 0, "stop": {"targetLoss": 1e-6},
                 "task": {"plugin": "sequence", "inputSize": 50, "targets": [-0.5, 0.2, 0.1, -0.5]},
                 "model": {"hiddenSize": 25, "cellOutput": "identity"},
                 "training": {"iterations": 100, "optimizer": "sgd", "learningRate": 0.01, "loss": "h0-squared"}}
                """,
                in: directory
            )
            let one = try SpecLoader().load(path: single).trials()
            let sweep = try SpecLoader().load(path: Self.experiments.appendingPathComponent("seed-sweep.json").path)
                .trials()
            #expect(one.count == 1)
            #expect(sweep.first?.runID == one.first?.runID)
        }
    }

    @Test func runIDsAreStableAcrossReleases() throws {
        // Golden: changing these means every recorded run id changes. Do it only on purpose.
        let trials = try SpecLoader().load(path: Self.experiments.appendingPathComponent("seed-sweep.json").path)
            .trials()
        #expect(
            trials[0].config.canonicalJSON
                == #"{"model":{"cellOutput":"identity","hiddenSize":25},"seed":0,"stop":{"targetLoss":1e-06},"task":{"inputSize":50,"plugin":"sequence","targets":[-0.5,0.2,0.1,-0.5]},"training":{"iterations":100,"learningRate":0.01,"loss":"h0-squared","optimizer":"sgd"}}"#
        )
        #expect(trials[0].runID == TrialConfig.runID(canonicalJSON: trials[0].config.canonicalJSON))
        #expect(trials[0].runID.count == 12)
    }
}

@Suite struct SweepGeneratorTests {
    func axes(_ sweep: String) throws -> [SweepAxis] {
        try withTemporaryDirectory { directory in
            try SpecLoader().load(path: writeSpec(tinySpec(sweep: sweep), in: directory)).axes
        }
    }

    func values(_ sweep: String) throws -> [ConfigValue] {
        try axes(sweep).first?.values.map { $0[0] } ?? []
    }

    @Test func explicitListsKeepTheirOrder() throws {
        #expect(try values(#"{"model.hiddenSize": [8, 2, 4]}"#) == [.integer(8), .integer(2), .integer(4)])
    }

    @Test func rangesExcludeTheEndAndTakeASteps() throws {
        #expect(try values(#"{"seed": {"range": [0, 5]}}"#) == (0..<5).map(ConfigValue.integer))
        #expect(try values(#"{"seed": {"range": [10, 0, -3]}}"#) == [10, 7, 4, 1].map(ConfigValue.integer))
    }

    @Test func linspaceIncludesBothEndsRoundedTo12Digits() throws {
        #expect(
            try values(#"{"training.learningRate": {"linspace": [0.1, 0.5], "count": 5}}"#)
                == [0.1, 0.2, 0.3, 0.4, 0.5].map(ConfigValue.number))
    }

    @Test func logspaceIsGeometric() throws {
        let numbers = try values(#"{"training.learningRate": {"logspace": [0.01, 1.0], "count": 5}}"#).compactMap {
            value -> Double? in
            if case .number(let number) = value { number } else { nil }
        }
        #expect(numbers == [0.01, 0.0316227766017, 0.1, 0.316227766017, 1.0])
    }

    @Test func randomAxesAreDrawnTogetherFromTheSpecSeed() throws {
        let sweep =
            #"{"training.learningRate": {"random": 6, "logUniform": [0.001, 0.1]}, "model.hiddenSize": {"random": 6, "choice": [4, 8, 16]}}"#
        let first = try axes(sweep)
        let again = try axes(sweep)
        #expect(first == again)
        #expect(first.count == 1)
        #expect(first[0].paths == ["model.hiddenSize", "training.learningRate"])
        #expect(first[0].values.count == 6)
        for point in first[0].values {
            guard case .integer(let size) = point[0], case .number(let rate) = point[1] else {
                Issue.record("unexpected values \(point)")
                continue
            }
            #expect([4, 8, 16].contains(size))
            #expect(rate >= 0.001 && rate <= 0.1)
        }
        let uniform = try values(#"{"training.learningRate": {"random": 50, "uniform": [0.2, 0.3]}}"#)
        #expect(uniform.allSatisfy { if case .number(let x) = $0 { x >= 0.2 && x < 0.3 } else { false } })
        let integers = try values(#"{"seed": {"random": 50, "integers": [3, 6]}}"#)
        #expect(Set(integers) == Set([3, 4, 5].map(ConfigValue.integer)))
    }

    @Test func theGridIsSortedByPathWithSeedLastAndTheLastAxisFastest() throws {
        try withTemporaryDirectory { directory in
            let spec = try SpecLoader().load(
                path: writeSpec(
                    tinySpec(
                        sweep: #"{"seed": [0, 1], "training.learningRate": [0.1, 0.2], "model.hiddenSize": [4, 6]}"#),
                    in: directory
                )
            )
            #expect(spec.axes.map(\.paths[0]) == ["model.hiddenSize", "training.learningRate", "seed"])
            let trials = try spec.trials()
            let order = trials.map { "\($0.config.hiddenSize)/\($0.config.learningRate)/\($0.config.seed)" }
            #expect(
                order == [
                    "4/0.1/0", "4/0.1/1", "4/0.2/0", "4/0.2/1", "6/0.1/0", "6/0.1/1", "6/0.2/0", "6/0.2/1",
                ]
            )
            #expect(trials.map(\.index) == Array(0..<8))
        }
    }

    @Test func gridsOverTheLimitNeedForce() throws {
        try withTemporaryDirectory { directory in
            let path = try writeSpec(
                tinySpec(sweep: #"{"seed": {"range": [0, 1001]}, "model.hiddenSize": {"range": [1, 1001]}}"#),
                in: directory)
            #expect(throws: SpecError.self) { try SpecLoader().load(path: path) }
            do {
                _ = try SpecLoader().load(path: path)
            } catch let error as SpecError {
                #expect(error.code == .tooManyTrials)
                #expect(error.description.contains("1001000 trials"))
                #expect(error.description.contains("--force"))
            }
            #expect(try SpecLoader().load(path: path, force: true).gridSize == 1_001_000)
        }
    }
}

@Suite struct MalformedSpecTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var file: String
        var text: String
        var code: SpecError.Code
        var message: String
        var testDescription: String { label }
    }

    static func spec(_ body: String) -> String {
        "{\"name\": \"bad\", " + body + "}"
    }

    static let cases: [Case] = [
        Case(
            label: "JSON syntax", file: "a.json", text: "{\"name\": \"x\",\n \"task\": }", code: .syntax,
            message: "is not valid JSON (line 2, column"),
        Case(
            label: "plist syntax", file: "a.plist", text: "<plist><dict><key>name</key></plist>", code: .syntax,
            message: "is not a valid property list"),
        Case(
            label: "unknown extension", file: "a.yaml", text: "name: x", code: .unsupportedFormat,
            message: "use .json or .plist"),
        Case(
            label: "top level list", file: "a.json", text: "[1, 2]", code: .wrongType,
            message: "the top level is a list"),
        Case(
            label: "missing name", file: "a.json", text: "{\"task\": {}}", code: .missingKey, message: "name is missing"
        ),
        Case(
            label: "bad name", file: "a.json", text: "{\"name\": \"a b\"}", code: .outOfRange,
            message: "name is \"a b\"; use 1 to 100 letters"),
        Case(
            label: "name not a string", file: "a.json", text: "{\"name\": 3}", code: .wrongType,
            message: "name is 3 (an integer)"),
        Case(
            label: "unknown top-level key", file: "a.json", text: spec("\"trainig\": {}"), code: .unknownKey,
            message: "trainig is not a known key. Did you mean training?"),
        Case(
            label: "unknown model key", file: "a.json", text: spec("\"model\": {\"hiddenSzie\": 4}"), code: .unknownKey,
            message: "model.hiddenSzie is not a known key. Did you mean model.hiddenSize?"),
        Case(
            label: "section not a dictionary", file: "a.json", text: spec("\"model\": 4"), code: .wrongType,
            message: "model is 4 (an integer); it must be a dictionary"),
        Case(
            label: "hidden size zero", file: "a.json", text: spec("\"model\": {\"hiddenSize\": 0}"), code: .outOfRange,
            message: "model.hiddenSize is 0; hiddenSize must be in [1, 100000]"),
        Case(
            label: "hidden size fraction", file: "a.json", text: spec("\"model\": {\"hiddenSize\": 2.5}"),
            code: .wrongType, message: "model.hiddenSize is 2.5; hiddenSize must be a whole number"),
        Case(
            label: "hidden size string", file: "a.json", text: spec("\"model\": {\"hiddenSize\": \"100\"}"),
            code: .wrongType,
            message:
                "model.hiddenSize is \"100\" (a string); hiddenSize must be an integer in [1, 100000]. Write the number without quotes."
        ),
        Case(
            label: "negative learning rate", file: "a.json", text: spec("\"training\": {\"learningRate\": -0.1}"),
            code: .outOfRange, message: "training.learningRate is -0.1; learningRate must be > 0."),
        Case(
            label: "zero learning rate", file: "a.json", text: spec("\"training\": {\"learningRate\": 0}"),
            code: .outOfRange, message: "training.learningRate is 0.0; learningRate must be > 0."),
        Case(
            label: "learning rate as text", file: "a.json", text: spec("\"training\": {\"learningRate\": \"fast\"}"),
            code: .wrongType, message: "training.learningRate is \"fast\" (a string)"),
        Case(
            label: "zero iterations", file: "a.json", text: spec("\"training\": {\"iterations\": 0}"),
            code: .outOfRange, message: "training.iterations is 0; iterations must be in [1, 100000000]"),
        Case(
            label: "unknown optimizer", file: "a.json", text: spec("\"training\": {\"optimizer\": \"adamw\"}"),
            code: .unknownPlugin,
            message:
                "training.optimizer is \"adamw\"; known optimizers: sgd, momentum, adam, rmsprop. Did you mean \"adam\"?"
        ),
        Case(
            label: "unknown loss", file: "a.json", text: spec("\"training\": {\"loss\": \"huber\"}"),
            code: .unknownPlugin,
            message: "training.loss is \"huber\"; known losses: h0-squared, mse-readout, mse, cross-entropy."),
        Case(
            label: "unknown task", file: "a.json", text: spec("\"task\": {\"plugin\": \"sin\"}"), code: .unknownPlugin,
            message: "task.plugin is \"sin\"; known tasks: sequence, sine, adding, copy, copy-memory, temporal-order, "
                + "embedded-reber, dataset, text."),
        Case(
            label: "parameter of another optimizer", file: "a.json", text: spec("\"training\": {\"beta1\": 0.8}"),
            code: .unknownKey,
            message: "training.beta1 is a parameter of the optimizer \"adam\", but training.optimizer is \"sgd\""),
        Case(
            label: "empty targets", file: "a.json", text: spec("\"task\": {\"targets\": []}"), code: .outOfRange,
            message: "task.targets is []; targets must be a non-empty list of numbers."),
        Case(
            label: "targets not a list", file: "a.json", text: spec("\"task\": {\"targets\": 0.5}"), code: .wrongType,
            message: "task.targets is 0.5 (a number); targets must be a non-empty list"),
        Case(
            label: "target not a number", file: "a.json", text: spec("\"task\": {\"targets\": [0.1, \"x\"]}"),
            code: .wrongType, message: "task.targets[1] is \"x\" (a string)"),
        Case(
            label: "negative seed", file: "a.json", text: spec("\"seed\": -1"), code: .outOfRange,
            message: "seed is -1; seed must be in [0, 9007199254740992]"),
        Case(
            label: "cell output", file: "a.json", text: spec("\"model\": {\"cellOutput\": \"relu\"}"),
            code: .unknownPlugin, message: "model.cellOutput is \"relu\"; known cell outputs: identity, tanh."),
        Case(
            label: "negative target loss", file: "a.json", text: spec("\"stop\": {\"targetLoss\": -1}"),
            code: .outOfRange, message: "stop.targetLoss is -1.0; targetLoss must be >= 0"),
        Case(
            label: "checkpoints key", file: "a.json", text: spec("\"checkpoints\": {\"finale\": true}"),
            code: .unknownKey, message: "checkpoints.finale is not a known key. Did you mean checkpoints.final?"),
        Case(
            label: "checkpoints type", file: "a.json", text: spec("\"checkpoints\": {\"every\": true}"),
            code: .wrongType, message: "checkpoints.every is true (a boolean)"),
        Case(
            label: "sweep path names no field", file: "a.json", text: spec("\"sweep\": {\"model.hidenSize\": [1]}"),
            code: .badSweep, message: "sweep.model.hidenSize names no config field. Did you mean model.hiddenSize?"),
        Case(
            label: "empty sweep list", file: "a.json", text: spec("\"sweep\": {\"seed\": []}"), code: .emptySweep,
            message: "sweep.seed is an empty list"),
        Case(
            label: "bad value in sweep", file: "a.json",
            text: spec("\"sweep\": {\"training.learningRate\": [0.1, 0.2, -0.1]}"), code: .outOfRange,
            message: "sweep.training.learningRate[2] is -0.1; learningRate must be > 0."),
        Case(
            label: "empty range", file: "a.json", text: spec("\"sweep\": {\"seed\": {\"range\": [5, 5]}}"),
            code: .emptySweep, message: "sweep.seed.range is [5,5], which is empty"),
        Case(
            label: "range of numbers", file: "a.json", text: spec("\"sweep\": {\"seed\": {\"range\": [0, 2.5]}}"),
            code: .wrongType, message: "sweep.seed.range[1] is 2.5; range takes integers."),
        Case(
            label: "linspace without count", file: "a.json",
            text: spec("\"sweep\": {\"training.learningRate\": {\"linspace\": [0.1, 1]}}"), code: .missingKey,
            message: "sweep.training.learningRate.count is missing; linspace needs a count."),
        Case(
            label: "logspace of zero", file: "a.json",
            text: spec("\"sweep\": {\"training.learningRate\": {\"logspace\": [0, 1], \"count\": 3}}"),
            code: .outOfRange, message: "logspace bounds must be > 0."),
        Case(
            label: "unknown generator", file: "a.json", text: spec("\"sweep\": {\"seed\": {\"rang\": [0, 3]}}"),
            code: .badSweep, message: "sweep.seed.rang is not a sweep generator key. Did you mean range?"),
        Case(
            label: "random counts differ", file: "a.json",
            text: spec(
                "\"sweep\": {\"seed\": {\"random\": 3, \"integers\": [0, 9]}, \"training.learningRate\": {\"random\": 4, \"uniform\": [0.1, 1]}}"
            ), code: .badSweep, message: "random axes are drawn together and need the same count."),
        Case(
            label: "random without distribution", file: "a.json", text: spec("\"sweep\": {\"seed\": {\"random\": 3}}"),
            code: .badSweep, message: "has random but no distribution"),
        Case(
            label: "sweep value of wrong type", file: "a.json",
            text: spec("\"sweep\": {\"model.hiddenSize\": \"big\"}"), code: .badSweep,
            message: "sweep.model.hiddenSize is \"big\" (a string); give a list of values"),
        Case(
            label: "swept optimizer parameter without the optimizer", file: "a.json",
            text: spec("\"sweep\": {\"training.momentum\": [0.5, 0.9]}"), code: .unknownKey,
            message: "(trial 0: training.momentum=0.5): training.momentum is a parameter of the optimizer \"momentum\""),
    ]

    @Test(arguments: cases)
    func malformedSpecGivesOneClearLine(_ c: Case) throws {
        try withTemporaryDirectory { directory in
            let path = try writeSpec(c.text, named: c.file, in: directory)
            do {
                let spec = try SpecLoader().load(path: path)
                _ = try spec.trials()
                Issue.record("\(c.label): no error")
            } catch let error as SpecError {
                #expect(error.code == c.code, "\(error.description)")
                #expect(error.description.contains(c.message), "\(error.description)")
                #expect(error.description.hasPrefix(path), "the message names the file")
                #expect(!error.description.contains("\n"), "one line")
            }
        }
    }

    @Test func aMissingFileIsReported() {
        #expect(throws: SpecError.self) { try SpecLoader().load(path: "/nonexistent/spec.json") }
        do {
            _ = try SpecLoader().load(path: "/nonexistent/spec.json")
        } catch {
            #expect(
                error.description
                    == "/nonexistent/spec.json: the file does not exist; give the path of a .json or .plist spec.")
        }
    }

    @Test func theCommandLineExits64WithOneLineAndRunsNothing() throws {
        try withTemporaryDirectory { directory in
            let path = try writeSpec(Self.cases[13].text, in: directory)
            let result = try RunnerCLI.run(["run", path, "--db", "runs.sqlite"], in: directory)
            #expect(result.status == 64)
            #expect(result.stderr == "error: \(path): training.learningRate is -0.1; learningRate must be > 0.\n")
            #expect(result.stdout.isEmpty)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs.sqlite").path))
        }
    }
}
