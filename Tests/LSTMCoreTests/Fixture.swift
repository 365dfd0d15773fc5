import Foundation
import LSTMCore

/// Loads the committed fixtures (see Fixtures/make_fixtures.sh for the commands that made them).
enum Fixture {
    static func data(_ name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
            throw CocoaError(.fileNoSuchFile)
        }
        return try Data(contentsOf: url)
    }

    /// A NumPy loss curve: `{"losses": [...]}`.
    static func losses(_ name: String) throws -> [Double] {
        struct Curve: Decodable { var losses: [Double] }
        return try JSONDecoder().decode(Curve.self, from: data(name)).losses
    }

    /// The tiny cell's initial parameters and data.
    static func tinyInit() throws -> (LSTMParameters, TrainingSet) {
        struct Layout: Decodable {
            var wg, wi, wf, wo: [[Double]]
            var bg, bi, bf, bo: [Double]
            var xs: [[Double]]
            var ys: [Double]
        }
        let layout = try JSONDecoder().decode(Layout.self, from: data("tiny-init.json"))
        guard
            let parameters = LSTMParameters(
                gateWeights: [.g: layout.wg, .i: layout.wi, .f: layout.wf, .o: layout.wo],
                gateBias: [.g: layout.bg, .i: layout.bi, .f: layout.bf, .o: layout.bo]
            )
        else { throw CocoaError(.coderInvalidValue) }
        return (parameters, TrainingSet(sequence: layout.xs, targets: layout.ys))
    }

    /// The tiny cell's golden values for one cell output (numbers as decimal strings).
    struct Golden: Decodable {
        var loss: String
        var gradient: [String: [GradientRow]]
        var sgdLosses: [String]

        enum GradientRow: Decodable {
            case row([String])
            case value(String)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let row = try? container.decode([String].self) {
                    self = .row(row)
                } else {
                    self = .value(try container.decode(String.self))
                }
            }
        }

        /// The gradient in the fused layout of ``LSTMParameters/values``.
        func fusedGradient() -> [Double] {
            var weights: [Double] = []
            var bias: [Double] = []
            for gate in ["g", "i", "f", "o"] {
                for row in gradient["w" + gate] ?? [] {
                    if case .row(let values) = row { weights += values.compactMap(Double.init) }
                }
                for value in gradient["b" + gate] ?? [] {
                    if case .value(let text) = value, let number = Double(text) { bias.append(number) }
                }
            }
            return weights + bias
        }
    }

    static func tinyGolden(_ output: CellOutput) throws -> Golden {
        try JSONDecoder().decode([String: Golden].self, from: data("tiny-golden.json"))[output.rawValue]
            ?? { throw CocoaError(.coderValueNotFound) }()
    }
}
