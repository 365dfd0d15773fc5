import Foundation
import LSTMCore
import RunnerFiles
import RunnerModel

/// A fixed set of `N` sequences read from a file, which the engine splits into training,
/// validation and test sets (``TaskData/dataset(_:)``). Trains on minibatches only.
///
/// `task.path` names the file, relative to the current directory when it is not absolute. Its
/// SHA-256 goes into the canonical config as `task.sha256`, so a changed file makes new run ids,
/// and a recorded config whose file has changed since is refused.
///
/// **`.npz`** (what `numpy.savez` writes), with the arrays
/// - `x`: `[N, T, X]` inputs (float64; int64 and bool are taken as numbers), all finite;
/// - `y`, one of
///   - `[N]` labels, any dtype with whole values `>= 0`: classification of the whole sequence,
///     scored at its last step only; `K` = the largest label + 1;
///   - `[N, T]` int64 (or bool) labels: a class a step, `K` = the largest scored label + 1;
///   - `[N, T]` float64 targets: one real value a step (`K = 1`);
///   - `[N, T, K]` targets (any dtype): `K` real values a step;
/// - `mask` (optional, not with `[N]` labels): `[N, T]`, 0/1 or bool, the steps whose loss
///   counts (all of them without it). A masked-out step's label or targets may be anything
///   (a negative label, NaN), and are stored as 0.
///
/// No other array may be in the file (a misspelt `mask` would otherwise be ignored).
///
/// **`.csv`**: one time series, a row a time step in order, a header row of unique column names,
/// then rows of finite numbers, the same number of cells in each (blank lines are skipped; a cell
/// may be quoted). `task.window` = `T` and `task.target` (a column's name) are required. Every
/// column is an input (`X` = the number of columns); the target of step `t` is `task.target`'s
/// value in the next row (`K = 1`, every step scored), so each window of `T` rows needs `T + 1`.
/// Window `w` covers rows `w·S ..< w·S + T` (rows counted from 0 after the header) with targets
/// from rows `w·S + 1 ... w·S + T`, where `S = task.stride` (default `T`: windows do not overlap);
/// `N = ⌊(R − 1 − T) / S⌋ + 1` windows of the `R` rows, in series order. The values are used as
/// they are: scale them beforehand if their ranges differ widely.
///
/// The last few files parsed are kept in memory (keyed by path, digest and parameters), so a
/// sweep parses its file once; each use still reads it and checks its digest.
public struct DatasetTask: TaskPlugin {
    /// Creates the plugin, with the process's cache of the files parsed last.
    public init() {
        self.init(cache: Self.sharedCache)
    }

    /// Creates the plugin with a cache of its own (tests).
    init(cache: TaskFileCache<Loaded>) {
        self.cache = cache
    }

    /// `dataset`.
    public var name: String { "dataset" }

    /// One line for `runner plugins`.
    public var summary: String { "sequences read from an .npz file (x, y, mask) or windows of a .csv time series" }

    /// `path`, `sha256`, and for CSV files `window`, `stride` and `target`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec(
                "path", .text, .required,
                help: ".npz (x [N, T, X], y, optional mask) or .csv file, relative to the current directory"),
            TaskFile.digestParameter,
            ParameterSpec(
                "window", .integer(1...100_000), .optional, help: "CSV: rows T per sequence (required for a .csv)"),
            ParameterSpec(
                "stride", .integer(1...100_000), .optional,
                help: "CSV: rows from one window's start to the next (default: window, no overlap)"),
            ParameterSpec(
                "target", .text, .optional, help: "CSV: the column predicted one row ahead (required for a .csv)"),
        ]
    }

    /// Minibatches only: there is no full-batch training set.
    public var forms: TaskForms { .minibatch }

    /// The most classes a label array may imply.
    public static let maximumClasses = 1_000_000

    /// A parsed file.
    struct Loaded: Sendable {
        /// All `N` sequences.
        var batch: SequenceBatch
        /// What they are scored against.
        var output: TaskOutput
    }

    /// The files parsed last, shared by the plugins made with ``init()``.
    static let sharedCache = TaskFileCache<Loaded>()

    /// Where this plugin keeps the files it parsed.
    let cache: TaskFileCache<Loaded>

    // MARK: - Plugin

    /// The parameters with the file's digest; the file is read and checked here.
    public func canonicalize(_ parameters: PluginParameters) throws(TaskDataError) -> PluginParameters {
        TaskFile.keyed(parameters, digest: try load(parameters).digest)
    }

    /// All `N` sequences of the file, for the engine to split.
    public func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        .dataset(try load(parameters).data.batch)
    }

    /// `X` of the file (1 when it cannot be read; ``canonicalize(_:)`` then says why).
    public func inputSize(_ parameters: PluginParameters) -> Int {
        loaded(parameters)?.batch.inputSize ?? 1
    }

    /// `.classes(K)` for labels, `.values(K)` for real targets.
    public func output(_ parameters: PluginParameters) -> TaskOutput {
        loaded(parameters)?.output ?? .values(1)
    }

    /// `N` and `T` of the file.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        loaded(parameters).map { ($0.batch.batchSize, $0.batch.sequenceLength) }
    }

    // MARK: - Loading

    /// The cached parse of these (canonical) parameters, or a fresh one; `nil` when the file
    /// cannot be used.
    func loaded(_ parameters: PluginParameters) -> Loaded? {
        if let cached = cache.value(for: parameters) { return cached }
        return try? load(parameters).data
    }

    /// Reads the file, checks its digest against `task.sha256` (if given) and parses it, or takes
    /// the parse from the cache.
    func load(_ parameters: PluginParameters) throws(TaskDataError) -> (digest: String, data: Loaded) {
        let path = parameters.text("path")
        let isCSV = try Self.isCSV(path)
        let window = parameters.values["window"]?.intValue
        let target = parameters.values["target"]?.textValue
        if isCSV {
            for (key, value) in [("window", window != nil), ("target", target != nil)] where !value {
                throw TaskDataError(
                    file: path, keyPath: key,
                    "is missing; a .csv dataset needs task.window (rows per sequence) and task.target (the column "
                        + "to predict one row ahead).")
            }
        } else {
            for key in ["window", "stride", "target"] where parameters.values[key] != nil {
                throw TaskDataError(
                    file: path, keyPath: key, "is set, but applies to .csv files only; remove it for an .npz file.")
            }
        }
        let bytes = try TaskFile.read(path)
        let digest = try TaskFile.digest(of: bytes, path: path, parameters)
        let key = TaskFile.keyed(parameters, digest: digest)
        if let cached = cache.value(for: key) { return (digest, cached) }
        let data: Loaded
        if let window, let target {
            let stride = parameters.values["stride"]?.intValue ?? window
            data = try Self.parseCSV(bytes, path: path, window: window, stride: stride, target: target)
        } else {
            data = try Self.parseNPZ(bytes, path: path)
        }
        cache.store(data, for: key)
        return (digest, data)
    }

    /// Whether `path` names a CSV file (else an `.npz`).
    static func isCSV(_ path: String) throws(TaskDataError) -> Bool {
        let lowercased = path.lowercased()
        if lowercased.hasSuffix(".csv") { return true }
        if lowercased.hasSuffix(".npz") { return false }
        throw TaskDataError(
            file: path, keyPath: "path",
            "does not end in .npz or .csv; a dataset is an .npz file (numpy.savez) or a .csv file: give the file "
                + "that extension.")
    }

    // MARK: - .npz

    /// The sequences of an `.npz` file's bytes (see the type's documentation for the arrays).
    static func parseNPZ(_ bytes: Data, path: String) throws(TaskDataError) -> Loaded {
        func fail(_ message: String) -> TaskDataError { TaskDataError(file: path, message) }
        let arrays: [(array: NamedArray, type: NPYFormat.ElementType)]
        do {
            arrays = try NPZ.readTyped(data: bytes, file: path)
        } catch {
            var message = (error.array.map { "array \($0): " } ?? "") + error.message
            if error.code == .unsupported, error.array == "y", error.message.hasPrefix("dtype") {
                message += " Integer labels: a.astype(numpy.int64)."
            }
            throw fail(message)
        }
        for entry in arrays where !["x", "y", "mask"].contains(entry.array.name) {
            throw fail(
                "array \(entry.array.name) is not one the dataset task reads; an .npz dataset holds x, y and "
                    + "optionally mask: remove or rename it.")
        }
        guard let x = arrays.first(where: { $0.array.name == "x" })?.array else {
            throw fail(
                "has no array x; save the inputs as x, [N, T, X] float64: numpy.savez(path, x=x, y=y).")
        }
        guard let (y, yType) = arrays.first(where: { $0.array.name == "y" }) else {
            throw fail(
                "has no array y; save the targets as y: [N] or [N, T] int64 labels, or [N, T] or [N, T, K] float64 "
                    + "targets.")
        }
        guard x.shape.count == 3 else {
            throw fail(
                "array x has shape \(x.shape) (rank \(x.shape.count)); x must be [N, T, X] (sequences, steps, inputs).")
        }
        let (count, length, width) = (x.shape[0], x.shape[1], x.shape[2])
        for (extent, what) in [(count, "sequences (N"), (length, "steps (T"), (width, "inputs (X")] where extent == 0 {
            throw fail("array x has shape \(x.shape): no \(what) = 0); a dataset needs at least one.")
        }
        if let bad = x.values.firstIndex(where: { !$0.isFinite }) {
            throw fail(
                "array x holds \(x.values[bad]) at \(position(bad, x.shape)); every input must be finite: replace "
                    + "NaN and infinity (numpy.nan_to_num) or drop the sequence.")
        }
        let steps = count * length
        let expected = "x is \(x.shape), so y must be [\(count)], [\(count), \(length)] or [\(count), \(length), K]"
        var mask = [Bool](repeating: true, count: steps)
        if let given = arrays.first(where: { $0.array.name == "mask" })?.array {
            guard y.shape.count != 1 else {
                throw fail(
                    "array mask is given with y of shape \(y.shape) (a label a sequence, scored at its last step); a "
                        + "mask goes with [N, T] or [N, T, K] targets: remove it, or give y a label a step.")
            }
            guard given.shape == [count, length] else {
                throw fail(
                    "array mask has shape \(given.shape), but x is \(x.shape); mask must be [N, T] = [\(count), "
                        + "\(length)].")
            }
            if let bad = given.values.firstIndex(where: { $0 != 0 && $0 != 1 }) {
                throw fail(
                    "array mask holds \(NumberBounds.format(given.values[bad])) at \(position(bad, given.shape)); a mask holds only 0 and "
                        + "1 (or False and True).")
            }
            mask = given.values.map { $0 == 1 }
            guard mask.contains(true) else {
                throw fail("array mask is 0 everywhere, so no step would be scored; mark the steps to score with 1.")
            }
        }
        switch y.shape.count {
        case 1:
            guard y.shape == [count] else { throw fail("array y has shape \(y.shape), but \(expected).") }
            var labels = [Int](repeating: 0, count: steps)
            for (index, value) in y.values.enumerated() {
                labels[index * length + length - 1] = try label(value, at: [index], path: path)
            }
            mask = (0..<steps).map { $0 % length == length - 1 }
            let classes = (labels.max() ?? 0) + 1
            return Loaded(
                batch: SequenceBatch(
                    batchSize: count, sequenceLength: length, inputSize: width, inputs: .dense(x.values),
                    targets: .labels(labels), mask: mask),
                output: .classes(classes))
        case 2 where yType != .float64:
            guard y.shape == [count, length] else { throw fail("array y has shape \(y.shape), but \(expected).") }
            var labels = [Int](repeating: 0, count: steps)
            for (index, value) in y.values.enumerated() where mask[index] {
                labels[index] = try label(value, at: [index / length, index % length], path: path)
            }
            let classes = (labels.max() ?? 0) + 1
            return Loaded(
                batch: SequenceBatch(
                    batchSize: count, sequenceLength: length, inputSize: width, inputs: .dense(x.values),
                    targets: .labels(labels), mask: mask),
                output: .classes(classes))
        case 2, 3:
            let outputs = y.shape.count == 3 ? y.shape[2] : 1
            guard y.shape.prefix(2) == [count, length], outputs >= 1 else {
                throw fail("array y has shape \(y.shape), but \(expected) with K >= 1.")
            }
            var targets = y.values
            for index in targets.indices where !targets[index].isFinite {
                guard !mask[index / outputs] else {
                    throw fail(
                        "array y holds \(targets[index]) at \(position(index, y.shape)), a scored step; every target "
                            + "must be finite: replace it, or mask the step out (mask 0).")
                }
                targets[index] = 0
            }
            for step in mask.indices where !mask[step] {
                for index in (step * outputs)..<((step + 1) * outputs) { targets[index] = 0 }
            }
            return Loaded(
                batch: SequenceBatch(
                    batchSize: count, sequenceLength: length, inputSize: width, inputs: .dense(x.values),
                    targets: .values(targets), mask: mask),
                output: .values(outputs))
        default:
            throw fail("array y has shape \(y.shape) (rank \(y.shape.count)), but \(expected).")
        }
    }

    /// A label checked to be a whole number in `0..<maximumClasses`.
    private static func label(_ value: Double, at index: [Int], path: String) throws(TaskDataError) -> Int {
        let problem: String? =
            if !value.isFinite || value.rounded() != value {
                "labels must be whole numbers (class indices 0, 1, ...); for a real target at the last step give y "
                    + "as [N, T] float64 with a mask"
            } else if value < 0 {
                "labels must be >= 0; to leave a step out, give y a label a step and mask the step out (mask 0)"
            } else if value >= Double(maximumClasses) {
                "labels must be below \(maximumClasses) (the number of classes); number the classes from 0"
            } else {
                nil
            }
        if let problem {
            throw TaskDataError(
                file: path,
                "array y holds \(NumberBounds.format(value)) at [\(index.map(String.init).joined(separator: ", "))]; \(problem)."
            )
        }
        return Int(value)
    }

    /// `[2, 0, 1]`: the index of element `flat` of an array of this shape.
    static func position(_ flat: Int, _ shape: [Int]) -> String {
        var rest = flat
        var index: [Int] = []
        for extent in shape.reversed() {
            index.append(extent == 0 ? 0 : rest % extent)
            rest = extent == 0 ? 0 : rest / extent
        }
        return "[" + index.reversed().map(String.init).joined(separator: ", ") + "]"
    }
}
