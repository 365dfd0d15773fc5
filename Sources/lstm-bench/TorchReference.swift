import Foundation

/// PyTorch on one thread with the minibatch workloads' shapes (scripts/bench/torch_lstm.py),
/// when PyTorch is installed: `make bench` does not need it, `make bench-torch` installs it into
/// `.build/torch-venv`.
struct TorchReference {
    /// The interpreter that imports `torch`.
    var python: String
    /// The path of torch_lstm.py.
    var script: String
    /// `torch.__version__`, once a run has reported it.
    var version = "?"

    /// Iteration times of one workload in one precision: wall-clock and thread CPU seconds.
    typealias Samples = [(wall: Double, cpu: Double)]

    /// The reference, if `python` (or else `.build/torch-venv/bin/python`, or else `python3`)
    /// imports `torch`; `nil` otherwise.
    static func find(python: String?, script: String) -> TorchReference? {
        guard FileManager.default.fileExists(atPath: script) else { return nil }
        let venv = ".build/torch-venv/bin/python"
        let candidates =
            python.map { [$0] } ?? (FileManager.default.fileExists(atPath: venv) ? [venv, "python3"] : ["python3"])
        for candidate in candidates where Bench.capture([candidate, "-c", "import torch"]) != nil {
            return TorchReference(python: candidate, script: script)
        }
        return nil
    }

    /// Runs the script once: `iterations` timed iterations (after `warmup`) of each workload in
    /// float64 and float32.
    ///
    /// - Returns: `[workload: [dtype: samples]]` (workloads `adding` and `char-lm`, dtypes
    ///   `float64` and `float32`), or `nil` if the script failed.
    mutating func run(iterations: Int, warmup: Int) -> [String: [String: Samples]]? {
        guard
            let data = Bench.capture([
                python, script, "--iterations", String(iterations), "--warmup", String(warmup),
            ]),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return nil }
        version = object["torch"] as? String ?? "?"
        var result: [String: [String: Samples]] = [:]
        for workload in ["adding", "char-lm"] {
            guard let byType = object[workload] as? [String: Any] else { continue }
            for (dtype, value) in byType {
                guard let entry = value as? [String: Any],
                    let wall = entry["wall_ms"] as? [Any],
                    let cpu = entry["cpu_ms"] as? [Any]
                else { continue }
                let walls = wall.compactMap { ($0 as? Double) ?? ($0 as? NSNumber)?.doubleValue }
                let cpus = cpu.compactMap { ($0 as? Double) ?? ($0 as? NSNumber)?.doubleValue }
                result[workload, default: [:]][dtype] = zip(walls, cpus).map { ($0 / 1000, $1 / 1000) }
            }
        }
        return result
    }
}
