import LSTMCore
import RunnerModel

/// The Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio and Kegl, "Algorithms for
/// Hyper-Parameter Optimization", NeurIPS 2011), as a pure function of the finished trials.
///
/// The history is ranked by objective (lower is better) and split at `gamma(n)` into the good
/// trials (below) and the rest (above). Each group gets a Parzen estimator per dimension,
/// independently (univariate, as in the paper and Optuna's `TPESampler` default): for a number, a
/// mixture of Gaussians truncated to the bounds, one at each observation plus a prior at the
/// middle with the range as its width; for a choice, category weights plus a uniform prior. From
/// the good estimator `l(x)` the sampler draws ``candidates`` values and keeps the one with the
/// largest `l(x) / g(x)`, which maximises the expected improvement.
///
/// Defaults follow Optuna's `TPESampler`: `gamma(n) = min(ceil(0.1 n), 25)`, 24 candidates, a
/// prior weight of 1, weights that ramp down observations older than the last 25, and the
/// bandwidth of each kernel the larger distance to its neighbours, clipped to
/// `[range / min(100, 1 + n), range]` ("magic clip").
///
/// Determinism: the generator is ``Xoshiro256StarStar`` seeded from `seed` and the number of
/// observations; every elementary function is ``DeterministicMath``'s (or `sqrt`, which IEEE 754
/// rounds correctly), and every sum runs in a fixed order. The same inputs give the same bits on
/// every machine.
public struct TPESampler: Sendable {
    /// One finished trial.
    public struct Observation: Sendable, Equatable {
        /// Its value in each dimension, in the order of ``TPESampler/dimensions``.
        public var values: [ConfigValue]
        /// Its objective (lower is better); `nil` for a trial that left none (failed, diverged),
        /// which ranks last.
        public var objective: Double?
        /// How many iterations it trained: a trial stopped early (pruned) ranks after every trial
        /// that went further, whatever its objective.
        public var iterations: Int

        /// Creates an observation.
        public init(values: [ConfigValue], objective: Double?, iterations: Int = .max) {
            self.values = values
            self.objective = objective
            self.iterations = iterations
        }
    }

    /// The space.
    public var dimensions: [SearchDimension]
    /// How many values are drawn from `l(x)` for each suggestion (Optuna's `n_ei_candidates`).
    public var candidates: Int
    /// The weight of the prior kernel (Optuna's `prior_weight`).
    public var priorWeight: Double

    /// Creates a sampler with Optuna's defaults.
    public init(dimensions: [SearchDimension], candidates: Int = 24, priorWeight: Double = 1) {
        self.dimensions = dimensions
        self.candidates = max(1, candidates)
        self.priorWeight = priorWeight
    }

    /// How many of `n` ranked trials are the good ones: `min(ceil(0.1 n), 25)`.
    public static func gamma(_ n: Int) -> Int {
        min((n + 9) / 10, 25)
    }

    /// The weights of `n` observations in trial order: 1 for the last 25, a ramp from `1/n` to 1
    /// over the older ones (Optuna's `default_weights`).
    public static func weights(_ n: Int) -> [Double] {
        guard n >= 25 else { return Array(repeating: 1, count: n) }
        let ramp = n - 25
        let start = 1 / Double(n)
        let ramped: [Double] = (0..<ramp).map { k in
            ramp == 1 ? start : start + Double(k) * (1 - start) / Double(ramp - 1)
        }
        return ramped + Array(repeating: 1, count: 25)
    }

    /// The next `count` configurations.
    ///
    /// - Parameters:
    ///   - history: the finished trials, in trial order.
    ///   - count: how many to suggest (a round).
    ///   - seed: the search's seed.
    /// - Returns: `count` points, each a value per dimension; drawn from the prior alone while the
    ///   history is empty.
    public func suggest(history: [Observation], count: Int, seed: UInt64) -> [[ConfigValue]] {
        var generator = Xoshiro256StarStar(seed: seed ^ (UInt64(history.count) &* 0x9E37_79B9_7F4A_7C15))
        guard !history.isEmpty else {
            return (0..<count).map { _ in dimensions.map { $0.draw(using: &generator) } }
        }
        let (below, above) = split(history)
        return (0..<count).map { _ in
            dimensions.indices.map { d in
                suggest(dimension: d, below: below, above: above, using: &generator)
            }
        }
    }

    /// The good and the other observations, each in trial order.
    func split(_ history: [Observation]) -> (below: [Observation], above: [Observation]) {
        let ranked = history.indices.sorted { a, b in
            let (x, y) = (history[a], history[b])
            if (x.objective == nil) != (y.objective == nil) { return y.objective == nil }
            if x.iterations != y.iterations { return x.iterations > y.iterations }
            if let p = x.objective, let q = y.objective, p != q { return p < q }
            return a < b
        }
        let good = Set(ranked.prefix(Self.gamma(history.count)))
        return (
            history.indices.filter { good.contains($0) }.map { history[$0] },
            history.indices.filter { !good.contains($0) }.map { history[$0] }
        )
    }

    // MARK: - One dimension

    private func suggest(
        dimension d: Int, below: [Observation], above: [Observation], using generator: inout Xoshiro256StarStar
    ) -> ConfigValue {
        switch dimensions[d].distribution {
        case .choice(let options):
            let good = categorical(below.map { $0.values[d] }, options: options)
            let bad = categorical(above.map { $0.values[d] }, options: options)
            var best = 0
            var bestScore = -Double.infinity
            for _ in 0..<candidates {
                let k = Self.pick(good, using: &generator)
                let score = DeterministicMath.log(good[k]) - DeterministicMath.log(bad[k])
                if score > bestScore {
                    (best, bestScore) = (k, score)
                }
            }
            return options[best]
        case let distribution:
            let space = NumericSpace(distribution)
            let good = Mixture(below.compactMap { space.internalValue($0.values[d]) }, space, priorWeight)
            let bad = Mixture(above.compactMap { space.internalValue($0.values[d]) }, space, priorWeight)
            var best = space.middle
            var bestScore = -Double.infinity
            for _ in 0..<candidates {
                let x = space.snapped(good.sample(using: &generator))
                let score = good.logDensity(x) - bad.logDensity(x)
                if score > bestScore {
                    (best, bestScore) = (x, score)
                }
            }
            return space.configValue(best)
        }
    }

    /// Category probabilities: a uniform prior of weight ``priorWeight`` plus each observation's weight.
    private func categorical(_ values: [ConfigValue], options: [ConfigValue]) -> [Double] {
        let weights = Self.weights(values.count)
        var mass = Array(repeating: priorWeight / Double(options.count), count: options.count)
        for (value, weight) in zip(values, weights) {
            if let k = options.firstIndex(of: value) { mass[k] += weight }
        }
        let total = mass.reduce(0, +)
        return mass.map { $0 / total }
    }

    /// An index drawn with probability proportional to `weights`.
    static func pick(_ weights: [Double], using generator: inout Xoshiro256StarStar) -> Int {
        let total = weights.reduce(0, +)
        let u = generator.nextUnitDouble() * total
        var sum = 0.0
        for (k, weight) in weights.enumerated() {
            sum += weight
            if u < sum { return k }
        }
        return weights.count - 1
    }
}

// MARK: - Numeric estimators

/// A numeric dimension in the space its kernels live in: the value itself (uniform), its log
/// (logUniform), or the integer widened by half a step each side (integers).
struct NumericSpace {
    var low: Double
    var high: Double
    var kind: Kind

    enum Kind { case linear, logarithmic, integer }

    init(_ distribution: SearchDimension.Distribution) {
        switch distribution {
        case .uniform(let a, let b): (low, high, kind) = (a, b, .linear)
        case .logUniform(let a, let b):
            (low, high, kind) = (DeterministicMath.log(a), DeterministicMath.log(b), .logarithmic)
        case .integers(let a, let b): (low, high, kind) = (Double(a) - 0.5, Double(b) - 0.5, .integer)
        case .choice: preconditionFailure("a choice is not numeric")
        }
    }

    var middle: Double { snapped(0.5 * (low + high)) }

    /// An observed value in kernel space; `nil` for a value this dimension cannot hold.
    func internalValue(_ value: ConfigValue) -> Double? {
        let number: Double
        switch value {
        case .integer(let i): number = Double(i)
        case .number(let d): number = d
        default: return nil
        }
        switch kind {
        case .linear, .integer: return number
        case .logarithmic: return number > 0 ? DeterministicMath.log(number) : nil
        }
    }

    /// A sample in kernel space made a value of the dimension: an integer rounded to the nearest,
    /// a number rounded to 12 significant digits (as the sweep's draws are) and kept in bounds.
    func snapped(_ x: Double) -> Double {
        switch kind {
        case .integer:
            return min(max((x + 0.5).rounded(.down), low + 0.5), high - 0.5)
        case .linear:
            return min(max(Sweep.round12(x), low), high)
        case .logarithmic:
            let value = Sweep.round12(DeterministicMath.exp(x))
            return min(max(DeterministicMath.log(value), low), high)
        }
    }

    func configValue(_ x: Double) -> ConfigValue {
        switch kind {
        case .integer: return .integer(Int(x))
        case .linear: return .number(x)
        case .logarithmic: return .number(Sweep.round12(DeterministicMath.exp(x)))
        }
    }
}

/// A mixture of Gaussians truncated to `[low, high]`: one kernel per observation and a prior
/// (Bergstra et al. 2011, section 4; bandwidths as Optuna's univariate `_ParzenEstimator`).
struct Mixture {
    var mus: [Double]
    var sigmas: [Double]
    var weights: [Double]
    /// `log` of each kernel's mass inside the bounds, `log(Phi(b) - Phi(a))`.
    var logMasses: [Double]
    var low: Double
    var high: Double

    init(_ observations: [Double], _ space: NumericSpace, _ priorWeight: Double) {
        low = space.low
        high = space.high
        let range = high - low
        var weights = TPESampler.weights(observations.count)
        var mus = observations
        // The prior joins the observations, sorted among them by its place.
        mus.append(0.5 * (low + high))
        weights.append(priorWeight)
        let order = mus.indices.sorted { mus[$0] < mus[$1] || (mus[$0] == mus[$1] && $0 < $1) }
        let sorted = order.map { mus[$0] }
        var sigmas = Array(repeating: range, count: mus.count)
        let n = sorted.count
        let minimum = range / Double(min(100, 1 + n))
        for (position, index) in order.enumerated() {
            let left = position == 0 ? low : sorted[position - 1]
            let right = position == n - 1 ? high : sorted[position + 1]
            var sigma = max(sorted[position] - left, right - sorted[position])
            // Endpoints are not neighbours (Optuna's consider_endpoints = false).
            if n > 1, position == 0 { sigma = right - sorted[position] }
            if n > 1, position == n - 1 { sigma = sorted[position] - left }
            sigmas[index] = min(max(sigma, minimum), range)
        }
        sigmas[mus.count - 1] = range
        let total = weights.reduce(0, +)
        self.mus = mus
        self.sigmas = sigmas
        self.weights = weights.map { $0 / total }
        logMasses = zip(mus, sigmas).map { mu, sigma in
            let mass = Gaussian.cdf((space.high - mu) / sigma) - Gaussian.cdf((space.low - mu) / sigma)
            return DeterministicMath.log(max(mass, 1e-300))
        }
    }

    /// One draw: a kernel by weight, then its Gaussian by rejection until inside the bounds.
    func sample(using generator: inout Xoshiro256StarStar) -> Double {
        let k = TPESampler.pick(weights, using: &generator)
        for _ in 0..<1000 {
            let x = mus[k] + sigmas[k] * Gaussian.standardNormal(using: &generator)
            if x >= low, x <= high { return x }
        }
        return min(max(mus[k], low), high)
    }

    /// `log` of the mixture's density at `x`, summed in kernel order through the largest term.
    func logDensity(_ x: Double) -> Double {
        let terms = mus.indices.map { k -> Double in
            let z = (x - mus[k]) / sigmas[k]
            return DeterministicMath.log(weights[k]) - 0.5 * z * z - DeterministicMath.log(sigmas[k])
                - Gaussian.logSquareRootTwoPi - logMasses[k]
        }
        let largest = terms.max() ?? -.infinity
        guard largest.isFinite else { return largest }
        let sum = terms.reduce(0.0) { $0 + DeterministicMath.exp($1 - largest) }
        return largest + DeterministicMath.log(sum)
    }
}

/// The standard normal distribution from deterministic elementary functions.
enum Gaussian {
    /// `log(sqrt(2 pi))`.
    static let logSquareRootTwoPi = 0.918_938_533_204_672_7

    /// A standard normal draw (Box-Muller, the cosine branch; one draw uses two uniforms).
    static func standardNormal(using generator: inout Xoshiro256StarStar) -> Double {
        let u = 1 - generator.nextUnitDouble()  // (0, 1]
        let v = generator.nextUnitDouble()
        return (-2 * DeterministicMath.log(u)).squareRoot() * DeterministicMath.cos(2 * Double.pi * v)
    }

    /// `Phi(z)`, the standard normal CDF, as `erfc(-z / sqrt 2) / 2`.
    static func cdf(_ z: Double) -> Double {
        0.5 * erfc(-z * 0.707_106_781_186_547_5)
    }

    /// The complementary error function by the Chebyshev fit of Numerical Recipes (`erfcc`,
    /// fractional error below 1.2e-7 everywhere): only `+`, `*`, `/` and `exp`.
    static func erfc(_ x: Double) -> Double {
        let z = abs(x)
        let t = 1 / (1 + 0.5 * z)
        var p = 0.17087277
        for c in [-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368] {
            p = c + t * p
        }
        let r = t * DeterministicMath.exp(-z * z - 1.26551223 + t * p)
        return x >= 0 ? r : 2 - r
    }
}
