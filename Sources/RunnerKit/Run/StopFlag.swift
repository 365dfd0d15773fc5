import Dispatch
import Foundation
import Synchronization

/// A flag set once to ask running work to stop: by SIGINT, or by a caller.
public final class StopFlag: Sendable {
    private let state = Mutex(false)

    /// A flag that is not set.
    public init() {}

    /// Whether stopping was requested.
    public var isSet: Bool { state.withLock { $0 } }

    /// Requests a stop.
    public func set() {
        state.withLock { $0 = true }
    }
}

/// Turns SIGINT into a ``StopFlag``: the first ^C asks running work to stop cleanly, the second
/// exits at once with status 130.
public final class InterruptHandler {
    /// The flag the first SIGINT sets.
    public let flag: StopFlag
    private let source: any DispatchSourceSignal

    /// Installs the handler.
    ///
    /// - Parameter message: printed on stderr at the first SIGINT.
    public init(message: String) {
        let flag = StopFlag()
        self.flag = flag
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let count = Counter()
        source.setEventHandler {
            let seen = count.increment()
            if seen == 1 {
                flag.set()
                FileHandle.standardError.write(Data("\n\(message)\n".utf8))
            } else {
                FileHandle.standardError.write(Data("\ninterrupted again: exiting now\n".utf8))
                exit(130)
            }
        }
        source.resume()
    }

    /// Whether a SIGINT arrived.
    public var interrupted: Bool { flag.isSet }

    /// Restores the default SIGINT behaviour.
    public func remove() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
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
