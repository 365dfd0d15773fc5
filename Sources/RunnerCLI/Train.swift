import ArgumentParser
import Foundation
import LSTMCore
import RunnerEngine
import RunnerFiles
import RunnerModel
import RunnerSpec

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train one LSTM on the reference problem (or a file from --init) and print its losses.",
        discussion: """
            Prints the loss of every iteration (the loss of the forward pass before that \
            iteration's update) and, at the end, each target next to the prediction of the \
            trained network. The flags match scripts/reference/lstm_numpy.py, so the two can \
            be compared side by side.
            """
    )

    @Option(help: "Number of memory cells H.") var hidden = 100
    @Option(help: "Length X of each input vector.") var input = 50
    @Option(help: "Number of updates.") var iterations = 100
    @Option(name: [.customLong("learning-rate"), .customLong("lr")], help: "Step size.") var learningRate = 0.1
    @Option(help: "Seeds the initial weights and the inputs.") var seed = 0
    @Option(parsing: .unconditional, help: "Comma-separated targets, one per step.")
    var targets = "-0.5,0.2,0.1,-0.5"
    @Option(help: "identity (h = s*o) or tanh (h = tanh(s)*o).") var cellOutput = "identity"
    @Option(help: "An optimizer's name (runner plugins lists them).") var optimizer = "sgd"
    @Option(help: "A loss's name (runner plugins lists them).") var loss = "h0-squared"
    @Option(help: "Clip the gradient to this L2 norm.") var clipNorm: Double?
    @Option(help: "Write the initial weights and inputs to this JSON file.") var saveInit: String?
    @Option(help: "Start from weights and inputs in this JSON file (as --save-init writes it).") var `init`: String?
    @Option(help: "Train this many times from the same start and report the median time.") var `repeat` = 1
    @Flag(help: "Print one JSON object instead of text.") var json = false
    @Flag(help: "Check the gradient of the initial weights against central differences first.")
    var gradientCheck = false

    func run() throws {
        let config: TrialConfig
        let flags = try tree()
        do {
            config = try ConfigSchema(registry: RunnerCommand.registry).resolve(flags, file: "runner train")
        } catch {
            throw failure(flagMessage(error), usage: true)
        }
        guard `repeat` >= 1 else {
            throw failure("--repeat is \(`repeat`); give at least 1.", usage: true)
        }
        var trial = Trial(config: config, registry: RunnerCommand.registry)
        var state = trial.initialState()
        if let path = `init` {
            do {
                state = try InitFile.read(
                    from: URL(fileURLWithPath: path),
                    readoutSize: trial.makeLoss().readoutSize(hiddenSize: hidden)
                )
            } catch {
                throw failure(error, usage: true)
            }
            trial.config = try withFileShapes(config, state)
        }
        if let path = saveInit {
            let data: Data
            do {
                data = try InitFile.encode(state)
            } catch {
                throw failure("--save-init \(path): \(error)", usage: false)
            }
            do {
                try AtomicFile.write(data, to: URL(fileURLWithPath: path))
            } catch {
                throw failure("cannot write \(path) (--save-init): \(error.summary)", usage: false)
            }
        }
        if gradientCheck {
            printGradientCheck(trial, state)
        }
        var times: [Double] = []
        var result = try train(trial, from: state)
        times.append(result.trainingSeconds)
        for _ in 1..<`repeat` {
            result = try train(trial, from: state)
            times.append(result.trainingSeconds)
        }
        let seconds = times.sorted()[times.count / 2]
        StandardOutput.write(
            json
                ? TrainOutput.json(result, seconds: seconds)
                : TrainOutput.text(result, seconds: seconds, repeats: `repeat`), terminator: "")
    }

    private func train(_ trial: Trial, from state: InitialState) throws -> TrialResult {
        do {
            return try trial.run(from: state)
        } catch {
            throw failure("runner train: \(error)", usage: false)
        }
    }

    /// The flags as a config tree.
    private func tree() throws -> [String: ConfigValue] {
        var values: [ConfigValue] = []
        for item in targets.split(separator: ",", omittingEmptySubsequences: false) {
            let text = item.trimmingCharacters(in: .whitespaces)
            guard let value = Double(text) else {
                throw failure(
                    "--targets: \"\(text)\" is not a number; give comma-separated numbers such as -0.5,0.2,0.1,-0.5.",
                    usage: true
                )
            }
            values.append(.number(value))
        }
        var training: [String: ConfigValue] = [
            "iterations": .integer(iterations),
            "learningRate": .number(learningRate),
            "optimizer": .string(optimizer),
            "loss": .string(loss),
        ]
        if let clipNorm { training["clipNorm"] = .number(clipNorm) }
        return [
            "task": .object(["plugin": .string("sequence"), "inputSize": .integer(input), "targets": .array(values)]),
            "model": .object(["hiddenSize": .integer(hidden), "cellOutput": .string(cellOutput)]),
            "training": .object(training),
            "seed": .integer(seed),
        ]
    }

    /// With `--init`, the sizes and targets come from the file.
    private func withFileShapes(_ config: TrialConfig, _ state: InitialState) throws -> TrialConfig {
        var resolved = config
        resolved.model.values["hiddenSize"] = .integer(state.parameters.hiddenSize)
        resolved.task.values["inputSize"] = .integer(state.parameters.inputSize)
        resolved.task.values["targets"] = .numbers(state.trainingSet?.targets ?? [])
        return resolved
    }

    /// Names the flag rather than the config key path.
    private func flagMessage(_ error: SpecError) -> String {
        let flags = [
            "task.inputSize": "--input", "task.targets": "--targets", "model.hiddenSize": "--hidden",
            "model.cellOutput": "--cell-output", "training.iterations": "--iterations",
            "training.learningRate": "--learning-rate", "training.optimizer": "--optimizer",
            "training.loss": "--loss", "training.clipNorm": "--clip-norm", "seed": "--seed",
        ]
        let path = error.keyPath ?? ""
        let base = String(path.prefix { $0 != "[" })
        let flag = flags[base].map { $0 + path.dropFirst(base.count) } ?? path
        return "runner train: \(flag) \(error.problem)"
    }

    private func printGradientCheck(_ trial: Trial, _ state: InitialState) {
        // `runner train` trains the sequence task full batch: its state has a training set.
        guard let trainingSet = state.trainingSet else { return }
        let network = LSTMNetwork(
            parameters: state.parameters,
            cellOutput: trial.config.cellOutput,
            loss: trial.makeLoss(),
            trainingSet: trainingSet
        )
        for group in GradientCheck().run(on: network, limit: 2000) {
            let line =
                "gradient check \(group.group): \(group.checked) parameters, max relative error "
                + String(format: "%.3e", group.maxRelativeError)
            try? FileHandle.standardError.write(contentsOf: Data((line + "\n").utf8))
        }
    }
}
