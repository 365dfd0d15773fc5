import Testing

@testable import RunnerSpec

@Suite struct RungsTests {
    @Test func rungsAreRTimesEtaToTheKBelowTheEnd() {
        #expect(Rungs.rungs(minIterations: 10, reduction: 3, iterations: 100) == [10, 30, 90])
        #expect(Rungs.rungs(minIterations: 10, reduction: 3, iterations: 90) == [10, 30])
        #expect(Rungs.rungs(minIterations: 1, reduction: 2, iterations: 16) == [1, 2, 4, 8])
        #expect(Rungs.rungs(minIterations: 100, reduction: 3, iterations: 100).isEmpty)
        #expect(Rungs.rungs(minIterations: 0, reduction: 3, iterations: 100).isEmpty)
        #expect(Rungs.rungs(minIterations: Int.max / 2, reduction: 3, iterations: Int.max) == [Int.max / 2])
    }

    @Test func aRungKeepsTheBestNOverEtaAndAtLeastOne() {
        #expect(Rungs.survivors(cohort: 9, reduction: 3) == 3)
        #expect(Rungs.survivors(cohort: 10, reduction: 3) == 3)
        #expect(Rungs.survivors(cohort: 2, reduction: 3) == 1)
        #expect(Rungs.survivors(cohort: 0, reduction: 3) == 0)
        let metrics = [0.5, 0.1, 0.9, 0.3, 0.2, 0.8, 0.7, 0.6, 0.4]
        #expect(
            Rungs.successiveHalving(metrics, reduction: 3)
                == [false, true, false, true, true, false, false, false, false])
    }

    @Test func tiesGoToTheEarlierTrialAndNaNRanksLast() {
        #expect(Rungs.successiveHalving([0.2, 0.1, 0.1, 0.3], reduction: 2) == [false, true, true, false])
        #expect(Rungs.successiveHalving([0.2, 0.1, 0.1], reduction: 3) == [false, true, false])
        #expect(Rungs.successiveHalving([.nan, 0.5, .infinity, 0.7], reduction: 2) == [false, true, false, true])
        #expect(Rungs.successiveHalving([.nan], reduction: 3) == [true])
    }

    @Test func theMedianRuleWaitsForFiveTrialsThenComparesWithTheEarlierOnes() {
        let metrics = [0.5, 0.4, 0.3, 0.2, 0.1, 0.35, 0.25, 0.9, 0.3]
        // Trial 5: earlier [0.1 ... 0.5], median 0.3 → 0.35 is worse; trial 6: earlier six, median
        // (0.3 + 0.35) / 2 = 0.325 → 0.25 goes on; trial 7: median 0.3 → 0.9 stops; trial 8: 0.3 ≤ 0.325.
        #expect(Rungs.median(metrics) == [true, true, true, true, true, false, true, false, true])
        #expect(Rungs.median([1, 1, 1, 1, 1, .nan]) == [true, true, true, true, true, false])
    }

    @Test func hyperbandBracketsAreLiEtAls() {
        // R = 81, eta = 3 (Li et al. 2018, Table 1).
        let brackets = Rungs.hyperband(minIterations: 1, reduction: 3, iterations: 81)
        #expect(brackets.map(\.index) == [4, 3, 2, 1, 0])
        #expect(brackets.map(\.trials) == [81, 34, 15, 8, 5])
        #expect(brackets[0].cohorts == [81, 27, 9, 3, 1])
        #expect(brackets[1].cohorts == [34, 11, 3, 1])
        #expect(brackets[2].cohorts == [15, 5, 1])
        #expect(brackets[3].cohorts == [8, 2])
        #expect(brackets[4].cohorts == [5])
        #expect(brackets[0].rungs == [1, 3, 9, 27])
        #expect(brackets[1].rungs == [3, 9, 27])
        #expect(brackets[3].rungs == [27])
        #expect(brackets[4].rungs == [])
        // In iterations: r = 10 scales the rungs, not the counts.
        let scaled = Rungs.hyperband(minIterations: 10, reduction: 3, iterations: 810)
        #expect(scaled.map(\.trials) == [81, 34, 15, 8, 5])
        #expect(scaled[0].rungs == [10, 30, 90, 270])
        #expect(
            Rungs.hyperband(minIterations: 100, reduction: 3, iterations: 100) == [
                Rungs.Bracket(index: 0, trials: 1, rungs: [], cohorts: [1])
            ])
    }
}
