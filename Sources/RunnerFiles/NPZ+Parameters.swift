import Foundation
import LSTMCore

extension NPZ {
    /// The arrays `runner export --format npz` writes for a run: `wg, wi, wf, wo` `[H, X+H]`,
    /// `bg, bi, bf, bo` `[H]`, `readout` `[R]` when the loss has one, and for one-sequence tasks
    /// `xs` `[T, X]` and `ys` `[T]` (the layout `lstm_numpy.py --init` reads), else `inputs`
    /// `[N, T, X]` and `targets` `[N, T]`.
    ///
    /// - Parameters:
    ///   - parameters: the weights to export.
    ///   - trainingSet: the data, if known.
    /// - Returns: the arrays in that order.
    public static func exportArrays(_ parameters: LSTMParameters, trainingSet: TrainingSet?) -> [NamedArray] {
        let h = parameters.hiddenSize
        var arrays: [NamedArray] = Gate.allCases.map { gate in
            NamedArray(
                name: "w\(gate.name)", shape: [h, parameters.rowLength],
                values: parameters.gateWeights(gate).flatMap { $0 })
        }
        arrays += Gate.allCases.map { NamedArray(name: "b\($0.name)", shape: [h], values: parameters.gateBias($0)) }
        // The readout `y = Wy h + by` as `wy` [K, H] and `by` [K] (its layout in the parameters:
        // `Wy` row-major, then `by`).
        if parameters.readoutSize > 0, parameters.readoutSize % (h + 1) == 0 {
            let k = parameters.readoutSize / (h + 1)
            let readout = Array(parameters.readout)
            arrays.append(NamedArray(name: "wy", shape: [k, h], values: Array(readout[0..<(k * h)])))
            arrays.append(NamedArray(name: "by", shape: [k], values: Array(readout[(k * h)...])))
        } else if parameters.readoutSize > 0 {
            arrays.append(
                NamedArray(name: "readout", shape: [parameters.readoutSize], values: Array(parameters.readout)))
        }
        if let data = trainingSet {
            if data.sequenceCount == 1 {
                arrays.append(
                    NamedArray(name: "xs", shape: [data.sequenceLength, data.inputSize], values: data.inputs))
                arrays.append(NamedArray(name: "ys", shape: [data.sequenceLength], values: data.targets))
            } else {
                arrays.append(
                    NamedArray(
                        name: "inputs", shape: [data.sequenceCount, data.sequenceLength, data.inputSize],
                        values: data.inputs)
                )
                arrays.append(
                    NamedArray(name: "targets", shape: [data.sequenceCount, data.sequenceLength], values: data.targets))
            }
        }
        return arrays
    }

    /// Reads parameters from an `.npz` in the export layout (`wg` ... `bo`, optional `wy` [K, H] and `by` [K], or a flat `readout`).
    ///
    /// - Parameter url: the file.
    /// - Returns: the fused parameters.
    /// - Throws: ``NPZError`` for unreadable files; `invalidArray` for missing or misshapen arrays.
    public static func parameters(from url: URL) throws(NPZError) -> LSTMParameters {
        try parameters(of: try read(from: url), file: url.relativePath)
    }

    /// Reads parameters from an `.npz` file's bytes (see ``parameters(from:)``).
    ///
    /// - Parameters:
    ///   - data: the file's bytes.
    ///   - file: the path to name in errors.
    /// - Returns: the fused parameters.
    /// - Throws: ``NPZError`` as ``parameters(from:)`` does.
    public static func parameters(data: Data, file: String) throws(NPZError) -> LSTMParameters {
        try parameters(of: try read(data: data, file: file), file: file)
    }

    private static func parameters(of arrays: [NamedArray], file: String) throws(NPZError) -> LSTMParameters {
        func array(_ name: String) throws(NPZError) -> NamedArray {
            guard let found = arrays.first(where: { $0.name == name }) else {
                throw NPZError(
                    .invalidArray, file: file, array: name,
                    message: "is missing; the file needs wg, wi, wf, wo, bg, bi, bf, bo.")
            }
            return found
        }
        var weights: [Gate: [[Double]]] = [:]
        var bias: [Gate: [Double]] = [:]
        for gate in Gate.allCases {
            let w = try array("w\(gate.name)")
            guard w.shape.count == 2, w.shape[0] >= 1, w.shape[1] > w.shape[0] else {
                throw NPZError(
                    .invalidArray, file: file, array: w.name,
                    message: "has shape \(w.shape); it must be [H, X+H].")
            }
            weights[gate] = stride(from: 0, to: w.values.count, by: w.shape[1]).map {
                Array(w.values[$0..<($0 + w.shape[1])])
            }
            bias[gate] = try array("b\(gate.name)").values
        }
        var readout = arrays.first { $0.name == "readout" }?.values ?? []
        if let wy = arrays.first(where: { $0.name == "wy" }) {
            guard let by = arrays.first(where: { $0.name == "by" }), wy.shape.count == 2, by.shape == [wy.shape[0]]
            else {
                throw NPZError(
                    .invalidArray, file: file, array: "wy",
                    message: "needs by beside it: wy must be [K, H] and by [K].")
            }
            readout = wy.values + by.values
        }
        guard let parameters = LSTMParameters(gateWeights: weights, gateBias: bias, readout: readout) else {
            throw NPZError(
                .invalidArray, file: file, array: nil,
                message: "the gate arrays' shapes disagree: each w* must be [H, X+H] and each b* [H].")
        }
        return parameters
    }
}
