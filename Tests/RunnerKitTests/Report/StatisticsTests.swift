import Foundation
import Testing

@testable import RunnerReport

@Suite struct StatisticsTests {

    // MARK: - Descriptive statistics

    @Test func descriptiveStatisticsMatchHandComputedValues() throws {
        let values = [2.0, 4, 4, 4, 5, 5, 7, 9]
        #expect(Statistics.mean(values) == 5)
        // sum of squared deviations 32, n - 1 = 7
        let std = try #require(Statistics.sampleStandardDeviation(values))
        #expect(abs(std - (32.0 / 7).squareRoot()) < 1e-15)
        #expect(Statistics.median(values) == 4.5)
        #expect(Statistics.median([3, 1, 2]) == 2)
        #expect(Statistics.minimum(values) == 2)
        #expect(Statistics.maximum(values) == 9)
    }

    @Test func emptyAndSingleSamplesGiveNilWhereUndefined() {
        #expect(Statistics.mean([]) == nil)
        #expect(Statistics.median([]) == nil)
        #expect(Statistics.minimum([]) == nil)
        #expect(Statistics.sampleStandardDeviation([]) == nil)
        #expect(Statistics.sampleStandardDeviation([3]) == nil)
        #expect(Statistics.mean([3]) == 3)
        let summary = SampleSummary([3])
        #expect(summary.count == 1)
        #expect(summary.standardDeviation == nil)
        #expect(summary.median == 3)
    }

    // MARK: - Welch's t-test

    struct WelchCase: Sendable, CustomTestStringConvertible {
        var a: [Double]
        var b: [Double]
        var t: Double
        var degreesOfFreedom: Double
        var pValue: Double
        var testDescription: String { "\(a.count) vs \(b.count), p = \(pValue)" }
    }

    /// Reference values from scipy 1.17.1:
    /// `python3 -c "from scipy import stats; r = stats.ttest_ind(a, b, equal_var=False);
    /// print(repr(float(r.statistic)), repr(float(r.df)), repr(float(r.pvalue)))"` for each a, b.
    static let welchCases: [WelchCase] = [
        WelchCase(
            a: [1, 2, 3, 4, 5], b: [2, 4, 6, 8, 10],
            t: -1.8973665961010275, degreesOfFreedom: 5.882352941176471, pValue: 0.10753119493062728),
        WelchCase(
            a: [0.5, 0.7, 0.6], b: [0.9, 1.1, 1.0, 1.2],
            t: -5.196152422706634, degreesOfFreedom: 4.959183673469388, pValue: 0.0035620633854220275),
        WelchCase(
            a: [1e-4, 1.2e-4, 0.9e-4, 1.1e-4], b: [2e-4, 2.5e-4, 1.8e-4, 2.2e-4, 2.1e-4],
            t: -8.073077049987106, degreesOfFreedom: 6.089301897272489, pValue: 0.00017938390081877957),
        WelchCase(
            a: [3.0, 3.0, 3.1], b: [3.05, 2.95, 3.0, 3.02, 2.99, 3.01],
            t: 0.8334762598987099, degreesOfFreedom: 2.689467612191375, pValue: 0.47209221982803246),
        WelchCase(
            a: [10, 11], b: [1, 2, 3],
            t: 11.129112402035613, degreesOfFreedom: 2.8823529411764697, pValue: 0.0018617482427242084),
        WelchCase(
            a: [1.0, 1.1, 0.9, 1.05, 0.95, 1.02, 0.98, 1.01], b: [5.0, 5.2, 4.8, 5.1, 4.9, 5.05, 4.95, 5.0],
            t: -82.71212531283209, degreesOfFreedom: 10.253877360967127, pValue: 8.000250506887418e-16),
        WelchCase(
            a: [0, 10], b: [0.1, 0.2],
            t: 0.9699515036371968, degreesOfFreedom: 1.0001999999980002, pValue: 0.5096840706924537),
    ]

    private static func relativeError(_ actual: Double, _ expected: Double) -> Double {
        abs(actual - expected) / abs(expected)
    }

    @Test(arguments: welchCases)
    func welchTestAgreesWithScipy(_ reference: WelchCase) throws {
        let result = try #require(Statistics.welchTTest(reference.a, reference.b))
        #expect(Self.relativeError(result.t, reference.t) < 1e-10)
        #expect(Self.relativeError(result.degreesOfFreedom, reference.degreesOfFreedom) < 1e-10)
        #expect(Self.relativeError(result.pValue, reference.pValue) < 1e-10)
    }

    @Test func welchTestNeedsTwoValuesInEachSample() {
        #expect(Statistics.welchTTest([1], [1, 2, 3]) == nil)
        #expect(Statistics.welchTTest([1, 2], []) == nil)
    }

    @Test func welchTestOfConstantSamplesIsDocumentedDegenerateResult() {
        #expect(
            Statistics.welchTTest([2, 2, 2], [2, 2]) == WelchTTestResult(t: 0, degreesOfFreedom: 3, pValue: 1))
        #expect(
            Statistics.welchTTest([1, 1], [2, 2, 2])
                == WelchTTestResult(t: -.infinity, degreesOfFreedom: 3, pValue: 0))
    }

    @Test func incompleteBetaMatchesClosedForms() {
        // I_x(1, 1) = x; I_x(a, 1) = x^a; I_x(1, b) = 1 - (1 - x)^b.
        #expect(abs(Statistics.regularizedIncompleteBeta(a: 1, b: 1, x: 0.3) - 0.3) < 1e-14)
        #expect(abs(Statistics.regularizedIncompleteBeta(a: 3, b: 1, x: 0.5) - 0.125) < 1e-14)
        #expect(abs(Statistics.regularizedIncompleteBeta(a: 1, b: 4, x: 0.2) - (1 - pow(0.8, 4))) < 1e-14)
        #expect(Statistics.regularizedIncompleteBeta(a: 2, b: 3, x: 0) == 0)
        #expect(Statistics.regularizedIncompleteBeta(a: 2, b: 3, x: 1) == 1)
    }
}
