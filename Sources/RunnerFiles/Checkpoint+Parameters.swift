import LSTMCore

extension Checkpoint {

    /// Creates a checkpoint of a network's parameters and any extra arrays.
    ///
    /// The arrays are `weights` `[4H, X+H]` (rows in gate order g, i, f, o), `bias` `[4H]` and
    /// `readout` `[R]` (`[0]` when the loss has none), then `extra` in the caller's order, such as
    /// optimizer state, `inputs` `[N, T, X]` and `targets` `[N, T]`.
    ///
    /// - Parameters:
    ///   - runID: The run's id.
    ///   - iteration: The number of updates applied so far.
    ///   - kind: `initial`, `final` or `every`.
    ///   - cellOutput: The network's cell output.
    ///   - config: The run's canonical config JSON text.
    ///   - parameters: The network's parameters.
    ///   - extra: More arrays to store after the parameters; their names must differ from
    ///     `weights`, `bias`, `readout` and each other.
    /// - Throws: ``CheckpointError`` `badHeader` for a repeated name, `shapeMismatch` for an extra
    ///   array whose values do not fill its shape.
    public init(
        runID: String,
        iteration: Int,
        kind: CheckpointHeader.Kind,
        cellOutput: CellOutput,
        config: String,
        parameters: LSTMParameters,
        extra: [NamedArray] = []
    ) throws(CheckpointError) {
        self =
            try Self.contents(
                runID: runID, iteration: iteration, kind: kind, cellOutput: cellOutput, config: config,
                parameters: parameters, extra: extra
            ).checkpoint
    }

    /// What ``init(runID:iteration:kind:cellOutput:config:parameters:extra:)`` makes, to write
    /// or to take the digest of, without copying the parameters: `weights`, `bias` and `readout`
    /// are slices of the parameters' one buffer.
    ///
    /// - Throws: as that initializer does.
    package static func contents(
        runID: String,
        iteration: Int,
        kind: CheckpointHeader.Kind,
        cellOutput: CellOutput,
        config: String,
        parameters: LSTMParameters,
        extra: [NamedArray] = []
    ) throws(CheckpointError) -> CheckpointContents {
        let hidden = parameters.hiddenSize
        let values = parameters.values
        let arrays: [(name: String, shape: [Int], values: ArraySlice<Double>)] =
            [
                ("weights", [4 * hidden, parameters.rowLength], values[parameters.weightRange]),
                ("bias", [4 * hidden], values[parameters.biasRange]),
                ("readout", [parameters.readoutSize], values[parameters.readoutRange]),
            ] + extra.map { ($0.name, $0.shape, $0.values[...]) }
        return try CheckpointContents(
            runID: runID,
            iteration: iteration,
            kind: kind,
            inputSize: parameters.inputSize,
            hiddenSize: hidden,
            readoutSize: parameters.readoutSize,
            cellOutput: cellOutput.rawValue,
            config: config,
            arrays: arrays
        )
    }

    /// The network parameters stored in `weights`, `bias` and `readout`.
    ///
    /// - Returns: Parameters with the header's input, hidden and readout sizes.
    /// - Throws: ``CheckpointError`` `shapeMismatch` when the sizes are out of range, or an array
    ///   is missing or not of shape `[4H, X+H]`, `[4H]`, `[R]` respectively.
    public func parameters() throws(CheckpointError) -> LSTMParameters {
        let file = "checkpoint of run \(header.runID)"
        let (inputSize, hiddenSize, readoutSize) = (header.inputSize, header.hiddenSize, header.readoutSize)
        let rows = hiddenSize.multipliedReportingOverflow(by: 4)
        let columns = inputSize.addingReportingOverflow(hiddenSize)
        guard inputSize >= 1, hiddenSize >= 1, readoutSize >= 0, !rows.overflow, !columns.overflow,
            NamedArray.elementCount(of: [rows.partialValue, columns.partialValue]) != nil
        else {
            throw CheckpointError(
                .shapeMismatch,
                file: file,
                message: "the header's sizes (inputSize \(inputSize), hiddenSize \(hiddenSize), "
                    + "readoutSize \(readoutSize)) are out of range; inputSize and hiddenSize must be >= 1 "
                    + "and readoutSize >= 0: the checkpoint is damaged, re-run the run."
            )
        }
        let expected = [
            ("weights", [rows.partialValue, columns.partialValue], "[4H, X+H]"),
            ("bias", [rows.partialValue], "[4H]"),
            ("readout", [readoutSize], "[R]"),
        ]
        var parts: [[Double]] = []
        for (name, shape, formula) in expected {
            guard let array = self[name] else {
                throw CheckpointError(
                    .shapeMismatch,
                    file: file,
                    message: "it has no array '\(name)', so it holds no network parameters; "
                        + "use a checkpoint written from a network's parameters."
                )
            }
            guard array.shape == shape else {
                throw CheckpointError(
                    .shapeMismatch,
                    file: file,
                    message: "array '\(name)' has shape \(array.shape) but the header's sizes (X = \(inputSize), "
                        + "H = \(hiddenSize), R = \(readoutSize)) need \(formula) = \(shape); "
                        + "the checkpoint is damaged: re-run the run."
                )
            }
            parts.append(array.values)
        }
        return LSTMParameters(
            inputSize: inputSize,
            hiddenSize: hiddenSize,
            weights: parts[0],
            bias: parts[1],
            readout: parts[2]
        )
    }
}
