import Foundation
import Testing

@testable import RunnerModel
@testable import RunnerSpec

@Suite struct SearchSpecTests {
    static let head = """
        "name": "s", "seed": 7,
        "task": {"plugin": "sequence", "inputSize": 5, "targets": [0.5, -0.5]},
        "model": {"hiddenSize": 8},
        "training": {"iterations": 100, "optimizer": "sgd", "learningRate": 0.1, "loss": "h0-squared"}
        """
    static let randomSweep = """
        "sweep": {"training.learningRate": {"random": 12, "logUniform": [0.001, 3]},
                  "model.hiddenSize": {"random": 12, "integers": [8, 257]}}
        """

    static func load(_ body: String) throws(SpecError) -> ExperimentSpec {
        try SpecLoader().load(data: Data("{\(head), \(body)}".utf8), file: "s.json")
    }

    static func error(_ body: String) -> String {
        do {
            _ = try load(body)
            return "loaded"
        } catch {
            return error.description
        }
    }

    @Test func aSpecWithoutTheKeysKeepsItsTrialsAndIdentity() throws {
        let plain = try Self.load(Self.randomSweep)
        let random = try Self.load(Self.randomSweep + #", "search": {"method": "random"}"#)
        #expect(plain.search == nil && plain.pruning == nil)
        #expect(try plain.trials().map(\.runID) == random.trials().map(\.runID))
        #expect(try plain.trials().count == 12)
        guard case .object(let identity) = plain.identityTree else {
            Issue.record("identity is not a tree")
            return
        }
        #expect(identity.keys.sorted() == ["config", "sweep"])
        #expect(random.identityTree != plain.identityTree)
    }

    @Test func aTPESearchStartsWithTheRandomSearchsFirstDraws() throws {
        let random = try Self.load(Self.randomSweep)
        let tpe = try Self.load(Self.randomSweep + #", "search": {"method": "tpe", "startup": 5, "batch": 3}"#)
        #expect(tpe.search == SearchSettings(method: .tpe, trials: 12, startup: 5, batch: 3, seed: 7))
        #expect(try tpe.trials().map(\.runID) == Array(random.trials().prefix(5)).map(\.runID))
        #expect(tpe.searchDimensions.map(\.path) == ["model.hiddenSize", "training.learningRate"])
        let trial = try tpe.searchTrial(index: 5, values: [.integer(64), .number(0.05)])
        #expect(trial.config.hiddenSize == 64)
        #expect(trial.config.learningRate == 0.05)
        #expect(trial.index == 5)
        // Rounds: the startup trials, then batches of 3, the last one short.
        let rounds = (0..<5).map { tpe.search?.roundRange($0) }
        #expect(rounds == [0..<5, 5..<8, 8..<11, 11..<12, 12..<12])
    }

    @Test func pruningParsesWithDefaults() throws {
        let spec = try Self.load(
            Self.randomSweep + #", "pruning": {"method": "successive-halving", "minIterations": 10}"#)
        #expect(
            spec.pruning
                == PruningSettings(method: .successiveHalving, metric: nil, minIterations: 10, reduction: 3))
        #expect(spec.isAdaptive)
    }

    static let refusals: [(body: String, message: String)] = [
        (#""search": 3"#, "s.json: search is 3 (an integer); it must be a dictionary with batch, method, seed"),
        (#""search": {"method": "tpe", "trails": 4}"#, "search.trails is not a known key. Did you mean search.trials?"),
        (#""search": {"method": "tpee"}"#, #"search.method is "tpee"; Did you mean "tpe"? use one of "grid""#),
        (#""search": {}"#, "search.method is missing; give one of \"grid\", \"random\", \"tpe\"."),
        (
            #""search": {"method": "tpe"}"#,
            "search.method is \"tpe\" but the sweep has no random axis; declare one such as"
        ),
        (
            randomSweep + #", "search": {"method": "tpe", "trials": 40}"#,
            "search.trials is 40 but the random axes draw 12 (sweep.model.hiddenSize.random); they count the same"
        ),
        (
            randomSweep + #", "search": {"method": "random", "batch": 2}"#,
            "search.batch is set, but only a tpe search has it"
        ),
        (randomSweep + #", "search": {"method": "tpe", "startup": 0}"#, "search.startup is 0; it must be in [1, 12]."),
        (
            #""sweep": {"seed": [1, 2], "training.learningRate": {"random": 4, "uniform": [0.01, 1]}}, "search": {"method": "tpe"}"#,
            "s.json: sweep.seed is a list or a grid generator, but a tpe search explores only random axes"
        ),
        (#""pruning": {"method": "median"}"#, "pruning.minIterations is missing; give the first rung, such as 3"),
        (
            #""pruning": {"method": "median", "minIterations": 100}"#,
            "pruning.minIterations is 100; it must be in [1, 99]."
        ),
        (#""pruning": {"method": "halving", "minIterations": 10}"#, "pruning.method is \"halving\";"),
        (
            #""pruning": {"method": "median", "minIterations": 10, "reduction": 1}"#,
            "pruning.reduction is 1; it must be in [2, 1000]."
        ),
        (
            #""pruning": {"method": "median", "minIterations": 10, "metric": "validation_loss"}"#,
            "pruning.metric is \"validation_loss\" but evaluation.every is not set; the rungs (10·3^k) need a validation pass"
        ),
        (
            #""sweep": {"training.iterations": [50, 100]}, "pruning": {"method": "median", "minIterations": 10}"#,
            "sweep.training.iterations is swept, but pruning needs one training.iterations"
        ),
    ]

    @Test(arguments: refusals)
    func badSectionsAreRefusedWithOneLine(_ body: String, _ message: String) {
        let text = Self.error(body)
        #expect(text.contains(message), "\(text)")
        #expect(!text.contains("\n"))
    }
}
