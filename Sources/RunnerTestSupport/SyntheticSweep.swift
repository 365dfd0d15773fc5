import Foundation
import GRDB
import LSTMCore
import RunnerModel
import RunnerSpec
import RunnerStore

/// A sweep whose results are made up and written straight into a results database, for
/// benchmarking and testing the reports on databases larger than training could fill quickly.
///
/// The experiment is registered as `runner run` registers one (from a spec over hidden sizes ×
/// learning rates × target sequences × seeds), then every run gets a result in one transaction:
/// a loss curve `L(i) = 0.8 · exp(-r · i) · noise` whose rate `r` grows with the learning rate and
/// the hidden size, stopped early where it reaches `stop.targetLoss`. Runs with
/// `learningRate · hiddenSize` above ``divergenceThreshold`` diverge for about half the seeds
/// (the curve ends in NaN and the final loss is NULL, as a real diverged run's). The values come
/// from a seeded generator, so the same sweep gives the same database.
public struct SyntheticSweep: Sendable {
    /// The experiment's name.
    public var name: String
    /// The swept hidden sizes.
    public var hiddenSizes: [Int]
    /// The swept learning rates.
    public var learningRates: [Double]
    /// The swept target sequences.
    public var targets: [[Double]]
    /// The number of seeds (0 to `seeds - 1`).
    public var seeds: Int
    /// The iterations of each run (and the length of its curve unless it stops early).
    public var iterations: Int
    /// `stop.targetLoss`.
    public var targetLoss: Double
    /// `learningRate · hiddenSize` above which runs may diverge.
    public var divergenceThreshold: Double

    /// Creates a sweep; the defaults make 10 × 10 × 4 × 25 = 10,000 runs of 100 iterations.
    ///
    /// - Parameters:
    ///   - name: The experiment's name.
    ///   - hiddenSizes: The hidden sizes.
    ///   - learningRates: The learning rates.
    ///   - targets: The target sequences.
    ///   - seeds: The number of seeds.
    ///   - iterations: The iterations a run.
    ///   - targetLoss: `stop.targetLoss`.
    ///   - divergenceThreshold: `learningRate · hiddenSize` above which runs may diverge.
    public init(
        name: String = "synthetic-sweep",
        hiddenSizes: [Int] = [8, 16, 25, 32, 50, 64, 100, 128, 200, 256],
        learningRates: [Double] = [0.01, 0.0167, 0.0278, 0.0464, 0.0774, 0.129, 0.215, 0.359, 0.599, 1.0],
        targets: [[Double]] = [[-0.5, 0.2, 0.1, -0.5], [0.5, -0.5, 0.5, -0.5], [0.1, 0.2, 0.3, 0.4], [0, 0, 0, 1]],
        seeds: Int = 25,
        iterations: Int = 100,
        targetLoss: Double = 1e-4,
        divergenceThreshold: Double = 150
    ) {
        self.name = name
        self.hiddenSizes = hiddenSizes
        self.learningRates = learningRates
        self.targets = targets
        self.seeds = seeds
        self.iterations = iterations
        self.targetLoss = targetLoss
        self.divergenceThreshold = divergenceThreshold
    }

    /// The number of runs.
    public var runCount: Int { hiddenSizes.count * learningRates.count * targets.count * seeds }

    /// The spec the experiment is registered from.
    public var specText: String {
        func list<T>(_ values: [T]) -> String { "[" + values.map { "\($0)" }.joined(separator: ", ") + "]" }
        return """
            {
              "name": "\(name)",
              "description": "Synthetic results (nothing trained): \(runCount) runs for benchmarking the reports.",
              "task": { "plugin": "sequence", "inputSize": 3, "targets": \(list(targets[0])) },
              "model": { "hiddenSize": \(hiddenSizes[0]) },
              "training": { "iterations": \(iterations), "learningRate": \(learningRates[0]) },
              "stop": { "targetLoss": \(targetLoss) },
              "seed": 0,
              "sweep": {
                "model.hiddenSize": \(list(hiddenSizes)),
                "training.learningRate": \(list(learningRates)),
                "task.targets": \(list(targets.map(list))),
                "seed": { "range": [0, \(seeds)] }
              }
            }
            """
    }

    /// Registers the experiment in `store` and writes a made-up result and curve for every run.
    ///
    /// - Parameter store: A writable database.
    /// - Returns: The number of runs written.
    /// - Throws: ``SpecError`` if the spec does not validate, ``StoreError`` on a database error.
    @discardableResult
    public func write(to store: ResultStore) throws -> Int {
        let spec = try SpecLoader().load(data: Data(specText.utf8), file: "synthetic/\(name).json")
        let trials = try spec.trials()
        try store.register(spec, trials: trials)
        let started = ResultStore.timestamp(Date(timeIntervalSince1970: 1_760_000_000))
        try store.write { db in
            let update = try db.cachedStatement(
                sql: """
                    UPDATE runs SET status = ?, started = ?, finished = ?, duration = ?, training_seconds = ?,
                        final_loss = ?, best_loss = ?, best_iteration = ?, iterations_run = ?,
                        target_reached_iteration = ?, stop_reason = ?, curve_sha256 = ?
                    WHERE id = ?
                    """)
            let curve = try db.cachedStatement(
                sql: "INSERT OR REPLACE INTO curves (run_id, iterations, losses) VALUES (?, ?, ?)")
            for trial in trials {
                let result = outcome(trial.config, index: trial.index)
                let blob = LossCurve.encode(result.losses)
                let best = result.losses.enumerated().filter { $0.element.isFinite }.min { $0.element < $1.element }
                try update.execute(arguments: [
                    result.diverged ? "diverged" : "completed", started, started, 0.01, 0.01,
                    result.diverged ? nil : result.losses.last, best?.element, best?.offset, result.losses.count,
                    result.reached, result.reached == nil ? (result.diverged ? "diverged" : nil) : "targetLoss",
                    LossCurve.sha256(blob), trial.runID,
                ])
                try curve.execute(arguments: [trial.runID, result.losses.count, blob])
            }
        }
        return trials.count
    }

    /// The made-up curve of one run.
    package func outcome(_ config: TrialConfig, index: Int) -> (losses: [Double], diverged: Bool, reached: Int?) {
        var generator = SplitMix64(seed: UInt64(index) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(config.seed))
        func uniform() -> Double { Double(generator.next() >> 11) * 0x1p-53 }
        let hidden = Double(config.hiddenSize)
        let rate = config.learningRate * hidden.squareRoot() * 0.05 * (0.7 + 0.6 * uniform())
        let diverges = config.learningRate * hidden > divergenceThreshold && uniform() < 0.5
        let divergeAt = diverges ? Int(Double(iterations) * (0.2 + 0.6 * uniform())) : iterations
        var losses: [Double] = []
        losses.reserveCapacity(iterations)
        for iteration in 0..<iterations {
            if iteration == divergeAt {
                losses.append(.nan)
                return (losses, true, nil)
            }
            let noise = 1 + 0.1 * (uniform() - 0.5)
            let loss: Double
            if diverges {
                loss = 0.8 * exp(0.15 * Double(iteration)) * noise
            } else {
                loss = 0.8 * exp(-rate * Double(iteration)) * noise + 1e-7
            }
            losses.append(loss)
            if !diverges, loss <= targetLoss { return (losses, false, iteration) }
        }
        return (losses, diverges, nil)
    }
}
