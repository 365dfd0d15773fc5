import Foundation
import LSTMCore
import RunnerEngine

/// Timing helpers and the shared record of figures written to results/bench.json.
enum Bench {
    static let clock = ContinuousClock()

    /// Seconds taken by `body`.
    static func time(_ body: () -> Void) -> Double {
        let start = clock.now
        body()
        return seconds(start.duration(to: clock.now))
    }

    /// Seconds taken by `body`, which may throw.
    static func timeThrowing(_ body: () throws -> Void) throws -> Double {
        let start = clock.now
        try body()
        return seconds(start.duration(to: clock.now))
    }

    /// Merges `record` into the JSON object at `path` (creating it) and says so.
    static func write(_ record: [String: Any], to path: String) {
        do {
            let url = URL(fileURLWithPath: path)
            var existing: [String: Any] = [:]
            if let data = try? Data(contentsOf: url),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                existing = object
            }
            for (key, value) in record { existing[key] = value }
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: existing, options: [.prettyPrinted, .sortedKeys]).write(to: url)
            print("\nwrote \(path)")
        } catch {
            print("could not write \(path): \(error)")
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
    }

    /// Median, min and max of some timings.
    struct Summary {
        var median: Double
        var min: Double
        var max: Double
        var count: Int

        init(_ values: [Double]) {
            let sorted = values.sorted()
            median = sorted[sorted.count / 2]
            min = sorted.first ?? .nan
            max = sorted.last ?? .nan
            count = sorted.count
        }

        var json: [String: Any] {
            ["median_ms": median * 1000, "min_ms": min * 1000, "max_ms": max * 1000, "runs": count]
        }
    }

    /// Runs a command and returns its standard output, or `nil` if it failed.
    static func capture(_ arguments: [String]) -> Data? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? data : nil
    }

    /// A line describing the machine: CPU model, cores, the build's flags.
    static func machine(flags: String) -> [String: Any] {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model =
            cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
            ?? "unknown"
        return [
            "cpu": model,
            "cores": ProcessInfo.processInfo.activeProcessorCount,
            "flags": flags,
            "date": ISO8601DateFormatter().string(from: Date()),
        ]
    }

    /// `FLOPs` of one training run of the LSTM, counted analytically (matrix work only: the
    /// elementwise gate arithmetic is O(H·T) and left out), as the code performs it:
    /// per iteration, forward `2·4H·X·T + 2·4H·H·(T−1)` (the input projection of every step, and
    /// `W_h h(t-1)` from t = 1, since h(-1) = 0), backward `2·4H·H·(T−1)` (only the h part of
    /// d[x, h], and none at t = 0), weight gradient `2·4H·(X+H)·T`, update `2·4H·(X+H)`.
    static func flops(hidden h: Int, input x: Int, steps t: Int, iterations: Int) -> Double {
        let rows = Double(4 * h)
        let columns = Double(x + h)
        let forward = 2 * rows * Double(x) * Double(t) + 2 * rows * Double(h) * Double(t - 1)
        let backward = 2 * rows * Double(h) * Double(t - 1)
        let perIteration = forward + backward + 2 * rows * columns * Double(t) + 2 * rows * columns
        return perIteration * Double(iterations)
    }
}
