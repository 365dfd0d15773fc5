import Foundation

/// One part of a sweep split over machines: trial `k` of the ordered trial list goes to shard
/// `k mod count`, so shards are disjoint, cover the sweep and differ in size by at most one.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    /// This shard, from 0.
    public var index: Int
    /// The number of shards.
    public var count: Int

    /// Creates a shard.
    ///
    /// - Precondition: `0 <= index < count`.
    public init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 0 && index < count, "shard index out of range")
        self.index = index
        self.count = count
    }

    /// `2/8`.
    public var description: String { "\(index)/\(count)" }

    /// Whether trial `k` (its position in the ordered list) belongs to this shard.
    public func contains(_ k: Int) -> Bool { k % count == index }

    /// This shard's trials, in order.
    public func select<T>(_ trials: [T]) -> [T] {
        trials.enumerated().filter { contains($0.offset) }.map(\.element)
    }

    /// Parses `--shard`: `I/N`, `slurm` (from `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`)
    /// or `k8s/N` (from `JOB_COMPLETION_INDEX`).
    ///
    /// - Parameters:
    ///   - text: the flag's value.
    ///   - environment: the process environment.
    /// - Returns: the shard.
    /// - Throws: ``ShardError`` with a message saying what to give instead.
    public static func parse(_ text: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        throws(ShardError) -> Shard
    {
        func number(_ value: String?, _ name: String) throws(ShardError) -> Int {
            guard let value else {
                throw ShardError(
                    "--shard \(text): \(name) is not set; run inside the scheduler's job or give --shard I/N.")
            }
            guard let number = Int(value.trimmingCharacters(in: .whitespaces)) else {
                throw ShardError("--shard \(text): \(name) is \"\(value)\", not a whole number.")
            }
            return number
        }
        let index: Int
        let count: Int
        if text == "slurm" {
            index = try number(environment["SLURM_ARRAY_TASK_ID"], "SLURM_ARRAY_TASK_ID")
            count = try number(environment["SLURM_ARRAY_TASK_COUNT"], "SLURM_ARRAY_TASK_COUNT")
            if let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap(Int.init), minimum != 0 {
                throw ShardError("--shard slurm: the array starts at \(minimum); submit it as --array=0-\(count - 1).")
            }
        } else if text.hasPrefix("k8s/") {
            count = try number(String(text.dropFirst(4)), "the shard count after k8s/")
            index = try number(environment["JOB_COMPLETION_INDEX"], "JOB_COMPLETION_INDEX")
        } else {
            let parts = text.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
                throw ShardError("--shard \(text): expected I/N (such as 0/4), slurm or k8s/N.")
            }
            (index, count) = (i, n)
        }
        guard count >= 1 else {
            throw ShardError("--shard \(text): the shard count is \(count); it must be at least 1.")
        }
        guard index >= 0 && index < count else {
            throw ShardError("--shard \(text): shard \(index) is outside 0..<\(count); shards are numbered from 0.")
        }
        return Shard(index: index, count: count)
    }
}

/// A bad `--shard` value or environment.
public struct ShardError: Error, CustomStringConvertible, Sendable {
    /// The message.
    public var description: String

    package init(_ description: String) {
        self.description = description
    }
}
