import RunnerModel

/// The `search` and `pruning` sections of a spec.
extension SpecLoader {
    /// The keys of `search`.
    static let searchKeys = ["batch", "method", "seed", "startup", "trials"]
    /// The keys of `pruning`.
    static let pruningKeys = ["method", "metric", "minIterations", "reduction"]

    /// Parses and checks `search` against the sweep's axes.
    ///
    /// - Parameters:
    ///   - value: the section, if present.
    ///   - axes: the sweep's axes.
    ///   - dimensions: the sweep's random axes (``Sweep/dimensions(from:file:)``).
    ///   - seed: the spec's `seed` (TPE's default seed).
    ///   - file: the file to name in errors.
    /// - Returns: `nil` when the spec has no `search`.
    /// - Throws: ``SpecError`` naming `search.KEY`.
    static func search(
        _ value: ConfigValue?, axes: [SweepAxis], dimensions: [SearchDimension], seed: Int, file: String
    ) throws(SpecError) -> SearchSettings? {
        guard let value else { return nil }
        let fields = try section(value, "search", keys: searchKeys, file: file)
        let method = try choice(fields["method"], "search.method", SearchSettings.Method.self, file: file)
        let randomPaths = Set(dimensions.map(\.path))
        let randomCount = axes.first { Set($0.paths) == randomPaths && !randomPaths.isEmpty }?.values.count
        let gridSize = axes.reduce(1) { $0.multipliedReportingOverflow(by: $1.values.count).partialValue }
        if method != .tpe {
            for key in ["startup", "batch", "seed"] where fields[key] != nil {
                throw SpecError(
                    .unknownKey, file: file, keyPath: "search.\(key)",
                    "is set, but only a tpe search has it; remove it or use \"method\": \"tpe\".")
            }
        }
        if method != .grid, randomPaths.isEmpty {
            throw SpecError(
                .badSweep, file: file, keyPath: "search.method",
                "is \"\(method.rawValue)\" but the sweep has no random axis; declare one such as "
                    + "\"training.learningRate\": {\"random\": 60, \"logUniform\": [0.001, 3]}.")
        }
        if method == .tpe, let grid = axes.first(where: { Set($0.paths) != randomPaths }) {
            throw SpecError(
                .badSweep, file: file, keyPath: "sweep.\(grid.paths[0])",
                "is a list or a grid generator, but a tpe search explores only random axes (uniform, logUniform, "
                    + "integers, choice); make it random or move its value into the base config.")
        }
        let expected = method == .grid ? gridSize : (randomCount ?? 0)
        let trials = try integer(fields["trials"], "search.trials", 1...10_000_000, file: file) ?? expected
        guard trials == expected else {
            let counted =
                method == .grid
                ? "the sweep's grid has \(expected) trials"
                : "the random axes draw \(expected) (sweep.\(dimensions[0].path).random)"
            throw SpecError(
                .outOfRange, file: file, keyPath: "search.trials",
                "is \(trials) but \(counted); they count the same trials: give the same number or leave search.trials out."
            )
        }
        let startup =
            try integer(fields["startup"], "search.startup", 1...trials, file: file)
            ?? min(SearchSettings.defaultStartup, trials)
        let batch =
            try integer(fields["batch"], "search.batch", 1...10_000_000, file: file) ?? SearchSettings.defaultBatch
        let searchSeed = try integer(fields["seed"], "search.seed", 0...Int.max, file: file) ?? max(0, seed)
        return SearchSettings(method: method, trials: trials, startup: startup, batch: batch, seed: searchSeed)
    }

    /// Parses and checks `pruning` against the base config.
    ///
    /// - Parameters:
    ///   - value: the section, if present.
    ///   - base: the resolved base config.
    ///   - axes: the sweep's axes.
    ///   - file: the file to name in errors.
    /// - Returns: `nil` when the spec has no `pruning`.
    /// - Throws: ``SpecError`` naming `pruning.KEY`.
    static func pruning(_ value: ConfigValue?, base: TrialConfig, axes: [SweepAxis], file: String)
        throws(SpecError) -> PruningSettings?
    {
        guard let value else { return nil }
        let fields = try section(value, "pruning", keys: pruningKeys, file: file)
        let method = try choice(fields["method"], "pruning.method", PruningSettings.Method.self, file: file)
        let metric =
            try fields["metric"].map { (given) throws(SpecError) in
                try choice(given, "pruning.metric", PruningSettings.Metric.self, file: file)
            }
        if let swept = axes.first(where: { $0.paths.contains("training.iterations") }) {
            throw SpecError(
                .badSweep, file: file, keyPath: "sweep.\(swept.paths[0])",
                "is swept, but pruning needs one training.iterations for all trials; fix it in the base config.")
        }
        let iterations = base.iterations
        guard let given = fields["minIterations"] else {
            throw SpecError(
                .missingKey, file: file, keyPath: "pruning.minIterations",
                "is missing; give the first rung, such as \(max(1, iterations / 27)) (below training.iterations \(iterations))."
            )
        }
        guard
            let minIterations = try integer(given, "pruning.minIterations", 1...max(1, iterations - 1), file: file)
        else { return nil }
        let reduction =
            try integer(fields["reduction"], "pruning.reduction", 2...1000, file: file)
            ?? PruningSettings.defaultReduction
        if metric == .validationLoss {
            guard let every = base.evaluationEvery, minIterations % every == 0 else {
                let now = base.evaluationEvery.map { "evaluation.every is \($0)" } ?? "evaluation.every is not set"
                throw SpecError(
                    .outOfRange, file: file, keyPath: "pruning.metric",
                    "is \"validation_loss\" but \(now); the rungs (\(minIterations)·\(reduction)^k) need a validation "
                        + "pass: set evaluation.every to a divisor of \(minIterations), or use \"final_loss\".")
            }
        }
        return PruningSettings(method: method, metric: metric, minIterations: minIterations, reduction: reduction)
    }

    // MARK: - Fields

    private static func section(_ value: ConfigValue, _ name: String, keys: [String], file: String)
        throws(SpecError) -> [String: ConfigValue]
    {
        guard case .object(let fields) = value else {
            throw SpecError(
                .wrongType, file: file, keyPath: name,
                "is \(value.shortDescription) (\(value.kindDescription)); it must be a dictionary with "
                    + "\(keys.joined(separator: ", ")).")
        }
        for key in fields.keys.sorted() where !keys.contains(key) {
            let hint = Suggestion.nearest(to: key, in: keys).map { " Did you mean \(name).\($0)?" } ?? ""
            throw SpecError(
                .unknownKey, file: file, keyPath: "\(name).\(key)",
                "is not a known key.\(hint) Known keys in \(name): \(keys.joined(separator: ", ")).")
        }
        return fields
    }

    private static func choice<Option: RawRepresentable & CaseIterable>(
        _ value: ConfigValue?, _ keyPath: String, _: Option.Type, file: String
    ) throws(SpecError) -> Option where Option.RawValue == String {
        let names = Option.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
        guard let value else {
            throw SpecError(.missingKey, file: file, keyPath: keyPath, "is missing; give one of \(names).")
        }
        guard case .string(let text) = value, let option = Option(rawValue: text) else {
            let hint: String
            if case .string(let text) = value,
                let near = Suggestion.nearest(to: text, in: Option.allCases.map(\.rawValue))
            {
                hint = " Did you mean \"\(near)\"?"
            } else {
                hint = ""
            }
            throw SpecError(
                .outOfRange, file: file, keyPath: keyPath, "is \(value.shortDescription);\(hint) use one of \(names).")
        }
        return option
    }

    private static func integer(_ value: ConfigValue?, _ keyPath: String, _ range: ClosedRange<Int>, file: String)
        throws(SpecError) -> Int?
    {
        guard let value else { return nil }
        guard case .integer(let number) = value else {
            throw SpecError(
                .wrongType, file: file, keyPath: keyPath,
                "is \(value.shortDescription) (\(value.kindDescription)); it must be an integer in "
                    + "[\(range.lowerBound), \(range.upperBound)].")
        }
        guard range.contains(number) else {
            throw SpecError(
                .outOfRange, file: file, keyPath: keyPath,
                "is \(number); it must be in [\(range.lowerBound), \(range.upperBound)].")
        }
        return number
    }
}
