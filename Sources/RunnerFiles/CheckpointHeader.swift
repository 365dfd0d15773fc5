/// The JSON header of a checkpoint file: what run and iteration it holds, the model's sizes, and
/// the name and shape of every array in the payload, in payload order.
///
/// It is written as `JSONEncoder` with `.sortedKeys` writes it (``sortedKeysJSON``, without going
/// through `Codable`), so equal headers give equal bytes.
public struct CheckpointHeader: Codable, Equatable, Sendable {
    /// Which weights a checkpoint holds.
    public enum Kind: String, Codable, Sendable {
        /// Before the first update (`checkpoints.initial`).
        case initial
        /// After training (`checkpoints.final`).
        case final
        /// A snapshot after some iterations, to resume from (`checkpoints.every`).
        case every
    }

    /// The name and shape of one array in the payload.
    public struct ArrayInfo: Codable, Equatable, Sendable {
        /// The array's name, unique in the checkpoint.
        public var name: String
        /// The extent of each dimension, outermost first; `[]` for a scalar.
        public var shape: [Int]

        /// Creates an entry from its parts.
        ///
        /// - Parameters:
        ///   - name: The array's name.
        ///   - shape: The extent of each dimension.
        public init(name: String, shape: [Int]) {
            self.name = name
            self.shape = shape
        }
    }

    /// The run's id: the short SHA-256 of its canonical config.
    public var runID: String
    /// The number of parameter updates applied before this checkpoint.
    public var iteration: Int
    /// When it was taken: `initial`, `final` or `every`.
    public var kind: Kind
    /// `X`, the length of each input vector.
    public var inputSize: Int
    /// `H`, the number of memory cells.
    public var hiddenSize: Int
    /// `R`, the number of readout parameters.
    public var readoutSize: Int
    /// `identity` or `tanh` (see `CellOutput`).
    public var cellOutput: String
    /// The run's canonical config JSON, stored as text and not interpreted here.
    public var config: String
    /// The payload's arrays, in payload order.
    public var arrays: [ArrayInfo]
    /// The lowercase hex SHA-256 of the payload bytes exactly as stored.
    public var payloadSHA256: String

    /// Creates a header from its parts.
    ///
    /// - Parameters:
    ///   - runID: The run's id.
    ///   - iteration: The number of updates applied so far.
    ///   - kind: `initial`, `final` or `every`.
    ///   - inputSize: `X`.
    ///   - hiddenSize: `H`.
    ///   - readoutSize: `R`.
    ///   - cellOutput: `identity` or `tanh`.
    ///   - config: The run's canonical config JSON text.
    ///   - arrays: The payload's arrays, in order.
    ///   - payloadSHA256: The lowercase hex SHA-256 of the payload.
    public init(
        runID: String,
        iteration: Int,
        kind: Kind,
        inputSize: Int,
        hiddenSize: Int,
        readoutSize: Int,
        cellOutput: String,
        config: String,
        arrays: [ArrayInfo],
        payloadSHA256: String
    ) {
        self.runID = runID
        self.iteration = iteration
        self.kind = kind
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.readoutSize = readoutSize
        self.cellOutput = cellOutput
        self.config = config
        self.arrays = arrays
        self.payloadSHA256 = payloadSHA256
    }
}
