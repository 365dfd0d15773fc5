import LSTMCore
import Testing

@Suite struct RandomGeneratorTests {
    @Test func splitMix64MatchesTheReferenceOutputs() {
        // From the reference C code (https://prng.di.unimi.it/splitmix64.c) with state 0.
        var generator = SplitMix64(seed: 0)
        #expect(generator.next() == 0xE220_A839_7B1D_CDAF)
        #expect(generator.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(generator.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func xoshiroIsDeterministicPerSeedAndDiffersAcrossSeeds() {
        var a = Xoshiro256StarStar(seed: 42)
        var b = Xoshiro256StarStar(seed: 42)
        var c = Xoshiro256StarStar(seed: 43)
        let first = (0..<100).map { _ in a.next() }
        #expect(first == (0..<100).map { _ in b.next() })
        #expect(first != (0..<100).map { _ in c.next() })
    }

    @Test func unitDoublesLieInTheHalfOpenInterval() {
        var generator = Xoshiro256StarStar(seed: 7)
        var sum = 0.0
        for _ in 0..<10_000 {
            let u = generator.nextUnitDouble()
            #expect(u >= 0 && u < 1)
            sum += u
        }
        #expect(abs(sum / 10_000 - 0.5) < 0.02)
    }

    @Test func boundedIntegersCoverTheRangeWithoutBias() {
        var generator = Xoshiro256StarStar(seed: 9)
        var counts = [Int](repeating: 0, count: 6)
        for _ in 0..<60_000 {
            counts[generator.nextInt(below: 6)] += 1
        }
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }
}
