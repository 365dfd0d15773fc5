import Foundation
import RunnerModel
import Synchronization

/// Progress of a sweep on stderr.
///
/// On a terminal: one line, redrawn in place, with a bar, done/total, trials per second, the
/// estimated time left and the best loss so far. Elsewhere (a log file, CI): a plain line at most
/// every 10 seconds, and one at the end.
public final class ProgressReporter: Sendable {
    private struct State {
        var done = 0
        var best: Double?
        var lastDraw = ContinuousClock.now
        var drawnDone = -1
    }

    private let total: Int
    private let terminal: Bool
    private let interval: Duration
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    private let write: @Sendable (String) -> Void

    /// Creates a reporter.
    ///
    /// - Parameters:
    ///   - total: the number of trials to run.
    ///   - terminal: whether stderr is a terminal (default: ask `isatty`).
    ///   - interval: how often to print a plain line when not on a terminal.
    ///   - write: where text goes (stderr by default).
    public init(
        total: Int,
        terminal: Bool = isatty(STDERR_FILENO) != 0,
        interval: Duration = .seconds(10),
        write: @escaping @Sendable (String) -> Void = { try? FileHandle.standardError.write(contentsOf: Data($0.utf8)) }
    ) {
        self.total = total
        self.terminal = terminal
        self.interval = interval
        self.write = write
    }

    /// Counts a finished trial.
    public func finished(_ result: TrialResult) {
        let line: String? = state.withLock { state in
            state.done += 1
            if let loss = result.bestLoss, loss < (state.best ?? .infinity) { state.best = loss }
            let now = ContinuousClock.now
            let due =
                terminal
                ? state.lastDraw.duration(to: now) >= .milliseconds(100) : state.lastDraw.duration(to: now) >= interval
            guard due || state.done == total else { return nil }
            state.lastDraw = now
            state.drawnDone = state.done
            return render(state)
        }
        if let line { write(line) }
    }

    /// Prints the last line unless it is already shown (and ends the terminal line).
    public func finish() {
        let line = state.withLock { state -> String? in
            defer { state.drawnDone = state.done }
            return state.drawnDone == state.done ? nil : render(state)
        }
        if terminal {
            write((line ?? "") + "\n")
        } else if let line {
            write(line)
        }
    }

    private func render(_ state: State) -> String {
        let elapsed =
            Double(started.duration(to: .now).components.seconds)
            + Double(started.duration(to: .now).components.attoseconds) * 1e-18
        let rate = elapsed > 0 ? Double(state.done) / elapsed : 0
        let remaining = rate > 0 ? Double(total - state.done) / rate : .nan
        let best = state.best.map { String(format: "%.3e", $0) } ?? "-"
        let eta = remaining.isFinite ? Self.duration(remaining) : "?"
        let counts = "\(state.done)/\(total)"
        let figures = String(format: "%.1f trials/s", rate) + "  ETA \(eta)  best \(best)"
        if terminal {
            let width = 24
            let filled = total > 0 ? min(width, width * state.done / total) : width
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            return "\r[\(bar)] \(counts)  \(figures)\u{1B}[K"
        }
        return "progress: \(counts) trials  \(figures)\n"
    }

    /// `1:05`, `2:03:07`.
    package static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, secs) = (total / 3600, (total / 60) % 60, total % 60)
        return hours > 0
            ? String(format: "%d:%02d:%02d", hours, minutes, secs) : String(format: "%d:%02d", minutes, secs)
    }
}
