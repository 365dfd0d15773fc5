import RunnerModel

/// One axis of a sweep grid: one or more config paths and the values they take together.
///
/// A plain axis has one path. The `random` axes of a spec are drawn jointly (N samples, each
/// setting every random path at once), so they form one axis with several paths.
public struct SweepAxis: Sendable, Equatable {
    /// The dotted config paths this axis sets.
    public var paths: [String]
    /// `values[i][j]` is the value of `paths[j]` at the axis's `i`-th point.
    public var values: [[ConfigValue]]

    /// An axis over one path.
    public init(path: String, values: [ConfigValue]) {
        self.paths = [path]
        self.values = values.map { [$0] }
    }

    /// An axis over several paths at once.
    public init(paths: [String], values: [[ConfigValue]]) {
        self.paths = paths
        self.values = values
    }
}
