import Foundation
import LSTMCore
import RunnerModel

/// Parses a spec's `sweep` section into axes.
///
/// Each key is a dotted config path (`model.hiddenSize`, `training.learningRate`, `seed`); each
/// value is one of:
/// - a list of values: `[25, 50, 100]`;
/// - `{"range": [start, end]}` or `{"range": [start, end, step]}`: integers, `end` excluded;
/// - `{"linspace": [a, b], "count": n}`: `n` evenly spaced numbers from `a` to `b`, both included;
/// - `{"logspace": [a, b], "count": n}`: `n` numbers from `a` to `b` evenly spaced on a log scale;
/// - `{"random": n, "uniform": [a, b]}`, `{"random": n, "logUniform": [a, b]}`,
///   `{"random": n, "integers": [a, b]}` (`b` excluded) or `{"random": n, "choice": [...]}`:
///   `n` samples drawn from the spec's `seed`.
///
/// Generated numbers are rounded to 12 significant digits, so a sweep gives the same values
/// (and so the same run ids) on every machine whatever its C library does in the last bit.
///
/// Grid order: the axes sorted by path, except that `seed` comes last; the last axis varies
/// fastest. All `random` axes are drawn together (they must have the same `n`): the k-th
/// sample sets each of their paths at once, and they take the grid position of the first of
/// their paths.
public struct Sweep: Sendable {
    /// The schema sweep paths and values are checked against.
    public var schema: ConfigSchema

    /// Creates a sweep parser.
    public init(schema: ConfigSchema) {
        self.schema = schema
    }

    /// The generator keys a sweep value may have.
    package static let generatorKeys = [
        "range", "linspace", "logspace", "count", "random", "uniform", "logUniform", "integers", "choice",
    ]

    /// The most trials a grid may have, even with `--force`: what this machine's memory can hold
    /// as planned trials (4 KB each: about 1.3 KB measured, and registering them costs more), at most
    /// 10^8 and at least 10^6.
    public static var materializableTrials: Int {
        min(100_000_000, max(1_000_000, Int(clamping: ProcessInfo.processInfo.physicalMemory / 4096)))
    }

    /// Parses and validates the `sweep` section.
    ///
    /// Every axis is counted before any is generated, and a grid over the limit is refused at
    /// once: no value list is materialised for a sweep that will not run.
    ///
    /// - Parameters:
    ///   - value: the section, if present.
    ///   - base: the base config (its `seed` seeds the random generators).
    ///   - file: the file to name in errors.
    ///   - trialLimit: the most trials the grid may have (unless `force`).
    ///   - force: allow up to ``materializableTrials`` trials.
    /// - Returns: the axes in grid order.
    /// - Throws: ``SpecError``.
    package func axes(
        from value: ConfigValue?,
        base: [String: ConfigValue],
        file: String,
        trialLimit: Int = .max,
        force: Bool = false
    ) throws(SpecError) -> [SweepAxis] {
        guard let value, value != .null else { return [] }
        guard case .object(let entries) = value else {
            throw SpecError(
                .wrongType,
                file: file,
                keyPath: "sweep",
                "is \(value.shortDescription) (\(value.kindDescription)); it must map config paths to value lists."
            )
        }
        let baseSeed: UInt64
        if case .integer(let seed)? = base["seed"], seed >= 0 { baseSeed = UInt64(seed) } else { baseSeed = 0 }
        var plans: [(path: String, plan: AxisPlan)] = []
        for path in entries.keys.sorted() {
            guard schema.field(at: path) != nil else {
                let hint = Suggestion.nearest(to: path, in: schema.allPaths).map { " Did you mean \($0)?" } ?? ""
                throw SpecError(
                    .badSweep,
                    file: file,
                    keyPath: "sweep.\(path)",
                    "names no config field.\(hint) Sweep paths look like model.hiddenSize, training.learningRate, seed."
                )
            }
            plans.append((path, try plan(entries[path] ?? .null, keyPath: "sweep.\(path)", seed: baseSeed, file: file)))
        }
        let random = plans.filter(\.plan.random)
        if let first = random.first {
            for other in random.dropFirst() where other.plan.count != first.plan.count {
                throw SpecError(
                    .badSweep,
                    file: file,
                    keyPath: "sweep.\(other.path).random",
                    "is \(other.plan.count) but sweep.\(first.path).random is \(first.plan.count); "
                        + "random axes are drawn together and need the same count."
                )
            }
        }
        // The grid's size from the counts alone (random axes are one joint axis).
        let counts = plans.filter { !$0.plan.random }.map(\.plan.count) + (random.first.map { [$0.plan.count] } ?? [])
        let size = counts.reduce(1) { product, count in
            let (next, overflow) = product.multipliedReportingOverflow(by: count)
            return overflow ? Int.max : next
        }
        let text = size == Int.max ? "at least \(Int.max)" : "\(size)"
        if size > trialLimit && !force {
            throw SpecError(
                .tooManyTrials,
                file: file,
                keyPath: "sweep",
                "makes \(text) trials, over the limit of \(trialLimit); shrink the sweep or pass --force."
            )
        }
        let ceiling = Self.materializableTrials
        if size > ceiling {
            throw SpecError(
                .tooManyTrials,
                file: file,
                keyPath: "sweep",
                "makes \(text) trials; at most \(ceiling) fit in this machine's memory, even with --force. "
                    + "Shrink the sweep, or split it into several specs."
            )
        }
        var grid: [SweepAxis] = []
        var drawn: [(path: String, values: [ConfigValue])] = []
        for (path, plan) in plans {
            let keyPath = "sweep.\(path)"
            let values = try plan.values()
            if let spec = schema.field(at: path) {
                for (index, element) in values.enumerated() {
                    do {
                        _ = try spec.validate(element)
                    } catch {
                        throw SpecError(
                            error.code, file: file, keyPath: "\(keyPath)[\(index)]\(error.subPath)", error.text)
                    }
                }
            }
            if plan.random {
                drawn.append((path, values))
            } else {
                grid.append(SweepAxis(path: path, values: values))
            }
        }
        if let first = drawn.first {
            let joint = SweepAxis(
                paths: drawn.map(\.path),
                values: (0..<first.values.count).map { i in drawn.map { $0.values[i] } }
            )
            grid.append(joint)
        }
        func order(_ axis: SweepAxis) -> (Int, String) {
            let path = axis.paths[0]
            return (path == "seed" ? 1 : 0, path)
        }
        return grid.sorted { order($0) < order($1) }
    }

    // MARK: - Generators

    /// A parsed sweep value: how many values it gives, known before any is made, and how to make them.
    private struct AxisPlan {
        /// The number of values.
        var count: Int
        /// Whether the axis is drawn at random (with the other random axes).
        var random: Bool
        /// Makes the values (`count` of them).
        var values: () throws(SpecError) -> [ConfigValue]
        /// The distribution of a `random` axis.
        var distribution: SearchDimension.Distribution?
    }

    /// Checks a sweep value's generator and counts its values, without making them.
    private func plan(_ value: ConfigValue, keyPath: String, seed: UInt64, file: String) throws(SpecError) -> AxisPlan {
        func fail(_ code: SpecError.Code, _ subPath: String, _ text: String) -> SpecError {
            SpecError(code, file: file, keyPath: keyPath + subPath, text)
        }
        switch value {
        case .array(let values):
            guard !values.isEmpty else {
                throw fail(.emptySweep, "", "is an empty list; give at least one value, or remove the axis.")
            }
            return AxisPlan(count: values.count, random: false) { () throws(SpecError) in values }
        case .object(let generator):
            for key in generator.keys.sorted() where !Self.generatorKeys.contains(key) {
                let hint = Suggestion.nearest(to: key, in: Self.generatorKeys).map { " Did you mean \($0)?" } ?? ""
                throw fail(
                    .badSweep,
                    ".\(key)",
                    "is not a sweep generator key.\(hint) Use range, linspace/logspace with count, or random with uniform, logUniform, integers or choice."
                )
            }
            if let range = generator["range"] {
                let (start, step, count) = try rangeBounds(range, fail: fail)
                return AxisPlan(count: count, random: false) { () throws(SpecError) in
                    // Wrapping arithmetic: every value lies between start and end, so it is exact.
                    (0..<count).map { .integer(start &+ $0 &* step) }
                }
            }
            if let bounds = generator["linspace"] ?? generator["logspace"] {
                let logarithmic = generator["logspace"] != nil
                let name = logarithmic ? "logspace" : "linspace"
                let count = try integer(
                    generator["count"], ".count", minimum: 1, fail: fail, missing: "\(name) needs a count")
                let (a, b) = try pair(bounds, ".\(name)", fail: fail)
                if logarithmic && (a <= 0 || b <= 0) {
                    throw fail(.outOfRange, ".logspace", "is [\(a), \(b)]; logspace bounds must be > 0.")
                }
                return AxisPlan(count: count, random: false) { () throws(SpecError) in
                    Self.spaced(from: a, to: b, count: count, logarithmic: logarithmic).map(ConfigValue.number)
                }
            }
            if generator["random"] != nil {
                let count = try integer(generator["random"], ".random", minimum: 1, fail: fail, missing: "")
                let distribution = try randomDistribution(generator, fail: fail)
                let dimension = SearchDimension(path: keyPath, distribution: distribution)
                let axisSeed = seed ^ Self.fnv1a(keyPath)
                return AxisPlan(
                    count: count, random: true,
                    values: { () throws(SpecError) in
                        var rng = Xoshiro256StarStar(seed: axisSeed)
                        return (0..<count).map { _ in dimension.draw(using: &rng) }
                    }, distribution: distribution)
            }
            throw fail(.badSweep, "", "is a dictionary without a generator; use range, linspace, logspace or random.")
        default:
            throw fail(
                .badSweep,
                "",
                "is \(value.shortDescription) (\(value.kindDescription)); give a list of values or a generator such as {\"range\": [0, 5]}."
            )
        }
    }

    /// The start, step and number of values of `{"range": [start, end, step]}`, counted, not made.
    private func rangeBounds(_ value: ConfigValue, fail: (SpecError.Code, String, String) -> SpecError)
        throws(SpecError) -> (start: Int, step: Int, count: Int)
    {
        guard case .array(let parts) = value, parts.count == 2 || parts.count == 3 else {
            throw fail(
                .badSweep, ".range", "is \(value.shortDescription); it must be [start, end] or [start, end, step].")
        }
        var numbers: [Int] = []
        for (index, part) in parts.enumerated() {
            guard case .integer(let number) = part else {
                throw fail(.wrongType, ".range[\(index)]", "is \(part.shortDescription); range takes integers.")
            }
            numbers.append(number)
        }
        let (start, end) = (numbers[0], numbers[1])
        let step = numbers.count == 3 ? numbers[2] : 1
        guard step != 0 else { throw fail(.outOfRange, ".range[2]", "is 0; the step must not be 0.") }
        // The distance towards the end, as an unsigned number: it cannot overflow.
        let ahead = step > 0 ? end > start : end < start
        let distance = step > 0 ? UInt(bitPattern: end &- start) : UInt(bitPattern: start &- end)
        let count = ahead ? (distance - 1) / step.magnitude + 1 : 0
        guard count > 0 else {
            throw fail(.emptySweep, ".range", "is \(value.shortDescription), which is empty; the end is excluded.")
        }
        guard count <= 10_000_000 else {
            throw fail(.outOfRange, ".range", "has \(count) values; that is too many for one axis (at most 10000000).")
        }
        return (start, step, Int(count))
    }

    /// Checks a `random` generator's distribution.
    private func randomDistribution(
        _ generator: [String: ConfigValue],
        fail: (SpecError.Code, String, String) -> SpecError
    ) throws(SpecError) -> SearchDimension.Distribution {
        if let bounds = generator["uniform"] {
            let (a, b) = try pair(bounds, ".uniform", fail: fail)
            return .uniform(low: a, high: b)
        }
        if let bounds = generator["logUniform"] {
            let (a, b) = try pair(bounds, ".logUniform", fail: fail)
            guard a > 0, b > 0 else {
                throw fail(.outOfRange, ".logUniform", "is [\(a), \(b)]; logUniform bounds must be > 0.")
            }
            return .logUniform(low: a, high: b)
        }
        if let bounds = generator["integers"] {
            guard case .array(let parts) = bounds, parts.count == 2, case .integer(let a) = parts[0],
                case .integer(let b) = parts[1], b > a, !b.subtractingReportingOverflow(a).overflow
            else {
                throw fail(
                    .badSweep, ".integers",
                    "is \(bounds.shortDescription); it must be [low, high] with high > low (high excluded).")
            }
            return .integers(low: a, high: b)
        }
        if let choices = generator["choice"] {
            guard case .array(let options) = choices, !options.isEmpty else {
                throw fail(.emptySweep, ".choice", "is \(choices.shortDescription); it must be a non-empty list.")
            }
            return .choice(options)
        }
        throw fail(.badSweep, "", "has random but no distribution; add uniform, logUniform, integers or choice.")
    }

    /// The distributions of the `random` axes of a `sweep` section that ``axes(from:base:file:trialLimit:force:)``
    /// accepted, in path order: the space a TPE search explores.
    ///
    /// - Parameters:
    ///   - value: the section, if present.
    ///   - file: the file to name in errors.
    /// - Returns: one dimension per random path (its `path` is the config path, without `sweep.`).
    /// - Throws: ``SpecError`` (as ``axes(from:base:file:trialLimit:force:)`` would).
    package func dimensions(from value: ConfigValue?, file: String) throws(SpecError) -> [SearchDimension] {
        guard case .object(let entries)? = value else { return [] }
        var dimensions: [SearchDimension] = []
        for path in entries.keys.sorted() {
            let plan = try plan(entries[path] ?? .null, keyPath: "sweep.\(path)", seed: 0, file: file)
            if let distribution = plan.distribution {
                dimensions.append(SearchDimension(path: path, distribution: distribution))
            }
        }
        return dimensions
    }

    private func integer(
        _ value: ConfigValue?,
        _ subPath: String,
        minimum: Int,
        fail: (SpecError.Code, String, String) -> SpecError,
        missing: String
    ) throws(SpecError) -> Int {
        guard let value else { throw fail(.missingKey, subPath, "is missing; \(missing).") }
        guard case .integer(let number) = value else {
            throw fail(
                .wrongType, subPath, "is \(value.shortDescription) (\(value.kindDescription)); it must be an integer.")
        }
        guard number >= minimum, number <= 10_000_000 else {
            throw fail(.outOfRange, subPath, "is \(number); it must be in [\(minimum), 10000000].")
        }
        return number
    }

    private func pair(_ value: ConfigValue, _ subPath: String, fail: (SpecError.Code, String, String) -> SpecError)
        throws(SpecError) -> (Double, Double)
    {
        guard case .array(let parts) = value, parts.count == 2 else {
            throw fail(.badSweep, subPath, "is \(value.shortDescription); it must be a pair [a, b].")
        }
        var numbers: [Double] = []
        for (index, part) in parts.enumerated() {
            switch part {
            case .integer(let i): numbers.append(Double(i))
            case .number(let d): numbers.append(d)
            default:
                throw fail(
                    .wrongType, "\(subPath)[\(index)]",
                    "is \(part.shortDescription) (\(part.kindDescription)); it must be a number.")
            }
        }
        return (numbers[0], numbers[1])
    }

    /// `count` numbers from `a` to `b` (both included), evenly spaced on a linear or log scale,
    /// rounded to 12 significant digits.
    package static func spaced(from a: Double, to b: Double, count: Int, logarithmic: Bool) -> [Double] {
        guard count > 1 else { return [a] }
        let (start, end) = logarithmic ? (DeterministicMath.log(a), DeterministicMath.log(b)) : (a, b)
        return (0..<count).map { k in
            if k == 0 { return a }
            if k == count - 1 { return b }
            let position = start + Double(k) * (end - start) / Double(count - 1)
            return round12(logarithmic ? DeterministicMath.exp(position) : position)
        }
    }

    /// Rounds to 12 significant decimal digits (correctly rounded both ways, so exact everywhere).
    package static func round12(_ value: Double) -> Double {
        Double(String(format: "%.12g", value)) ?? value
    }

    /// FNV-1a over the UTF-8 bytes of a string: seeds each random axis's generator differently.
    package static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

/// One trial of an experiment's grid.
public struct PlannedTrial: Sendable {
    /// Its position in the grid order (from 0).
    public var index: Int
    /// The resolved config.
    public var config: TrialConfig
    /// The run id.
    public var runID: String
    /// The values of the swept paths, by path.
    public var swept: [String: ParameterValue]

    /// Creates a value from all of its fields.
    package init(index: Int, config: TrialConfig, runID: String, swept: [String: ParameterValue]) {
        self.index = index
        self.config = config
        self.runID = runID
        self.swept = swept
    }
}

extension ExperimentSpec {
    /// Every trial of the grid in grid order, duplicate configs removed (the first is kept).
    ///
    /// - Throws: ``SpecError`` when a combination of axis values makes an invalid config (for
    ///   example an optimizer parameter swept together with an optimizer that lacks it).
    ///
    /// A tpe search's trials beyond its startup ones depend on results: ``trials()`` gives the
    /// startup ones (the random axes' first draws), and ``searchTrial(index:values:)`` makes the others.
    public func trials() throws(SpecError) -> [PlannedTrial] {
        var trials: [PlannedTrial] = []
        var seen: Set<String> = []
        let count = search?.method == .tpe ? min(gridSize, search?.startup ?? 0) : gridSize
        trials.reserveCapacity(count)
        for index in 0..<count {
            var tree = base
            var remainder = index
            var assignments: [(String, ConfigValue)] = []
            for axis in axes.reversed() {
                let point = axis.values[remainder % axis.values.count]
                remainder /= axis.values.count
                for (path, value) in zip(axis.paths, point) {
                    assignments.append((path, value))
                    Self.set(value, at: path, in: &tree)
                }
            }
            let label = assignments.reversed().map { "\($0.0)=\($0.1.shortDescription)" }.joined(separator: ", ")
            let config = try schema.resolve(tree, file: "\(file) (trial \(index): \(label))")
            let id = config.runID
            guard seen.insert(id).inserted else { continue }
            var swept: [String: ParameterValue] = [:]
            for path in sweptPaths {
                swept[path] = config.value(at: path)
            }
            trials.append(PlannedTrial(index: index, config: config, runID: id, swept: swept))
        }
        return trials
    }

    package static func set(_ value: ConfigValue, at path: String, in tree: inout [String: ConfigValue]) {
        guard let path = ConfigPath(path), let name = path.section?.rawValue else {
            tree[path] = value
            return
        }
        var section: [String: ConfigValue] = [:]
        if case .object(let fields)? = tree[name] { section = fields }
        section[path.key] = value
        tree[name] = .object(section)
    }
}
