import Foundation
import LSTMCore
import RunnerModel

/// A character-level language model of a UTF-8 text file: at each step the network reads a
/// character and is scored (cross-entropy) on the next one. Trains on minibatches only.
///
/// `task.path` names the file, relative to the current directory when it is not absolute; its
/// SHA-256 goes into the canonical config as `task.sha256` (a changed file makes new run ids, and
/// a recorded config whose file has changed since is refused).
///
/// The vocabulary is the file's distinct Unicode scalars in ascending order, `K` of them; a
/// character is input as its index (``SequenceBatch/Inputs/categories(_:)``, `X = K`) and its
/// successor's index is the label, every step scored. The text of `n` characters is split by the
/// config's hold-out fractions: the last `⌊n · testFraction⌋` characters are the test part, the
/// `⌊n · validationFraction⌋` before them the validation part, and the rest at the beginning the
/// training part. Training sequences are windows of `task.sequenceLength` (`T`) characters of the
/// training part at offsets uniform from the trial's generator (each window needs `T + 1`
/// characters, the last label included); validation and test sequences are its part's consecutive
/// non-overlapping windows from the part's start, at most `evaluation.samples` of them, and there
/// are none when the part is shorter than `T + 1` characters.
///
/// The mean cross-entropy is in nats a character; ``bitsPerCharacter(loss:)`` converts it.
public struct TextTask: TaskPlugin {
    /// Creates the plugin, with the process's cache of the files parsed last.
    public init() {
        self.init(cache: Self.sharedCache)
    }

    /// Creates the plugin with a cache of its own (tests).
    init(cache: TaskFileCache<Loaded>) {
        self.cache = cache
    }

    /// `text`.
    public var name: String { "text" }

    /// One line for `runner plugins`.
    public var summary: String { "character-level language model of a UTF-8 text file (predict the next character)" }

    /// `path`, `sha256`, `sequenceLength`.
    public var parameters: [ParameterSpec] {
        [
            ParameterSpec("path", .text, .required, help: "UTF-8 text file, relative to the current directory"),
            TaskFile.digestParameter,
            ParameterSpec(
                "sequenceLength", .integer(1...100_000), .defaulted(.integer(50)), help: "characters T per sequence"
            ),
        ]
    }

    /// Minibatches only: there is no full-batch training set.
    public var forms: TaskForms { .minibatch }

    /// Bits per character of a mean cross-entropy `loss` in nats: `loss / ln 2`.
    ///
    /// - Parameter loss: The mean cross-entropy a scored step, natural logarithm.
    /// - Returns: The same in bits.
    public static func bitsPerCharacter(loss: Double) -> Double {
        loss / log(2)
    }

    /// A decoded file.
    struct Loaded: Sendable {
        /// The distinct scalars, ascending: index `k` is class and input category `k`.
        var vocabulary: [Unicode.Scalar]
        /// `[n]`: each character's index in the vocabulary.
        var text: [Int32]
    }

    /// The files decoded last, shared by the plugins made with ``init()``.
    static let sharedCache = TaskFileCache<Loaded>()

    /// Where this plugin keeps the files it decoded.
    let cache: TaskFileCache<Loaded>

    // MARK: - Plugin

    /// The parameters with the file's digest; the file is read and checked here.
    public func canonicalize(_ parameters: PluginParameters) throws(TaskDataError) -> PluginParameters {
        let (digest, loaded) = try load(parameters)
        let length = parameters.integer("sequenceLength")
        guard loaded.text.count >= length + 1 else {
            throw TaskDataError(
                file: parameters.text("path"), keyPath: "sequenceLength",
                "is \(length), but the text has \(loaded.text.count) character\(loaded.text.count == 1 ? "" : "s"); "
                    + "one window needs sequenceLength + 1: make sequenceLength shorter or the text longer.")
        }
        return TaskFile.keyed(parameters, digest: digest)
    }

    /// Random windows of the training part to train on, consecutive windows of the validation
    /// and test parts to evaluate on.
    public func makeData(_ parameters: PluginParameters, holdOut: HoldOut) throws(TaskDataError) -> TaskData? {
        let path = parameters.text("path")
        let loaded = try load(parameters).data
        let length = parameters.integer("sequenceLength")
        let classes = loaded.vocabulary.count
        guard let parts = Self.split(loaded.text.count, holdOut) else {
            throw TaskDataError(
                file: path,
                "cannot be split: evaluation.validationFraction + evaluation.testFraction = "
                    + "\(holdOut.validationFraction + holdOut.testFraction) leaves no text to train on; make them "
                    + "smaller.")
        }
        guard parts.training.count >= length + 1 else {
            throw TaskDataError(
                file: path, keyPath: "sequenceLength",
                "is \(length), but the training part of the text (the first \(parts.training.count) of "
                    + "\(loaded.text.count) characters, before the validation and test parts) is shorter than one "
                    + "window of sequenceLength + 1: make sequenceLength shorter, the text longer, or "
                    + "evaluation.validationFraction and testFraction smaller.")
        }
        let text = loaded.text
        return .split(
            training: TextWindows(text: Array(text[parts.training]), length: length, classes: classes),
            validation: Self.windows(text[parts.validation], length: length, limit: holdOut.samples, classes: classes),
            test: Self.windows(text[parts.test], length: length, limit: holdOut.samples, classes: classes)
        )
    }

    /// `K`, the vocabulary's size (1 when the file cannot be read; ``canonicalize(_:)`` then says why).
    public func inputSize(_ parameters: PluginParameters) -> Int {
        loaded(parameters)?.vocabulary.count ?? 1
    }

    /// `.classes(K)`.
    public func output(_ parameters: PluginParameters) -> TaskOutput {
        .classes(loaded(parameters)?.vocabulary.count ?? 1)
    }

    /// The windows of the whole text and `T`.
    public func trainingSetShape(_ parameters: PluginParameters) -> (sequenceCount: Int, sequenceLength: Int)? {
        let length = parameters.integer("sequenceLength")
        return loaded(parameters).map { (max(1, ($0.text.count - 1) / length), length) }
    }

    // MARK: - Splitting

    /// The training, validation and test ranges of a text of `count` characters, or `nil` when
    /// the hold-out fractions leave nothing to train on.
    static func split(_ count: Int, _ holdOut: HoldOut)
        -> (training: Range<Int>, validation: Range<Int>, test: Range<Int>)?
    {
        let validation = Int((Double(count) * holdOut.validationFraction).rounded(.down))
        let test = Int((Double(count) * holdOut.testFraction).rounded(.down))
        let training = count - validation - test
        guard training >= 1 else { return nil }
        return (0..<training, training..<(training + validation), (training + validation)..<count)
    }

    /// The consecutive non-overlapping windows of `part` from its start, at most `limit`; `nil`
    /// when the part is shorter than one window and its last label.
    static func windows(_ part: ArraySlice<Int32>, length: Int, limit: Int, classes: Int) -> SequenceBatch? {
        let count = min((part.count - 1) / length, limit)
        guard part.count >= length + 1, count >= 1 else { return nil }
        var inputs: [Int] = []  // [N, T]
        var labels: [Int] = []  // [N, T]
        inputs.reserveCapacity(count * length)
        labels.reserveCapacity(count * length)
        for window in 0..<count {
            let start = part.startIndex + window * length
            inputs += part[start..<(start + length)].map(Int.init)
            labels += part[(start + 1)...(start + length)].map(Int.init)
        }
        return SequenceBatch(
            batchSize: count, sequenceLength: length, inputSize: classes, inputs: .categories(inputs),
            targets: .labels(labels))
    }

    // MARK: - Loading

    /// The cached decoding of the file these parameters name, or a fresh one; `nil` when the
    /// file cannot be used.
    func loaded(_ parameters: PluginParameters) -> Loaded? {
        if let digest = parameters.values["sha256"]?.textValue,
            let cached = cache.value(for: Self.key(parameters.text("path"), digest))
        {
            return cached
        }
        return try? load(parameters).data
    }

    /// Reads the file, checks its digest against `task.sha256` (if given) and decodes it, or
    /// takes the decoding from the cache.
    func load(_ parameters: PluginParameters) throws(TaskDataError) -> (digest: String, data: Loaded) {
        let path = parameters.text("path")
        let bytes = try TaskFile.read(path)
        let digest = try TaskFile.digest(of: bytes, path: path, parameters)
        let key = Self.key(path, digest)
        if let cached = cache.value(for: key) { return (digest, cached) }
        let data = try Self.decode(bytes, path: path)
        cache.store(data, for: key)
        return (digest, data)
    }

    /// What the cache keys a file by: its path and digest (the sequence length does not change
    /// the decoding).
    private static func key(_ path: String, _ digest: String) -> PluginParameters {
        PluginParameters(["path": .text(path), "sha256": .text(digest)])
    }

    /// The vocabulary and character indices of a file's bytes.
    ///
    /// - Throws: ``TaskDataError`` for an empty file or bytes that are not UTF-8.
    static func decode(_ bytes: Data, path: String) throws(TaskDataError) -> Loaded {
        guard !bytes.isEmpty else {
            throw TaskDataError(file: path, "is empty; the text task needs a UTF-8 text to learn.")
        }
        var scalars: [Unicode.Scalar] = []
        scalars.reserveCapacity(bytes.count)
        var offset = 0
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        decoding: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                scalars.append(scalar)
                offset += UTF8.width(scalar)
            case .emptyInput:
                break decoding
            case .error:
                throw TaskDataError(
                    file: path,
                    "is not valid UTF-8 (byte offset \(offset), after \(scalars.count) characters); save the text "
                        + "as UTF-8.")
            }
        }
        let vocabulary = Set(scalars).sorted()
        var index: [Unicode.Scalar: Int32] = [:]
        for (position, scalar) in vocabulary.enumerated() { index[scalar] = Int32(position) }
        return Loaded(vocabulary: vocabulary, text: scalars.map { index[$0] ?? 0 })
    }
}

/// Random windows of a text's training part: the training sequences of ``TextTask``.
struct TextWindows: SequenceGenerator {
    /// `[n]`: the training part's character indices, `n >= length + 1`.
    let text: [Int32]
    /// `T`.
    let length: Int
    /// `K`.
    let classes: Int

    /// `count` windows, each at an offset uniform in `0 ... n - T - 1` (one draw from
    /// `generator` a window): inputs the characters at `offset ..< offset + T`, labels the ones
    /// after them.
    func draw(_ count: Int, using generator: inout Xoshiro256StarStar) -> SequenceBatch {
        var inputs: [Int] = []  // [N, T]
        var labels: [Int] = []  // [N, T]
        inputs.reserveCapacity(count * length)
        labels.reserveCapacity(count * length)
        for _ in 0..<count {
            let offset = generator.nextInt(below: text.count - length)
            inputs += text[offset..<(offset + length)].map(Int.init)
            labels += text[(offset + 1)...(offset + length)].map(Int.init)
        }
        return SequenceBatch(
            batchSize: count, sequenceLength: length, inputSize: classes, inputs: .categories(inputs),
            targets: .labels(labels))
    }
}
