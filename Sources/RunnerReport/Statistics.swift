import Foundation

/// Summary statistics and Welch's two-sample t-test over plain `[Double]` samples.
///
/// The functions do not filter their input: a NaN in a sample propagates into the mean, the
/// standard deviation and the t-test (the median, minimum and maximum of a sample with a NaN are
/// unspecified). Callers drop diverged runs first.
public enum Statistics {

    // MARK: - Descriptive statistics

    /// The arithmetic mean, or nil for an empty sample.
    ///
    /// - Parameter values: The sample.
    /// - Returns: `sum / n`, summed in order, or nil when `values` is empty.
    public static func mean(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        var sum = 0.0
        for value in values { sum += value }
        return sum / Double(values.count)
    }

    /// The sample standard deviation (Bessel-corrected, divisor `n - 1`), or nil when `n < 2`.
    ///
    /// Uses two passes (mean, then squared deviations) for accuracy.
    ///
    /// - Parameter values: The sample.
    /// - Returns: `sqrt(sum((x - mean)^2) / (n - 1))`, or nil for fewer than two values.
    public static func sampleStandardDeviation(_ values: [Double]) -> Double? {
        sampleVariance(values).map { $0.squareRoot() }
    }

    /// The sample variance (divisor `n - 1`), or nil when `n < 2`.
    ///
    /// - Parameter values: The sample.
    /// - Returns: `sum((x - mean)^2) / (n - 1)`, or nil for fewer than two values.
    public static func sampleVariance(_ values: [Double]) -> Double? {
        guard values.count >= 2, let mean = mean(values) else { return nil }
        var sum = 0.0
        for value in values {
            let deviation = value - mean
            sum += deviation * deviation
        }
        return sum / Double(values.count - 1)
    }

    /// The median: the middle value, or the mean of the two middle values for an even count.
    ///
    /// - Parameter values: The sample.
    /// - Returns: The median, or nil when `values` is empty.
    /// - Complexity: O(n log n).
    public static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        if sorted.count.isMultiple(of: 2) {
            return (sorted[middle - 1] + sorted[middle]) / 2
        }
        return sorted[middle]
    }

    /// The smallest value, or nil when `values` is empty.
    ///
    /// - Parameter values: The sample.
    /// - Returns: The minimum.
    public static func minimum(_ values: [Double]) -> Double? {
        values.min()
    }

    /// The largest value, or nil when `values` is empty.
    ///
    /// - Parameter values: The sample.
    /// - Returns: The maximum.
    public static func maximum(_ values: [Double]) -> Double? {
        values.max()
    }

    // MARK: - Welch's t-test

    /// Welch's unequal-variance two-sample t-test, two-sided.
    ///
    /// `t = (mean(a) - mean(b)) / sqrt(va/na + vb/nb)` with sample variances `va`, `vb`;
    /// the Welch–Satterthwaite degrees of freedom
    /// `df = (va/na + vb/nb)^2 / ((va/na)^2/(na-1) + (vb/nb)^2/(nb-1))`;
    /// and `p = I_{df/(df+t^2)}(df/2, 1/2)`, the regularized incomplete beta function, which
    /// equals `2 * (1 - StudentT(df).cdf(|t|))`. Agrees with
    /// `scipy.stats.ttest_ind(a, b, equal_var=False)`.
    ///
    /// Degenerate cases:
    /// - either sample has fewer than two values: nil (no variance estimate);
    /// - both samples have zero variance and equal means: `t = 0`, `df = na + nb - 2`, `p = 1`;
    /// - both samples have zero variance and different means: `t = ±infinity`,
    ///   `df = na + nb - 2`, `p = 0` (scipy returns NaN for both of these cases).
    ///
    /// - Parameters:
    ///   - a: The first sample.
    ///   - b: The second sample.
    /// - Returns: The statistic, degrees of freedom and p-value, or nil when a sample has fewer than
    ///   two values.
    public static func welchTTest(_ a: [Double], _ b: [Double]) -> WelchTTestResult? {
        guard let meanA = mean(a), let meanB = mean(b),
            let varianceA = sampleVariance(a), let varianceB = sampleVariance(b)
        else { return nil }
        let countA = Double(a.count)
        let countB = Double(b.count)
        let termA = varianceA / countA
        let termB = varianceB / countB
        let standardError2 = termA + termB
        let difference = meanA - meanB
        if standardError2 == 0 {
            let degrees = countA + countB - 2
            if difference == 0 {
                return WelchTTestResult(t: 0, degreesOfFreedom: degrees, pValue: 1)
            }
            let t: Double = difference > 0 ? .infinity : -.infinity
            return WelchTTestResult(t: t, degreesOfFreedom: degrees, pValue: 0)
        }
        let t = difference / standardError2.squareRoot()
        let degrees =
            standardError2 * standardError2
            / (termA * termA / (countA - 1) + termB * termB / (countB - 1))
        return WelchTTestResult(t: t, degreesOfFreedom: degrees, pValue: studentTTwoSidedPValue(t: t, degrees: degrees))
    }

    /// The two-sided tail probability `P(|T| >= |t|)` of Student's t distribution.
    ///
    /// - Parameters:
    ///   - t: The statistic.
    ///   - degrees: The degrees of freedom, > 0 (need not be an integer).
    /// - Returns: `I_{df/(df+t^2)}(df/2, 1/2)`; 0 for infinite `t`, NaN for NaN input.
    public static func studentTTwoSidedPValue(t: Double, degrees: Double) -> Double {
        if t.isNaN || degrees.isNaN || degrees <= 0 { return .nan }
        if t.isInfinite { return 0 }
        let t2 = t * t
        // x and 1 - x computed separately so that neither loses precision to cancellation.
        let x = degrees / (degrees + t2)
        let oneMinusX = t2 / (degrees + t2)
        return regularizedIncompleteBeta(a: degrees / 2, b: 0.5, x: x, oneMinusX: oneMinusX)
    }

    /// The regularized incomplete beta function `I_x(a, b)`.
    ///
    /// Evaluated with the continued fraction of Numerical Recipes (3rd ed., eq. 6.4.5, `betacf`) by
    /// the modified Lentz method, using the symmetry `I_x(a, b) = 1 - I_{1-x}(b, a)` where the
    /// fraction converges faster.
    ///
    /// - Parameters:
    ///   - a: The first shape parameter, > 0.
    ///   - b: The second shape parameter, > 0.
    ///   - x: The upper limit, in [0, 1].
    /// - Returns: `I_x(a, b)`, or NaN for arguments out of range.
    public static func regularizedIncompleteBeta(a: Double, b: Double, x: Double) -> Double {
        regularizedIncompleteBeta(a: a, b: b, x: x, oneMinusX: 1 - x)
    }

    private static func regularizedIncompleteBeta(a: Double, b: Double, x: Double, oneMinusX: Double) -> Double {
        guard a > 0, b > 0, x >= 0, x <= 1 else { return .nan }
        if x == 0 { return 0 }
        if oneMinusX == 0 { return 1 }
        // ln of x^a (1-x)^b / B(a, b)
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(oneMinusX)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * betaContinuedFraction(a: a, b: b, x: x) / a
        }
        return 1 - exp(logFront) * betaContinuedFraction(a: b, b: a, x: oneMinusX) / b
    }

    /// The continued fraction for the incomplete beta function (Numerical Recipes `betacf`).
    private static func betaContinuedFraction(a: Double, b: Double, x: Double) -> Double {
        let tiny = 1e-300
        let epsilon = 1e-16
        let qab = a + b
        let qap = a + 1
        let qam = a - 1
        var c = 1.0
        var d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let m2 = 2 * m
            // Even step.
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            // Odd step.
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}

/// The result of ``Statistics/welchTTest(_:_:)``.
public struct WelchTTestResult: Sendable, Equatable {
    /// The t statistic; positive when the first sample's mean is larger.
    public var t: Double
    /// The Welch–Satterthwaite degrees of freedom (not an integer in general).
    public var degreesOfFreedom: Double
    /// The two-sided p-value.
    public var pValue: Double

    public init(t: Double, degreesOfFreedom: Double, pValue: Double) {
        self.t = t
        self.degreesOfFreedom = degreesOfFreedom
        self.pValue = pValue
    }
}

/// Count, mean, sample standard deviation, median, minimum and maximum of one sample.
public struct SampleSummary: Sendable, Equatable {
    /// The number of values.
    public var count: Int
    /// The mean; nil for an empty sample.
    public var mean: Double?
    /// The sample standard deviation (n - 1); nil for fewer than two values.
    public var standardDeviation: Double?
    /// The median; nil for an empty sample.
    public var median: Double?
    /// The minimum; nil for an empty sample.
    public var minimum: Double?
    /// The maximum; nil for an empty sample.
    public var maximum: Double?

    /// Summarizes `values`.
    ///
    /// - Parameter values: The sample.
    public init(_ values: [Double]) {
        count = values.count
        mean = Statistics.mean(values)
        standardDeviation = Statistics.sampleStandardDeviation(values)
        median = Statistics.median(values)
        minimum = Statistics.minimum(values)
        maximum = Statistics.maximum(values)
    }
}
