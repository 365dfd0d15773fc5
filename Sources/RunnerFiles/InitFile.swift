import Foundation
import LSTMCore
import RunnerModel

/// A problem with an `--init` or `--save-init` file: one line naming the file.
public struct InitFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public var file: String
    /// What is wrong and how to fix it.
    public var problem: String

    /// `FILE: PROBLEM`.
    public var description: String { "\(file): \(problem)" }
}

/// Initial weights and inputs as JSON, the layout the NumPy reference reads with `--init`.
///
/// Keys: `wg`, `wi`, `wf`, `wo` (`[H][X+H]`), `bg`, `bi`, `bf`, `bo` (`[H]`), `xs` (`[T][X]`),
/// `ys` (`[T]`), and `readout` (`[R]`) when the loss has a readout.
public enum InitFile {
    private struct Layout: Codable {
        var wg: [[Double]]
        var wi: [[Double]]
        var wf: [[Double]]
        var wo: [[Double]]
        var bg: [Double]
        var bi: [Double]
        var bf: [Double]
        var bo: [Double]
        var xs: [[Double]]
        var ys: [Double]
        var readout: [Double]?
    }

    /// Encodes one sequence's initial state.
    ///
    /// - Parameter state: parameters and a training set of one sequence.
    /// - Returns: the JSON text, keys sorted.
    /// - Throws: ``InitFileError`` when the training set holds more than one sequence, which the
    ///   layout cannot express.
    public static func encode(_ state: InitialState) throws(InitFileError) -> Data {
        guard let data = state.trainingSet else {
            throw InitFileError(
                file: "--save-init",
                problem:
                    "the config trains on minibatches; this layout holds one full-batch sequence (use the sequence task)."
            )
        }
        guard data.sequenceCount == 1 else {
            throw InitFileError(
                file: "--save-init",
                problem: "the task has \(data.sequenceCount) sequences; this layout holds one (use the sequence task)."
            )
        }
        let p = state.parameters
        let layout = Layout(
            wg: p.gateWeights(.g),
            wi: p.gateWeights(.i),
            wf: p.gateWeights(.f),
            wo: p.gateWeights(.o),
            bg: p.gateBias(.g),
            bi: p.gateBias(.i),
            bf: p.gateBias(.f),
            bo: p.gateBias(.o),
            xs: (0..<data.sequenceLength).map { Array(data.input(sequence: 0, step: $0)) },
            ys: data.targets,
            readout: p.readout.isEmpty ? nil : Array(p.readout)
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do {
            return try encoder.encode(layout)
        } catch {
            throw InitFileError(file: "--save-init", problem: "cannot encode the weights: \(error)")
        }
    }

    /// Reads an initial state from a file.
    ///
    /// - Parameters:
    ///   - url: the JSON file.
    ///   - readoutSize: how many readout parameters the loss needs; they must be in the file
    ///     when non-zero.
    /// - Returns: the parameters and a one-sequence training set.
    /// - Throws: ``InitFileError`` naming the file for anything unreadable or inconsistent.
    public static func read(from url: URL, readoutSize: Int) throws(InitFileError) -> InitialState {
        let file = url.path
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw InitFileError(file: file, problem: "cannot read the file (\(error.localizedDescription)).")
        }
        let layout: Layout
        do {
            layout = try JSONDecoder().decode(Layout.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw InitFileError(
                file: file, problem: "the key \"\(key.stringValue)\" is missing; write the file with --save-init.")
        } catch {
            throw InitFileError(
                file: file,
                problem:
                    "not an init file: expected JSON with wg, wi, wf, wo, bg, bi, bf, bo, xs, ys (as --save-init writes)."
            )
        }
        guard
            let parameters = LSTMParameters(
                gateWeights: [.g: layout.wg, .i: layout.wi, .f: layout.wf, .o: layout.wo],
                gateBias: [.g: layout.bg, .i: layout.bi, .f: layout.bf, .o: layout.bo],
                readout: layout.readout ?? []
            )
        else {
            throw InitFileError(
                file: file, problem: "the weight shapes disagree: each w* must be [H][X+H] and each b* [H].")
        }
        guard parameters.readoutSize == readoutSize else {
            throw InitFileError(
                file: file,
                problem: "the loss needs \(readoutSize) readout parameters, the file has \(parameters.readoutSize)."
            )
        }
        guard !layout.ys.isEmpty, layout.xs.count == layout.ys.count,
            layout.xs.allSatisfy({ $0.count == parameters.inputSize })
        else {
            throw InitFileError(
                file: file,
                problem: "xs must be [T][X] with X = \(parameters.inputSize) and T = len(ys) >= 1."
            )
        }
        guard (parameters.values + layout.ys + layout.xs.joined()).allSatisfy(\.isFinite) else {
            throw InitFileError(file: file, problem: "it holds a value that is not finite.")
        }
        let trainingSet = TrainingSet(sequence: layout.xs, targets: layout.ys)
        return InitialState(parameters: parameters, trainingSet: trainingSet)
    }
}
