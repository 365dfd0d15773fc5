import Foundation
import LSTMCore

/// The minibatch figure of issue 14: the batched path (``LSTMBatchNetwork``) against the
/// per-sequence path (``LSTMNetwork``, each sequence a chain of matrix-vector products) on the
/// streamed adding problem's shape, in one invocation.
///
/// One iteration is a forward pass, a backward pass, gradient clipping and one RMSProp update on
/// a batch of `B` sequences (the per-sequence path trains on the same `B` sequences as one full
/// batch). FLOPs count the matrix products only, as the code performs them (the gate
/// nonlinearities, the readout with `K = 1` and the update are left out):
///
///     forward   2·4H·X·T·B   (input projection of every step)
///             + 2·4H·H·(T−1)·B   (W_h h(t−1) from t = 1: h(−1) = 0)
///     backward  2·4H·H·(T−1)·B   (W_hᵀ dz, the h part only, none at t = 0)
///             + 2·4H·(X+H)·T·B   (the weight gradient Σ dz [x, h(t−1)]ᵀ)
///
/// For T = 100, H = 128, X = 2, B = 20 that is 789.3 MFLOP an iteration.
enum BatchBench {
    static let peakGFLOPs = 47.0
    /// The issue's target for the batched path against PyTorch float64: this many times faster.
    static let torchFloat64Target = 2.5

    /// Wall-clock and thread CPU seconds of `body`. On this shared machine the wall clock also
    /// counts the time other processes hold the core; CPU time does not (caches and memory
    /// bandwidth are still shared).
    static func measure(_ body: () -> Void) -> (wall: Double, cpu: Double) {
        func cpuNow() -> Double {
            var spec = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
            return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
        }
        let cpu = cpuNow()
        let wall = Bench.time(body)
        return (wall, cpuNow() - cpu)
    }

    /// One line of figures for timings of iterations of `flops` FLOPs each.
    static func line(_ name: String, _ samples: [(wall: Double, cpu: Double)], flops: Double) -> [String: Any] {
        let wall = Bench.Summary(samples.map(\.wall))
        let cpu = Bench.Summary(samples.map(\.cpu))
        let gflops = flops / cpu.median / 1e9
        print(
            String(
                format: "%@: median %.2f ms/iteration wall (min %.2f), %.2f ms CPU (min %.2f); %d iterations; "
                    + "%.1f GFLOP/s of CPU time = %.0f%% of %.0f",
                name, wall.median * 1000, wall.min * 1000, cpu.median * 1000, cpu.min * 1000, wall.count, gflops,
                100 * gflops / peakGFLOPs, peakGFLOPs))
        return ["wall": wall.json, "cpu": cpu.json, "gflops_cpu": gflops, "gflops_wall": flops / wall.median / 1e9]
    }

    /// FLOPs of one iteration (the formula above).
    static func flops(hidden h: Int, input x: Int, steps t: Int, batch b: Int) -> Double {
        let rows = Double(4 * h)
        let sequences = Double(b)
        let forward = 2 * rows * Double(x) * Double(t) * sequences + 2 * rows * Double(h) * Double(t - 1) * sequences
        let backward =
            2 * rows * Double(h) * Double(t - 1) * sequences + 2 * rows * Double(x + h) * Double(t) * sequences
        return forward + backward
    }

    /// `count` batches of the adding problem (Arjovsky et al. 2016): inputs `[value ~ U[0,1), marker]`,
    /// one marker in each half of the `steps` steps, the target (the sum of the two marked
    /// values) scored at the last step only.
    static func addingBatches(count: Int, steps: Int, batch: Int, seed: UInt64) -> [SequenceBatch] {
        var generator = Xoshiro256StarStar(seed: seed)
        return (0..<count).map { _ in
            var inputs: [Double] = []
            var targets: [Double] = []
            var mask: [Bool] = []
            for _ in 0..<batch {
                let first = generator.nextInt(below: steps / 2)
                let second = steps / 2 + generator.nextInt(below: steps - steps / 2)
                var sum = 0.0
                for t in 0..<steps {
                    let value = generator.nextUnitDouble()
                    let marked = t == first || t == second
                    if marked { sum += value }
                    inputs += [value, marked ? 1 : 0]
                }
                targets += Array(repeating: 0, count: steps - 1) + [sum]
                mask += Array(repeating: false, count: steps - 1) + [true]
            }
            return SequenceBatch(
                batchSize: batch, sequenceLength: steps, inputSize: 2, inputs: .dense(inputs),
                targets: .values(targets), mask: mask)
        }
    }

    /// The char-lm shape of issue 14 (one-hot inputs, a softmax readout): `K = X = 96`
    /// categories, `T = 50`, `H = 128`, `B = 16`, Adam 3e-3, clip 5, random text; the network from
    /// its initial parameters, four batches, and the FLOPs of an iteration. The input projection
    /// is a gather (no FLOPs); the products are the recurrent ones with `X = 0` plus the
    /// readout's three, `3·2·K·H·T·B` (forward, `dL/dh`, `dWy`): 369.4 MFLOP.
    static func charLanguageModelSetup() -> (LSTMBatchNetwork, [SequenceBatch], Double) {
        let (steps, hidden, vocabulary, batch) = (50, 128, 96, 16)
        var generator = Xoshiro256StarStar(seed: 15)
        let batches = (0..<4).map { _ in
            let text = (0..<(batch * (steps + 1))).map { _ in generator.nextInt(below: vocabulary) }
            var inputs: [Int] = []
            var labels: [Int] = []
            for b in 0..<batch {
                let start = b * (steps + 1)
                inputs += text[start..<(start + steps)]
                labels += text[(start + 1)...(start + steps)]
            }
            return SequenceBatch(
                batchSize: batch, sequenceLength: steps, inputSize: vocabulary, inputs: .categories(inputs),
                targets: .labels(labels))
        }
        let parameters = LSTMParameters.random(
            inputSize: vocabulary, hiddenSize: hidden, readoutSize: vocabulary * (hidden + 1), initScale: 0.05,
            using: &generator)
        let network = LSTMBatchNetwork(
            parameters: parameters, outputSize: vocabulary, cellOutput: .tanh, loss: .crossEntropy,
            optimizer: Adam(learningRate: 3e-3), gradientClipNorm: 5, batchCapacity: batch, sequenceCapacity: steps)
        let rows = Double(4 * hidden)
        let pairs = Double(steps * batch)
        let flops =
            2 * rows * Double(hidden) * Double(steps - 1) * Double(batch) * 2 + 2 * rows * Double(hidden) * pairs
            + 3 * 2 * Double(vocabulary * hidden) * pairs
        return (network, batches, flops)
    }

    /// FNV-1a over the bit patterns: a short name for a loss curve and its final weights.
    static func digest(_ values: [Double]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for value in values {
            var bits = value.bitPattern
            for _ in 0..<8 {
                hash = (hash ^ (bits & 0xff)) &* 0x0000_0100_0000_01b3
                bits >>= 8
            }
        }
        return String(hash, radix: 16)
    }

    /// Ratios of `theirs` to `ours` (how many times faster ours is), printed as one line.
    static func compare(
        _ label: String, ours: TorchReference.Samples, theirs: TorchReference.Samples, target: Double? = nil
    ) -> [String: Any] {
        let ourCPU = Bench.Summary(ours.map(\.cpu))
        let ourWall = Bench.Summary(ours.map(\.wall))
        let theirCPU = Bench.Summary(theirs.map(\.cpu))
        let theirWall = Bench.Summary(theirs.map(\.wall))
        let ratios = [
            "cpu_median": theirCPU.median / ourCPU.median, "cpu_fastest": theirCPU.min / ourCPU.min,
            "wall_median": theirWall.median / ourWall.median, "wall_fastest": theirWall.min / ourWall.min,
        ]
        print(
            String(
                format: "ratio       : batched vs %@: speed-up %.2fx (median CPU time), %.2fx fastest vs fastest; "
                    + "wall %.2fx median, %.2fx fastest vs fastest%@",
                label, ratios["cpu_median"]!, ratios["cpu_fastest"]!, ratios["wall_median"]!,
                ratios["wall_fastest"]!, target.map { String(format: " (target >= %.1fx)", $0) } ?? ""))
        return ratios
    }

    /// Prints PyTorch's lines and ratios for one workload, if it ran.
    static func torchFigures(
        _ workload: String, _ samples: [String: [String: TorchReference.Samples]], ours: TorchReference.Samples,
        flops: Double
    ) -> [String: Any] {
        var record: [String: Any] = [:]
        for (dtype, short, target) in [("float64", "f64", torchFloat64Target), ("float32", "f32", nil)] {
            guard let theirs = samples[workload]?[dtype], !theirs.isEmpty else { continue }
            record["torch_\(dtype)"] = line("torch \(short)   ", theirs, flops: flops)
            record["speedup_vs_torch_\(dtype)"] = compare(
                "PyTorch \(dtype)", ours: ours, theirs: theirs, target: target)
        }
        return record
    }

    /// Repeats of ``KernelCeiling/run(repeats:)`` in one timed sample: 65.5 MFLOP, a few ms.
    static let ceilingRepeats = 2000

    /// This core's ceiling for the kernels: the fastest rate of the L1-resident product's samples,
    /// in CPU time (printed with their median as one line), and its record.
    static func ceiling(_ samples: TorchReference.Samples) -> (fastest: Double, json: [String: Any]) {
        let flops = KernelCeiling.flopsPerRepeat * Double(ceilingRepeats)
        let cpu = Bench.Summary(samples.map(\.cpu))
        let (fastest, median) = (flops / cpu.min / 1e9, flops / cpu.median / 1e9)
        let (rows, columns, depth) = KernelCeiling.shape
        print(
            String(
                format:
                    "ceiling     : the product on L1-resident operands (%dx%d, depth %d, the 4x8 tile back to back) "
                    + "runs at %.1f GFLOP/s fastest, %.1f median (%d samples): the most this core gives the kernels' "
                    + "plain multiplies and adds; the issue's %.0f is another CPU's",
                rows, columns, depth, fastest, median, cpu.count, peakGFLOPs))
        return (fastest, ["gflops_fastest": fastest, "gflops_median": median, "samples": cpu.count])
    }

    /// What the ceiling says of a workload: the share of it the workload reaches (median CPU
    /// time), the time its products alone would take at the ceiling (no elementwise work, no
    /// memory traffic: a floor no code of this kind can beat), and, with PyTorch float64's
    /// median, the time the 2.5x target asks for, beside that floor.
    static func productFloor(
        _ workload: String, ours: TorchReference.Samples, flops: Double,
        ceiling: Double,
        torch: [String: [String: TorchReference.Samples]]
    ) -> [String: Any] {
        let rate = flops / Bench.Summary(ours.map(\.cpu)).median / 1e9
        let floorMS = flops / ceiling / 1e6
        var record: [String: Any] = ["share_of_ceiling": rate / ceiling, "products_floor_ms": floorMS]
        var line = String(
            format: "floor       : %@ runs at %.0f%% of the ceiling; its products alone at the ceiling take %.1f ms",
            workload, 100 * rate / ceiling, floorMS)
        if let theirs = torch[workload]?["float64"], !theirs.isEmpty {
            let needed = Bench.Summary(theirs.map(\.cpu)).median * 1000 / torchFloat64Target
            record["target_ms"] = needed
            line += String(
                format: "; %.1fx PyTorch f64's median needs %.1f ms, %@", torchFloat64Target, needed,
                needed < floorMS ? "below that floor: out of reach on this CPU" : "above that floor")
        }
        print(line)
        return record
    }

    /// Runs the figures and prints them.
    ///
    /// The batched path, the per-sequence path, the char-lm shape and (if given) PyTorch run in
    /// alternating rounds, since this machine's speed drifts; each figure pools its rounds.
    ///
    /// - Parameters:
    ///   - quick: fewer timed iterations.
    ///   - bitsOnly: only the bit check (for a debug build, whose timings mean nothing).
    ///   - torch: PyTorch, if installed.
    /// - Returns: the figures, for results/bench.json.
    static func run(quick: Bool, bitsOnly: Bool = false, torch: TorchReference? = nil) -> [String: Any] {
        let (steps, hidden, input, batch) = (100, 128, 2, 20)
        let addingTitle =
            "\n== minibatch: adding shape T=\(steps), H=\(hidden), X=\(input), B=\(batch), float64, tanh cell output, "
            + "RMSProp 1e-3, clip 1 =="
        print(addingTitle)
        let batches = addingBatches(count: 4, steps: steps, batch: batch, seed: 14)
        var generator = Xoshiro256StarStar(seed: 13)
        let parameters = LSTMParameters.random(
            inputSize: input, hiddenSize: hidden, readoutSize: hidden + 1, initScale: 0.05, using: &generator)
        func batched() -> LSTMBatchNetwork {
            LSTMBatchNetwork(
                parameters: parameters, outputSize: 1, cellOutput: .tanh, loss: .mse,
                optimizer: RMSProp(learningRate: 1e-3),
                gradientClipNorm: 1, batchCapacity: batch, sequenceCapacity: steps)
        }
        // The bits: 8 iterations over the four batches from the same start. Compare this line
        // between a debug and a release build.
        let check = batched()
        let curve = (0..<8).map { check.step(batches[$0 % 4]) }
        let bits =
            "losses \(digest(curve)), weights \(digest(check.parameters.values)), "
            + "last loss \(String(curve[7].bitPattern, radix: 16)) (\(curve[7]))"
        print("bits  : \(bits)")
        // And the char-lm shape's (category inputs, cross-entropy, Adam): 4 iterations.
        let (language, text, textFlops) = charLanguageModelSetup()
        let textCurve = (0..<4).map { language.step(text[$0]) }
        let textBits = "char-lm losses \(digest(textCurve)), weights \(digest(language.parameters.values))"
        print("bits  : \(textBits)")
        var record: [String: Any] = ["bits": bits, "char_lm_bits": textBits]
        if bitsOnly { return record }

        let flops = flops(hidden: hidden, input: input, steps: steps, batch: batch)
        let network = batched()
        // The per-sequence path on the same 20 sequences of the first batch, as one full batch.
        let first = batches[0]
        guard case .dense(let inputs) = first.inputs, case .values(let targets) = first.targets else { return record }
        let data = TrainingSet(
            inputSize: input, sequenceLength: steps, inputs: inputs, targets: targets, mask: first.mask)
        let perSequence = LSTMNetwork(
            parameters: parameters, cellOutput: .tanh, loss: MSEReadoutLoss(),
            optimizer: RMSProp(learningRate: 1e-3), gradientClipNorm: 1, trainingSet: data)
        let (textNetwork, _, _) = charLanguageModelSetup()
        for k in 0..<2 {  // warm-up
            network.step(batches[k % 4])
            textNetwork.step(text[k % 4])
        }
        perSequence.step()

        let rounds = quick ? 2 : 4
        let perRound = quick ? 5 : 10
        var newTimes: TorchReference.Samples = []
        var oldTimes: TorchReference.Samples = []
        var textTimes: TorchReference.Samples = []
        var torchTimes: [String: [String: TorchReference.Samples]] = [:]
        var ceilingTimes: TorchReference.Samples = []
        let ceiling = KernelCeiling()
        var reference = torch
        var torchRuns = 0
        for _ in 0..<rounds {
            newTimes += (0..<perRound).map { k in measure { network.step(batches[k % 4]) } }
            oldTimes += (0..<(quick ? 1 : 3)).map { _ in measure { perSequence.step() } }
            textTimes += (0..<perRound).map { k in measure { textNetwork.step(text[k % 4]) } }
            ceilingTimes += (0..<3).map { _ in measure { ceiling.run(repeats: ceilingRepeats) } }
            if let result = reference?.run(iterations: perRound, warmup: 2) {
                torchRuns += 1
                for (workload, byType) in result {
                    for (dtype, samples) in byType {
                        torchTimes[workload, default: [:]][dtype, default: []] += samples
                    }
                }
            }
        }
        let torchNote: String
        if let reference, torchRuns > 0 {
            torchNote =
                "PyTorch \(reference.version) (\(reference.python) \(reference.script)): nn.LSTM + Linear, "
                + "1 thread, same shapes, \(torchRuns) runs of \(perRound) iterations"
        } else if let reference {
            torchNote = "PyTorch: not run (\(reference.python) \(reference.script) failed)"
        } else {
            torchNote = "PyTorch: not installed (make bench-torch installs it into .build/torch-venv)"
        }
        print(
            "FLOPs       : 2·4H·X·T·B + 2·4H·H·(T−1)·B forward, 2·4H·H·(T−1)·B + 2·4H·(X+H)·T·B backward "
                + String(format: "= %.1f MFLOP an iteration; %d rounds; %@", flops / 1e6, rounds, torchNote))
        var adding: [String: Any] = [
            "batched": line("batched     ", newTimes, flops: flops),
            "per_sequence": line("per-sequence", oldTimes, flops: flops),
            "mflop_per_iteration": flops / 1e6,
        ]
        print(
            String(
                format: "ratio       : batched vs per-sequence (LSTMNetwork, today's path): %.2fx faster "
                    + "(median CPU time), %.2fx fastest vs fastest",
                Bench.Summary(oldTimes.map(\.cpu)).median / Bench.Summary(newTimes.map(\.cpu)).median,
                Bench.Summary(oldTimes.map(\.cpu)).min / Bench.Summary(newTimes.map(\.cpu)).min))
        adding["speedup_cpu"] = Bench.Summary(oldTimes.map(\.cpu)).median / Bench.Summary(newTimes.map(\.cpu)).median
        adding.merge(torchFigures("adding", torchTimes, ours: newTimes, flops: flops)) { $1 }
        let ceilingRate = Self.ceiling(ceilingTimes)
        adding["ceiling"] = ceilingRate.json
        adding["floor"] = productFloor(
            "adding", ours: newTimes, flops: flops, ceiling: ceilingRate.fastest, torch: torchTimes)

        print("\n== minibatch: char-lm shape T=50, H=128, K=X=96 one-hot, B=16, tanh cell output, Adam 3e-3, clip 5 ==")
        print(
            "FLOPs       : 2·4H·H·(T−1)·B·2 + 2·4H·H·T·B + 3·2·K·H·T·B (one-hot inputs gather, no FLOPs; PyTorch "
                + String(format: "multiplies them dense on top) = %.1f MFLOP an iteration", textFlops / 1e6))
        var textRecord = line("batched     ", textTimes, flops: textFlops)
        textRecord["mflop_per_iteration"] = textFlops / 1e6
        textRecord.merge(torchFigures("char-lm", torchTimes, ours: textTimes, flops: textFlops)) { $1 }
        textRecord["floor"] = productFloor(
            "char-lm", ours: textTimes, flops: textFlops, ceiling: ceilingRate.fastest, torch: torchTimes)

        record.merge(adding) { $1 }
        record["char_lm"] = textRecord
        if let reference, torchRuns > 0 { record["torch_version"] = reference.version }
        return record
    }
}
