import Foundation
import LSTMCore

/// The seed workload in hand-optimised C (scripts/bench/lstm_seed.c), compiled here with the
/// system C compiler (`-O3 -march=native -ffast-math`: FMA and vectorised reductions allowed) and
/// run on the same initial parameters and data as the Swift trainer.
struct CReference {
    /// The compiled program.
    var binary: URL
    /// The seed problem's parameters, inputs and targets as float64 values.
    var data: URL
    /// How it was compiled.
    var command: String

    /// Compiles the source into a temporary folder and writes the seed problem's start beside it.
    ///
    /// - Returns: `nil` when there is no source or no C compiler (said on standard output).
    static func build(source: String) -> CReference? {
        guard FileManager.default.fileExists(atPath: source) else {
            print("c     : not run (no \(source))")
            return nil
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lstm-bench-c-\(getpid())")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let binary = folder.appendingPathComponent("lstm_seed")
        let arguments = ["cc", "-O3", "-march=native", "-ffast-math", "-o", binary.path, source, "-lm"]
        guard Bench.capture(arguments) != nil else {
            print("c     : not run (\(arguments.joined(separator: " ")) failed)")
            return nil
        }
        let (parameters, set) = ReferenceProblem.make()
        let values = parameters.values + set.inputs + set.targets
        let data = folder.appendingPathComponent("seed.bin")
        guard (try? values.withUnsafeBytes { Data($0) }.write(to: data)) != nil else { return nil }
        return CReference(binary: binary, data: data, command: arguments.prefix(4).joined(separator: " "))
    }

    /// Trains `repeat` times from the start.
    ///
    /// - Returns: the median and fastest seconds of the 100 updates, and the last run's losses.
    func run(repeat count: Int) -> (seconds: Double, fastest: Double, losses: [Double])? {
        guard let output = Bench.capture([binary.path, data.path, "100", "50", "4", "100", String(count)]),
            let object = try? JSONSerialization.jsonObject(with: output) as? [String: Any],
            let seconds = object["seconds"] as? Double, let fastest = object["fastest"] as? Double,
            let losses = object["losses"] as? [Double]
        else { return nil }
        return (seconds, fastest, losses)
    }

    /// Removes the temporary folder.
    func remove() {
        try? FileManager.default.removeItem(at: binary.deletingLastPathComponent())
    }
}
