/// Elementary functions whose bits do not depend on the C library or the CPU.
///
/// glibc chooses its `exp`, `sin`, `log`, ... at load time by CPU features (an FMA variant where
/// the CPU has FMA), so one binary can round them differently on two machines. The functions here
/// are ports of Sun's fdlibm 5.3 written with plain IEEE-754 double operations only: `+`, `-`,
/// `*`, `/`, exact bit manipulation of the representation and exact truncation to an integer, in
/// the order the source fixes. Swift does not contract `a * b + c` into a fused multiply-add and
/// nothing here calls `fma`, `addingProduct` or the C library, so each result is the same bits on
/// every IEEE-754 machine.
///
/// Accuracy is fdlibm's: `exp`, `expm1`, `log`, `sin` and `cos` are within 1 ulp of the exact
/// result (0.84 ulp is the largest error measured), so they differ from glibc, which is nearly
/// correctly rounded, by at most 1 ulp, in 0.2% (expm1) to 8% (exp) of arguments. fdlibm's `tanh`
/// is within about 2.1 ulp, like glibc's, which uses the same algorithm; `sigmoid` rounds three
/// times after `exp` and is within about 2 ulp.
///
/// `exp`, `sigmoid` and `tanh` also come in in-place array versions that process eight lanes at a
/// time with the same operations per lane, so they give exactly the scalar functions' bits.
///
/// NaN: a NaN argument comes back as a NaN computed from it (`x + x`, quieted, payload kept);
/// an invalid operation on a non-NaN argument (`log(-1)`, `sin(.infinity)`) returns the constant
/// `Double.nan` rather than a hardware default NaN, whose sign differs between x86 and ARM.
public enum DeterministicMath {}

// MARK: - Word access

// fdlibm reads and writes the high and low 32-bit words of a double. These helpers do the same
// on the 64-bit pattern; the high word is signed where fdlibm's `int hx` is.

extension DeterministicMath {
    /// The high 32 bits of `x` as a signed word (fdlibm's `__HI(x)` into an `int`).
    @inline(__always)
    static func highWord(_ x: Double) -> Int32 {
        Int32(truncatingIfNeeded: x.bitPattern >> 32)
    }

    /// The low 32 bits of `x` (fdlibm's `__LO(x)` into an `unsigned`).
    @inline(__always)
    static func lowWord(_ x: Double) -> UInt32 {
        UInt32(truncatingIfNeeded: x.bitPattern)
    }

    /// The double whose high word is `high` and whose low word is `low`.
    @inline(__always)
    static func double(high: Int32, low: UInt32) -> Double {
        Double(bitPattern: UInt64(UInt32(bitPattern: high)) << 32 | UInt64(low))
    }

    /// `x` with `k` added to its high word's exponent field: fdlibm's `__HI(y) += k << 20`.
    ///
    /// The addition wraps in the high word exactly as the 32-bit C addition does; the low word is
    /// unchanged.
    @inline(__always)
    static func addingToExponent(_ x: Double, _ k: Int32) -> Double {
        Double(bitPattern: x.bitPattern &+ (UInt64(bitPattern: Int64(k)) << 52))
    }
}

// MARK: - exp

// exp: a port of fdlibm 5.3 e_exp.c (@(#)e_exp.c 1.6 04/04/22).
// ====================================================
// Copyright (C) 2004 by Sun Microsystems, Inc. All rights reserved.
//
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

extension DeterministicMath {
    private static let expOverflowThreshold = 7.09782712893383973096e+02  // 0x40862E42_FEFA39EF
    private static let expUnderflowThreshold = -7.45133219101941108420e+02  // 0xC0874910_D52D3051
    static let ln2Hi = 6.93147180369123816490e-01  // 0x3FE62E42_FEE00000
    static let ln2Lo = 1.90821492927058770002e-10  // 0x3DEA39EF_35793C76
    static let invLn2 = 1.44269504088896338700e+00  // 0x3FF71547_652B82FE
    static let twoToMinus1000 = 9.33263618503218878990e-302  // 0x01700000_00000000
    static let expP1 = 1.66666666666666019037e-01  // 0x3FC55555_5555553E
    static let expP2 = -2.77777777770155933842e-03  // 0xBF66C16C_16BEBD93
    static let expP3 = 6.61375632143793436117e-05  // 0x3F11566A_AF25DE2C
    static let expP4 = -1.65339022054652515390e-06  // 0xBEBBBD41_C5D26BF1
    static let expP5 = 4.13813679705723846039e-08  // 0x3E663769_72BEA4D0

    /// `e^x`, within 1 ulp.
    ///
    /// fdlibm's method: `x = k ln2 + r` with `|r| <= ln2 / 2` and `r = hi - lo` in two parts,
    /// `e^r = 1 + r + r c(r) / (2 - c(r))` with `c(r) = r - r^2 (P1 + r^2 (P2 + ... + r^2 P5))`,
    /// then `2^k` added to the exponent.
    ///
    /// Special values: `exp(NaN)` is NaN, `exp(+inf) = +inf`, `exp(-inf) = +0`, `exp(±0) = 1`
    /// (the only exact finite case); `x > 709.782712893383973096` overflows to `+inf` and
    /// `x < -745.13321910194110842` underflows to `+0`; results below `2^-1022` are subnormal.
    ///
    /// - Parameter x: The exponent.
    /// - Returns: `e^x`.
    public static func exp(_ x: Double) -> Double {
        var x = x
        let signedHigh = highWord(x)
        let negative = signedHigh < 0
        let hx = signedHigh & 0x7fff_ffff  // |x|'s high word

        // Non-finite arguments, overflow and underflow.
        if hx >= 0x4086_2E42 {  // |x| >= 709.78...
            if hx >= 0x7ff0_0000 {
                if (hx & 0xf_ffff) != 0 || lowWord(x) != 0 { return x + x }  // NaN
                return negative ? 0 : x  // exp(+-inf) = {+inf, 0}
            }
            if x > expOverflowThreshold { return .infinity }
            if x < expUnderflowThreshold { return 0 }
        }

        // Argument reduction: x = k ln2 + (hi - lo).
        var hi = 0.0
        var lo = 0.0
        var k: Int32 = 0
        if hx > 0x3fd6_2e42 {  // |x| > ln2 / 2
            if hx < 0x3FF0_A2B2 {  // and |x| < 1.5 ln2
                if negative {
                    hi = x + ln2Hi
                    lo = -ln2Lo
                    k = -1
                } else {
                    hi = x - ln2Hi
                    lo = ln2Lo
                    k = 1
                }
            } else {
                // C's (int) truncates toward zero, as Int32(_: Double) does.
                k = Int32(invLn2 * x + (negative ? -0.5 : 0.5))
                let t = Double(k)
                hi = x - t * ln2Hi  // exact: t * ln2Hi has at most 32 significant bits
                lo = t * ln2Lo
            }
            x = hi - lo
        } else if hx < 0x3e30_0000 {  // |x| < 2^-28
            return 1 + x
        }

        // x is now in [-ln2 / 2, ln2 / 2].
        let t = x * x
        let c = x - t * (expP1 + t * (expP2 + t * (expP3 + t * (expP4 + t * expP5))))
        if k == 0 { return 1 - ((x * c) / (c - 2.0) - x) }
        let y = 1 - ((lo - (x * c) / (2.0 - c)) - hi)
        if k >= -1021 { return addingToExponent(y, k) }
        return addingToExponent(y, k + 1000) * twoToMinus1000
    }
}

// MARK: - expm1

// expm1: a port of fdlibm 5.3 s_expm1.c (@(#)s_expm1.c 1.5 04/04/22).
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

extension DeterministicMath {
    static let expm1Q1 = -3.33333333333331316428e-02  // 0xBFA11111_111110F4
    static let expm1Q2 = 1.58730158725481460165e-03  // 0x3F5A01A0_19FE5585
    static let expm1Q3 = -7.93650757867487942473e-05  // 0xBF14CE19_9EAADBB7
    static let expm1Q4 = 4.00821782732936239552e-06  // 0x3ED0CFCA_86E65239
    static let expm1Q5 = -2.01099218183624371326e-07  // 0xBE8AFDB7_6E09C32D

    /// `e^x - 1`, within 1 ulp, accurate also where `e^x` is close to 1.
    ///
    /// fdlibm's method: the reduction of ``exp(_:)`` with a correction term for the rounding of
    /// `hi - lo`, and a rational approximation of `e^r - 1` on `[-ln2 / 2, ln2 / 2]` built from
    /// `r / 2` and `r^2 / 2` (coefficients Q1...Q5), recombined per range of `k`.
    ///
    /// Special values: `expm1(NaN)` is NaN, `expm1(+inf) = +inf`, `expm1(-inf) = -1`,
    /// `expm1(±0) = ±0`, `expm1(x) = x` for `|x| < 2^-54`, `-1` for `x < -56 ln2`, and `+inf` for
    /// `x > 709.782712893383973096`.
    ///
    /// - Parameter x: The exponent.
    /// - Returns: `e^x - 1`.
    public static func expm1(_ x: Double) -> Double {
        var x = x
        let signedHigh = highWord(x)
        let negative = signedHigh < 0
        let hx = signedHigh & 0x7fff_ffff  // |x|'s high word

        // Huge and non-finite arguments.
        if hx >= 0x4043_687A {  // |x| >= 56 ln2
            if hx >= 0x4086_2E42 {  // |x| >= 709.78...
                if hx >= 0x7ff0_0000 {
                    if (hx & 0xf_ffff) != 0 || lowWord(x) != 0 { return x + x }  // NaN
                    return negative ? -1 : x  // expm1(+-inf) = {+inf, -1}
                }
                if x > expOverflowThreshold { return .infinity }
            }
            if negative { return -1 }  // x < -56 ln2: fdlibm's tiny - one, which rounds to -1
        }

        // Argument reduction: x = k ln2 + (hi - lo), with c the rounding error of hi - lo.
        var hi = 0.0
        var lo = 0.0
        var c = 0.0
        var k: Int32 = 0
        if hx > 0x3fd6_2e42 {  // |x| > ln2 / 2
            if hx < 0x3FF0_A2B2 {  // and |x| < 1.5 ln2
                if negative {
                    hi = x + ln2Hi
                    lo = -ln2Lo
                    k = -1
                } else {
                    hi = x - ln2Hi
                    lo = ln2Lo
                    k = 1
                }
            } else {
                k = Int32(invLn2 * x + (negative ? -0.5 : 0.5))  // truncation toward zero
                let t = Double(k)
                hi = x - t * ln2Hi  // exact: t * ln2Hi has at most 32 significant bits
                lo = t * ln2Lo
            }
            x = hi - lo
            c = (hi - x) - lo
        } else if hx < 0x3c90_0000 {  // |x| < 2^-54: fdlibm returns x - ((huge + x) - (huge + x)) = x
            return x
        }

        // x is now in [-ln2 / 2, ln2 / 2].
        let hfx = 0.5 * x
        let hxs = x * hfx
        let r1 = 1 + hxs * (expm1Q1 + hxs * (expm1Q2 + hxs * (expm1Q3 + hxs * (expm1Q4 + hxs * expm1Q5))))
        var t = 3.0 - r1 * hfx
        var e = hxs * ((r1 - t) / (6.0 - x * t))
        if k == 0 { return x - (x * e - hxs) }  // c is 0

        e = (x * (e - c) - c)
        e -= hxs
        if k == -1 { return 0.5 * (x - e) - 0.5 }
        if k == 1 {
            if x < -0.25 { return -2.0 * (e - (x + 0.5)) }
            return 1 + 2.0 * (x - e)
        }
        if k <= -2 || k > 56 {  // e^x - 1 rounds like e^x
            let y = 1 - (e - x)
            return addingToExponent(y, k) - 1
        }
        if k < 20 {
            t = double(high: 0x3ff0_0000 - (0x20_0000 >> k), low: 0)  // 1 - 2^-k
            let y = t - (e - x)
            return addingToExponent(y, k)
        }
        t = double(high: (0x3ff - k) << 20, low: 0)  // 2^-k
        var y = x - (e + t)
        y += 1
        return addingToExponent(y, k)
    }
}

// MARK: - tanh

// tanh: a port of fdlibm 5.3 s_tanh.c (@(#)s_tanh.c 1.3 95/01/18).
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

extension DeterministicMath {
    /// `tanh(x)`, within about 2 ulp, through ``expm1(_:)``.
    ///
    /// fdlibm's method, with `t = expm1(2|x|)` or `expm1(-2|x|)`:
    ///
    ///     |x| < 2^-55:        tanh(x) = x * (1 + x)          (= x after rounding)
    ///     2^-55 <= |x| < 1:   tanh(|x|) = -t / (t + 2),      t = expm1(-2|x|)
    ///     1 <= |x| < 22:      tanh(|x|) = 1 - 2 / (t + 2),   t = expm1(2|x|)
    ///     |x| >= 22:          tanh(|x|) = 1                  (fdlibm's 1 - tiny)
    ///
    /// and `tanh(-x) = -tanh(x)` exactly. The error is fdlibm's: up to 2.07 ulp measured (glibc's
    /// `tanh`, the same algorithm, is documented at 2 ulp), about one argument in 10 in `(-1, 1)`
    /// above 1 ulp. Special values: `tanh(NaN)` is NaN, `tanh(±inf) = ±1`,
    /// `tanh(±0) = ±0`.
    ///
    /// - Parameter x: The argument.
    /// - Returns: `tanh(x)`.
    public static func tanh(_ x: Double) -> Double {
        let jx = highWord(x)
        let ix = jx & 0x7fff_ffff

        if ix >= 0x7ff0_0000 {  // NaN or inf: 1 / x + 1 is NaN or 1
            return jx >= 0 ? 1 / x + 1 : 1 / x - 1
        }

        let z: Double
        if ix < 0x4036_0000 {  // |x| < 22
            if ix < 0x3c80_0000 { return x * (1 + x) }  // |x| < 2^-55
            if ix >= 0x3ff0_0000 {  // |x| >= 1
                let t = expm1(2 * x.magnitude)
                z = 1 - 2 / (t + 2)
            } else {
                let t = expm1(-2 * x.magnitude)
                z = -t / (t + 2)
            }
        } else {
            z = 1  // |x| >= 22: fdlibm's one - tiny, which rounds to 1
        }
        return jx >= 0 ? z : -z
    }

    /// The logistic function `1 / (1 + exp(-x))`, evaluated exactly in that order with
    /// ``exp(_:)``.
    ///
    /// Three roundings follow the one of `exp`: `u = exp(-x)`, `d = 1 + u`, `1 / d`. The result
    /// is within about 2 ulp of the exact value (2.04 ulp measured) and lies in `[0, 1]`: `sigmoid(x) = 0` for
    /// `x < -709.78` (where `exp(-x)` overflows), `sigmoid(x) = 1` for `x > 36.74` (where
    /// `1 + exp(-x)` rounds to 1), `sigmoid(-inf) = 0`, `sigmoid(+inf) = 1`, `sigmoid(±0) = 0.5`,
    /// and NaN for NaN.
    ///
    /// - Parameter x: The argument.
    /// - Returns: `1 / (1 + exp(-x))`.
    @inline(__always)
    public static func sigmoid(_ x: Double) -> Double {
        1 / (1 + exp(-x))
    }
}

// MARK: - log

// log: a port of fdlibm 5.3 e_log.c (@(#)e_log.c 1.3 95/01/18).
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

extension DeterministicMath {
    private static let twoTo54 = 1.80143985094819840000e+16  // 0x43500000_00000000
    private static let logLg1 = 6.666666666666735130e-01  // 0x3FE55555_55555593
    private static let logLg2 = 3.999999999940941908e-01  // 0x3FD99999_9997FA04
    private static let logLg3 = 2.857142874366239149e-01  // 0x3FD24924_94229359
    private static let logLg4 = 2.222219843214978396e-01  // 0x3FCC71C5_1D8E78AF
    private static let logLg5 = 1.818357216161805012e-01  // 0x3FC74664_96CB03DE
    private static let logLg6 = 1.531383769920937332e-01  // 0x3FC39A09_D078C69F
    private static let logLg7 = 1.479819860511658591e-01  // 0x3FC2F112_DF3E5244

    /// The natural logarithm `ln(x)`, within 1 ulp.
    ///
    /// fdlibm's method: `x = 2^k (1 + f)` with `sqrt(2)/2 < 1 + f < sqrt(2)`, `s = f / (2 + f)`,
    /// `ln(1 + f) = 2s + s R(s^2)` with a degree-14 minimax polynomial `R` (coefficients Lg1...Lg7)
    /// rearranged as `f - (f^2/2 - s (f^2/2 + R))`, plus `k ln2` in two parts.
    ///
    /// Special values: `log(NaN)` is NaN, `log(+inf) = +inf`, `log(±0) = -inf`, `log(1) = +0`,
    /// `log(x) = Double.nan` for `x < 0` (including `-inf`); subnormal arguments are scaled by
    /// `2^54` first.
    ///
    /// - Parameter x: The argument.
    /// - Returns: `ln(x)`.
    public static func log(_ x: Double) -> Double {
        var x = x
        var hx = highWord(x)
        let lx = lowWord(x)

        var k: Int32 = 0
        if hx < 0x0010_0000 {  // x < 2^-1022
            if (hx & 0x7fff_ffff) == 0 && lx == 0 { return -.infinity }  // log(+-0) = -inf
            if hx < 0 {  // log(-#) = NaN
                return x.isNaN ? x + x : .nan
            }
            k -= 54  // subnormal: scale up
            x *= twoTo54
            hx = highWord(x)
        }
        if hx >= 0x7ff0_0000 { return x + x }  // +inf or NaN
        k += (hx >> 20) - 1023
        hx &= 0x000f_ffff
        var i = (hx + 0x95f64) & 0x10_0000
        x = double(high: hx | (i ^ 0x3ff0_0000), low: lowWord(x))  // normalize x or x / 2
        k += i >> 20
        let f = x - 1.0

        if (0x000f_ffff & (2 + hx)) < 3 {  // -2^-20 <= f < 2^-20
            if f == 0 {
                if k == 0 { return 0 }
                let dk = Double(k)
                return dk * ln2Hi + dk * ln2Lo
            }
            let r = f * f * (0.5 - 0.33333333333333333 * f)
            if k == 0 { return f - r }
            let dk = Double(k)
            return dk * ln2Hi - ((r - dk * ln2Lo) - f)
        }

        let s = f / (2.0 + f)
        let dk = Double(k)
        let z = s * s
        i = hx - 0x6147a
        let w = z * z
        let j = 0x6b851 - hx
        let t1 = w * (logLg2 + w * (logLg4 + w * logLg6))
        let t2 = z * (logLg1 + w * (logLg3 + w * (logLg5 + w * logLg7)))
        i |= j
        let r = t2 + t1
        if i > 0 {
            let hfsq = 0.5 * f * f
            if k == 0 { return f - (hfsq - s * (hfsq + r)) }
            return dk * ln2Hi - ((hfsq - (s * (hfsq + r) + dk * ln2Lo)) - f)
        }
        if k == 0 { return f - s * (f - r) }
        return dk * ln2Hi - ((s * (f - r) - dk * ln2Lo) - f)
    }
}
