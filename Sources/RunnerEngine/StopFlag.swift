import Dispatch
import Foundation
import Synchronization

/// A flag set once to ask running work to stop: by SIGINT, or by a caller.
public final class StopFlag: Sendable {
    private let state = Mutex(false)
    private let parent: StopFlag?

    /// A flag that is not set; with a `parent`, it also reads as set once the parent is.
    public init(parent: StopFlag? = nil) {
        self.parent = parent
    }

    /// Whether stopping was requested (of this flag or of its parent).
    public var isSet: Bool { state.withLock { $0 } || parent?.isSet == true }

    /// Requests a stop.
    public func set() {
        state.withLock { $0 = true }
    }
}

/// Turns the signals that ask a process to end into a ``StopFlag``: the first asks running work
/// to stop cleanly, the second exits at once.
///
/// SIGINT (^C), SIGTERM (`kill`, Slurm's `scancel` and time limit, Kubernetes), SIGHUP (a closed
/// terminal), SIGUSR1 and SIGUSR2 (what schedulers send as a warning, Slurm's `--signal`), SIGALRM
/// and SIGXCPU (a CPU time limit) all stop cleanly: every signal whose default would kill the
/// process mid-record, except SIGQUIT, which asks for a core dump. The exit status is then 128 +
/// the first signal's number (130, 143, 129, 138, ...). SIGPIPE and SIGXFSZ are ignored from then
/// on, so that a closed output or a file-size limit is a failed write, not a process killed in the
/// middle of recording a run.
public final class InterruptHandler {
    /// The signals that stop cleanly.
    public static let stopSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGXCPU]

    /// The signals ignored, so that the failure shows as a write error.
    public static let ignoredSignals: [Int32] = [SIGPIPE, SIGXFSZ]

    /// The flag the first signal sets.
    public let flag: StopFlag
    private let sources: [any DispatchSourceSignal]
    private let first = FirstSignal()

    /// Installs the handler.
    ///
    /// - Parameter message: printed on stderr at the first signal (after the signal's name,
    ///   unless it is SIGINT).
    public init(message: String) {
        let flag = StopFlag()
        self.flag = flag
        for number in Self.ignoredSignals {
            signal(number, SIG_IGN)
        }
        let count = Counter()
        let first = self.first
        sources = Self.stopSignals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let seen = count.increment()
                let name = Self.name(of: number)
                if seen == 1 {
                    first.record(number)
                    flag.set()
                    let prefix = number == SIGINT ? "" : "\(name): "
                    try? FileHandle.standardError.write(contentsOf: Data("\n\(prefix)\(message)\n".utf8))
                } else {
                    try? FileHandle.standardError.write(contentsOf: Data("\n\(name) again: exiting now\n".utf8))
                    exit(128 + number)
                }
            }
            source.resume()
            return source
        }
    }

    /// Whether a stop signal arrived.
    public var interrupted: Bool { flag.isSet }

    /// The first stop signal that arrived, if any.
    public var signalReceived: Int32? { first.number }

    /// The exit status for a sweep the signal stopped: 128 + its number (130 for SIGINT).
    public var exitStatus: Int32 { 128 + (signalReceived ?? SIGINT) }

    /// `SIGTERM` for 15, and so on for the stop signals.
    package static func name(of number: Int32) -> String {
        switch number {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        case SIGALRM: "SIGALRM"
        case SIGXCPU: "SIGXCPU"
        default: "signal \(number)"
        }
    }

    /// Restores the default behaviour of the stop signals. SIGPIPE and SIGXFSZ stay ignored: what
    /// is printed after the sweep (its summary) must not kill the process when the output is closed.
    public func remove() {
        for source in sources {
            source.cancel()
        }
        for number in Self.stopSignals {
            signal(number, SIG_DFL)
        }
    }
}

/// The first signal that arrived, shared with the signal handlers.
private final class FirstSignal: Sendable {
    private let value = Mutex<Int32?>(nil)

    /// The signal, once one arrived.
    var number: Int32? { value.withLock { $0 } }

    /// Keeps `number` unless a signal was recorded before.
    func record(_ number: Int32) {
        value.withLock { first in
            if first == nil { first = number }
        }
    }
}

/// A thread-safe counter.
private final class Counter: Sendable {
    private let value = Mutex(0)

    /// Adds one and returns the new value.
    func increment() -> Int {
        value.withLock { count in
            count += 1
            return count
        }
    }
}
