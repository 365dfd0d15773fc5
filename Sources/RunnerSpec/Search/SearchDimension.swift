import LSTMCore
import RunnerModel

/// One dimension of a search space: a config path and the distribution a `random` sweep axis
/// draws its values from.
///
/// The draws are those of the sweep's `random` generators, bit for bit: a random search and the
/// startup trials of a TPE search over the same axes and seed are the same trials.
public struct SearchDimension: Sendable, Equatable {
    /// Where values come from.
    public enum Distribution: Sendable, Equatable {
        /// Uniform in [`low`, `high`).
        case uniform(low: Double, high: Double)
        /// Uniform in log space between `low` and `high` (both > 0).
        case logUniform(low: Double, high: Double)
        /// Integers in `low..<high`.
        case integers(low: Int, high: Int)
        /// One of the options, each as likely.
        case choice([ConfigValue])
    }

    /// The dotted config path.
    public var path: String
    /// The distribution.
    public var distribution: Distribution

    /// Creates a dimension.
    public init(path: String, distribution: Distribution) {
        self.path = path
        self.distribution = distribution
    }

    /// Draws one value, as the sweep's `random` generator does (numbers rounded to 12 significant
    /// digits, see ``Sweep/round12(_:)``).
    public func draw(using generator: inout Xoshiro256StarStar) -> ConfigValue {
        switch distribution {
        case .uniform(let low, let high):
            return .number(Sweep.round12(generator.nextDouble(in: low, high)))
        case .logUniform(let low, let high):
            let (a, b) = (DeterministicMath.log(low), DeterministicMath.log(high))
            return .number(Sweep.round12(DeterministicMath.exp(generator.nextDouble(in: a, b))))
        case .integers(let low, let high):
            return .integer(low + generator.nextInt(below: high - low))
        case .choice(let options):
            return options[generator.nextInt(below: options.count)]
        }
    }
}
