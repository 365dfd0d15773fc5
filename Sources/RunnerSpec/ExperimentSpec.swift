import RunnerModel

/// An experiment as a spec file describes it: a base trial config and the axes it sweeps.
public struct ExperimentSpec: Sendable {
    /// What to keep of each trial.
    public struct Checkpoints: Sendable, Equatable {
        /// Write the final parameters (default `true`).
        public var final: Bool
        /// Write the initial parameters (default `false`).
        public var initial: Bool
        /// Write the parameters every this many iterations (0: never).
        public var every: Int
        /// The deflate level, 0 (stored: gzip framing and CRC-32 only, the default) to 9.
        public var compression: Int = 0

        /// The defaults: final only, stored.
        public static let standard = Checkpoints(final: true, initial: false, every: 0, compression: 0)

        /// Whether any checkpoint file is written (final, initial or every-N).
        public var writesFiles: Bool { final || initial || every > 0 }
    }

    /// The experiment's name (`seed-sweep`), unique in a results database.
    public var name: String
    /// One line saying what it is for.
    public var description: String
    /// The file it was read from, as the user named it.
    public var file: String
    /// The file's text, stored with the results.
    public var text: String
    /// The base config tree (sections `task`, `model`, `training`, `stop`, `seed`).
    public var base: [String: ConfigValue]
    /// The swept axes, in grid order (the last varies fastest).
    public var axes: [SweepAxis]
    /// Checkpoint settings.
    public var checkpoints: Checkpoints
    /// The schema the spec was validated against.
    public var schema: ConfigSchema
    /// The `search` section, when the spec has one (`nil`: the sweep as it is).
    public var search: SearchSettings? = nil
    /// The `pruning` section, when the spec has one.
    public var pruning: PruningSettings? = nil
    /// The random axes as a search space, in path order (what a tpe search explores).
    public var searchDimensions: [SearchDimension] = []

    /// Whether the trials depend on results (TPE) or results stop trials (pruning): such a search
    /// runs in rounds, and only one process may run it (see ``SearchSettings``).
    public var isAdaptive: Bool { search?.method == .tpe || pruning != nil }

    /// The number of trials the grid has, before removing duplicate configs.
    public var gridSize: Int {
        axes.reduce(1) { product, axis in
            product.multipliedReportingOverflow(by: axis.values.count).overflow ? Int.max : product * axis.values.count
        }
    }

    /// The swept paths, in grid order (random axes drawn together appear once each).
    public var sweptPaths: [String] { axes.flatMap(\.paths) }
}
