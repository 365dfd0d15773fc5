// sin and cos: ports of fdlibm 5.3 s_sin.c, s_cos.c, k_sin.c, k_cos.c and the medium-size path
// of e_rem_pio2.c (@(#)k_sin.c 1.3 95/01/18, @(#)k_cos.c 1.3 95/01/18, @(#)e_rem_pio2.c 1.4 95/01/18,
// @(#)s_sin.c 1.3 95/01/18, @(#)s_cos.c 1.3 95/01/18).
// ====================================================
// Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
// Developed at SunPro, a Sun Microsystems, Inc. business.
// Permission to use, copy, modify, and distribute this
// software is freely granted, provided that this notice
// is preserved.
// ====================================================

extension DeterministicMath {
    /// The largest high word of `|x|` that ``sin(_:)`` and ``cos(_:)`` reduce: `|x| < 1_647_100`,
    /// fdlibm's medium range (a little above `2^20 pi/2 = 1_647_099.33`).
    static let trigonometricHighWordLimit: Int32 = 0x4139_21fb

    /// `sin(x)` for `|x| < 1_647_100`, within 1 ulp.
    ///
    /// fdlibm's method: reduce `x = n pi/2 + (y0 + y1)` with `|y0 + y1| <= pi/4` by Cody-Waite
    /// subtraction of `pi/2` in three parts (`rem_pio2`'s medium path), then evaluate the sine or
    /// cosine kernel polynomial on `[-pi/4, pi/4]` according to `n mod 4`.
    ///
    /// Only fdlibm's medium range is supported: for `|x| >= 1_647_100` (the high word of `|x|`
    /// above `0x413921FB`, a little more than `2^20 pi/2`) the result is `Double.nan`; callers
    /// reduce such arguments themselves. Special values: `sin(NaN)` is NaN, `sin(±inf)` is
    /// `Double.nan`, `sin(±0) = ±0`, `sin(x) = x` for `|x| < 2^-27`.
    ///
    /// - Parameter x: The angle in radians, `|x| < 1_647_100`.
    /// - Returns: `sin(x)`, or NaN out of range.
    public static func sin(_ x: Double) -> Double {
        let ix = highWord(x) & 0x7fff_ffff
        if ix <= 0x3fe9_21fb { return kernelSin(x, 0, tailIsZero: true) }  // |x| ~<= pi/4
        if ix >= 0x7ff0_0000 { return x.isNaN ? x + x : .nan }  // sin(inf) is invalid
        guard let (n, y0, y1) = remainderPiOver2(x) else { return .nan }
        switch n & 3 {
        case 0: return kernelSin(y0, y1, tailIsZero: false)
        case 1: return kernelCos(y0, y1)
        case 2: return -kernelSin(y0, y1, tailIsZero: false)
        default: return -kernelCos(y0, y1)
        }
    }

    /// `cos(x)` for `|x| < 1_647_100`, within 1 ulp.
    ///
    /// The method of ``sin(_:)``, with the kernels in the other order. Only fdlibm's medium range
    /// is supported: for `|x| >= 1_647_100` the result is `Double.nan`; callers reduce such
    /// arguments themselves. Special values: `cos(NaN)` is NaN, `cos(±inf)` is `Double.nan`,
    /// `cos(±0) = 1`, `cos(x) = 1` for `|x| < 2^-27`.
    ///
    /// - Parameter x: The angle in radians, `|x| < 1_647_100`.
    /// - Returns: `cos(x)`, or NaN out of range.
    public static func cos(_ x: Double) -> Double {
        let ix = highWord(x) & 0x7fff_ffff
        if ix <= 0x3fe9_21fb { return kernelCos(x, 0) }  // |x| ~<= pi/4
        if ix >= 0x7ff0_0000 { return x.isNaN ? x + x : .nan }  // cos(inf) is invalid
        guard let (n, y0, y1) = remainderPiOver2(x) else { return .nan }
        switch n & 3 {
        case 0: return kernelCos(y0, y1)
        case 1: return -kernelSin(y0, y1, tailIsZero: false)
        case 2: return -kernelCos(y0, y1)
        default: return kernelSin(y0, y1, tailIsZero: false)
        }
    }
}

// MARK: - Kernels (k_sin.c, k_cos.c)

extension DeterministicMath {
    private static let sinS1 = -1.66666666666666324348e-01  // 0xBFC55555_55555549
    private static let sinS2 = 8.33333333332248946124e-03  // 0x3F811111_1110F8A6
    private static let sinS3 = -1.98412698298579493134e-04  // 0xBF2A01A0_19C161D5
    private static let sinS4 = 2.75573137070700676789e-06  // 0x3EC71DE3_57B1FE7D
    private static let sinS5 = -2.50507602534068634195e-08  // 0xBE5AE5E6_8A2B9CEB
    private static let sinS6 = 1.58969099521155010221e-10  // 0x3DE5D93A_5ACFD57C

    private static let cosC1 = 4.16666666666666019037e-02  // 0x3FA55555_5555554C
    private static let cosC2 = -1.38888888888741095749e-03  // 0xBF56C16C_16C15177
    private static let cosC3 = 2.48015872894767294178e-05  // 0x3EFA01A0_19CB1590
    private static let cosC4 = -2.75573143513906633035e-07  // 0xBE927E4F_809C52AD
    private static let cosC5 = 2.08757232129817482790e-09  // 0x3E21EE9E_BDB4B1C4
    private static let cosC6 = -1.13596475577881948265e-11  // 0xBDA8FAE9_BE8838D4

    /// fdlibm's `__kernel_sin(x, y, iy)`: `sin(x + y)` for `|x + y| <= pi/4`, `y` the tail of `x`.
    @inline(__always)
    private static func kernelSin(_ x: Double, _ y: Double, tailIsZero: Bool) -> Double {
        let ix = highWord(x) & 0x7fff_ffff
        if ix < 0x3e40_0000 { return x }  // |x| < 2^-27: fdlibm's `if ((int)x == 0) return x`
        let z = x * x
        let v = z * x
        let r = sinS2 + z * (sinS3 + z * (sinS4 + z * (sinS5 + z * sinS6)))
        if tailIsZero { return x + v * (sinS1 + z * r) }
        return x - ((z * (0.5 * y - v * r) - y) - v * sinS1)
    }

    /// fdlibm's `__kernel_cos(x, y)`: `cos(x + y)` for `|x + y| <= pi/4`, `y` the tail of `x`.
    @inline(__always)
    private static func kernelCos(_ x: Double, _ y: Double) -> Double {
        let ix = highWord(x) & 0x7fff_ffff
        if ix < 0x3e40_0000 { return 1 }  // |x| < 2^-27: fdlibm's `if ((int)x == 0) return one`
        let z = x * x
        let r = z * (cosC1 + z * (cosC2 + z * (cosC3 + z * (cosC4 + z * (cosC5 + z * cosC6)))))
        if ix < 0x3FD3_3333 {  // |x| < 0.3
            return 1 - (0.5 * z - (z * r - x * y))
        }
        let qx: Double
        if ix > 0x3fe9_0000 {  // |x| > 0.78125
            qx = 0.28125
        } else {
            qx = double(high: ix - 0x0020_0000, low: 0)  // x / 4 truncated to its high word
        }
        let hz = 0.5 * z - qx
        let a = 1 - qx
        return a - (hz - (z * r - x * y))
    }
}

// MARK: - Argument reduction (e_rem_pio2.c, medium range only)

extension DeterministicMath {
    private static let invPiOver2 = 6.36619772367581382433e-01  // 0x3FE45F30_6DC9C883
    private static let piOver2Part1 = 1.57079632673412561417e+00  // 0x3FF921FB_54400000, first 33 bits of pi/2
    private static let piOver2Part1Tail = 6.07710050650619224932e-11  // 0x3DD0B461_1A626331, pi/2 - part1
    private static let piOver2Part2 = 6.07710050630396597660e-11  // 0x3DD0B461_1A600000, second 33 bits
    private static let piOver2Part2Tail = 2.02226624879595063154e-21  // 0x3BA3198A_2E037073, pi/2 - (1 + 2)
    private static let piOver2Part3 = 2.02226624871116645580e-21  // 0x3BA3198A_2E000000, third 33 bits
    private static let piOver2Part3Tail = 8.47842766036889956997e-32  // 0x397B839A_252049C1, pi/2 - (1 + 2 + 3)

    /// High words of `n pi/2` for n = 1...32, to spot cancellation in `x - n pi/2`.
    private static let nPiOver2HighWords: [Int32] = [
        0x3FF9_21FB, 0x4009_21FB, 0x4012_D97C, 0x4019_21FB, 0x401F_6A7A, 0x4022_D97C,
        0x4025_FDBB, 0x4029_21FB, 0x402C_463A, 0x402F_6A7A, 0x4031_475C, 0x4032_D97C,
        0x4034_6B9C, 0x4035_FDBB, 0x4037_8FDB, 0x4039_21FB, 0x403A_B41B, 0x403C_463A,
        0x403D_D85A, 0x403F_6A7A, 0x4040_7E4C, 0x4041_475C, 0x4042_106C, 0x4042_D97C,
        0x4043_A28C, 0x4044_6B9C, 0x4045_34AC, 0x4045_FDBB, 0x4046_C6CB, 0x4047_8FDB,
        0x4048_58EB, 0x4049_21FB,
    ]

    /// fdlibm's `__ieee754_rem_pio2(x, y)` for finite `|x| > pi/4` in the medium range: `n` and
    /// `y0 + y1 = x - n pi/2` with `|y0 + y1| <= pi/4`, or nil when `|x| >= 1_647_100`.
    private static func remainderPiOver2(_ x: Double) -> (n: Int32, y0: Double, y1: Double)? {
        let hx = highWord(x)
        let ix = hx & 0x7fff_ffff

        if ix < 0x4002_d97c {  // |x| < 3pi/4: the special case n = +-1
            if hx > 0 {
                var z = x - piOver2Part1
                if ix != 0x3ff9_21fb {  // 33 + 53 bits of pi are enough
                    let y0 = z - piOver2Part1Tail
                    return (1, y0, (z - y0) - piOver2Part1Tail)
                }
                z -= piOver2Part2  // near pi/2: 33 + 33 + 53 bits
                let y0 = z - piOver2Part2Tail
                return (1, y0, (z - y0) - piOver2Part2Tail)
            }
            var z = x + piOver2Part1
            if ix != 0x3ff9_21fb {
                let y0 = z + piOver2Part1Tail
                return (-1, y0, (z - y0) + piOver2Part1Tail)
            }
            z += piOver2Part2
            let y0 = z + piOver2Part2Tail
            return (-1, y0, (z - y0) + piOver2Part2Tail)
        }

        guard ix <= trigonometricHighWordLimit else { return nil }  // fdlibm's large path: not ported

        var t = x.magnitude
        let n = Int32(t * invPiOver2 + 0.5)  // C's (int): truncation toward zero
        let fn = Double(n)
        var r = t - fn * piOver2Part1
        var w = fn * piOver2Part1Tail  // 1st round, good to 85 bits
        var y0: Double
        if n < 32 && ix != nPiOver2HighWords[Int(n) - 1] {
            y0 = r - w  // quick check: no cancellation
        } else {
            let j = ix >> 20
            y0 = r - w
            var i = j - ((highWord(y0) >> 20) & 0x7ff)
            if i > 16 {  // 2nd iteration, good to 118 bits
                t = r
                w = fn * piOver2Part2
                r = t - w
                w = fn * piOver2Part2Tail - ((t - r) - w)
                y0 = r - w
                i = j - ((highWord(y0) >> 20) & 0x7ff)
                if i > 49 {  // 3rd iteration, 151 bits, covers all medium-range cases
                    t = r
                    w = fn * piOver2Part3
                    r = t - w
                    w = fn * piOver2Part3Tail - ((t - r) - w)
                    y0 = r - w
                }
            }
        }
        let y1 = (r - y0) - w
        if hx < 0 { return (-n, -y0, -y1) }
        return (n, y0, y1)
    }
}
