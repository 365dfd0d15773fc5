/// The hot loops of training, on raw pointers, with explicit SIMD accumulators.
///
/// Every operation is a plain IEEE multiply or add (never a fused multiply-add) in an order this
/// file fixes, and no result depends on how the loops are blocked or in which order independent
/// outputs are computed: a debug build, a release build and a build for another vector width all
/// give the same bits. Each output element is summed by one fixed recipe, documented per kernel.
///
/// Memory traffic, not arithmetic, bounds these loops (the weights of the reference problem,
/// 480 KB, barely miss a 512 KB L2 cache), so the kernels can walk rows in either direction:
/// the network alternates directions between passes, so that each pass starts on the rows the
/// previous one left in the cache.
enum Kernels {
    /// Scales `gradient` to L2 norm `maxNorm` if its norm exceeds it: the sum of squares is taken
    /// front to back, then every element is multiplied by `maxNorm / norm` (gradient-norm clipping,
    /// the same rule and bits for every network).
    static func clip(_ gradient: UnsafeMutableBufferPointer<Double>, toNorm maxNorm: Double) {
        var sumOfSquares = 0.0
        for value in gradient {
            sumOfSquares += value * value
        }
        let norm = sumOfSquares.squareRoot()
        guard norm > maxNorm else { return }
        let scale = maxNorm / norm
        for index in gradient.indices {
            gradient[index] = gradient[index] * scale
        }
    }

    typealias Vector = SIMD8<Double>

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Double>) -> Vector {
        UnsafeRawPointer(pointer).loadUnaligned(as: Vector.self)
    }

    @inline(__always)
    static func store(_ value: Vector, to pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Vector.self)
    }

    /// `((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7))`: the one horizontal-sum order.
    @inline(__always)
    static func horizontalSum(_ v: Vector) -> Double {
        let quarter = v.lowHalf + v.highHalf
        let pair = quarter.lowHalf + quarter.highHalf
        return pair[0] + pair[1]
    }

    /// The dot product recipe: eight lane sums over the elements in blocks of eight (lane `l`
    /// adds `a[8k+l] * b[8k+l]` for k ascending, starting from zero), reduced by
    /// ``horizontalSum(_:)``, then the tail elements added one by one in order.
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, count: Int) -> Double {
        let blocked = count - count % 8
        var accumulator = Vector()
        var c = 0
        while c < blocked {
            accumulator = accumulator + load(a + c) * load(b + c)
            c += 8
        }
        var sum = horizontalSum(accumulator)
        while c < count {
            sum = sum + a[c] * b[c]
            c += 1
        }
        return sum
    }

    /// `out[r] = dot(W[r, :count], x) + addend[r]` for `rows` rows `rowStride` apart, by the
    /// ``dot(_:_:count:)`` recipe.
    ///
    /// Rows go four at a time (each block of `x` is loaded once for four rows), ascending or
    /// descending; neither changes any result.
    ///
    /// - Complexity: `rows * count` multiplies and adds.
    static func rowDots(
        weights: UnsafePointer<Double>,
        rowStride: Int,
        rows: Int,
        count: Int,
        x: UnsafePointer<Double>,
        addend: UnsafePointer<Double>,
        out: UnsafeMutablePointer<Double>,
        descending: Bool
    ) {
        let blocked = count - count % 8
        let blocks = rows / 4
        for step in 0..<blocks {
            let r = 4 * (descending ? blocks - 1 - step : step)
            let w0 = weights + r * rowStride
            let w1 = w0 + rowStride
            let w2 = w1 + rowStride
            let w3 = w2 + rowStride
            var a0 = Vector()
            var a1 = Vector()
            var a2 = Vector()
            var a3 = Vector()
            var c = 0
            while c < blocked {
                let xv = load(x + c)
                a0 = a0 + load(w0 + c) * xv
                a1 = a1 + load(w1 + c) * xv
                a2 = a2 + load(w2 + c) * xv
                a3 = a3 + load(w3 + c) * xv
                c += 8
            }
            var s0 = horizontalSum(a0)
            var s1 = horizontalSum(a1)
            var s2 = horizontalSum(a2)
            var s3 = horizontalSum(a3)
            while c < count {
                let xc = x[c]
                s0 = s0 + w0[c] * xc
                s1 = s1 + w1[c] * xc
                s2 = s2 + w2[c] * xc
                s3 = s3 + w3[c] * xc
                c += 1
            }
            out[r] = s0 + addend[r]
            out[r + 1] = s1 + addend[r + 1]
            out[r + 2] = s2 + addend[r + 2]
            out[r + 3] = s3 + addend[r + 3]
        }
        for r in (4 * blocks)..<rows {
            out[r] = dot(weights + r * rowStride, x, count: count) + addend[r]
        }
    }

    /// `out[j] = sum_r W[r, offset + j] * v[r]` for `j < count`: a transposed product with a
    /// column block of the weights (backprop's `dL/dh(t-1)`, the `h` part of `d[x, h]` only).
    ///
    /// Each output starts from zero and adds its terms one at a time, `r` ascending or (when
    /// `descending`) descending: the two are different fixed orders, and the caller fixes which
    /// one each step uses. The blocking over `j` (32, then 8, 4 and 1 columns) changes only which
    /// outputs are computed together.
    ///
    /// - Complexity: `rows * count` multiplies and adds.
    static func transposedProduct(
        weights: UnsafePointer<Double>,
        rows: Int,
        rowStride: Int,
        columnOffset: Int,
        count: Int,
        v: UnsafePointer<Double>,
        out: UnsafeMutablePointer<Double>,
        descending: Bool
    ) {
        let first = descending ? rows - 1 : 0
        let advance = descending ? -1 : 1
        let base = weights + columnOffset + first * rowStride
        let stride = advance * rowStride
        var j = 0
        while j + 32 <= count {
            var a0 = Vector()
            var a1 = Vector()
            var a2 = Vector()
            var a3 = Vector()
            var w = base + j
            var r = first
            for _ in 0..<rows {
                let s = Vector(repeating: v[r])
                a0 = a0 + load(w) * s
                a1 = a1 + load(w + 8) * s
                a2 = a2 + load(w + 16) * s
                a3 = a3 + load(w + 24) * s
                w += stride
                r += advance
            }
            store(a0, to: out + j)
            store(a1, to: out + j + 8)
            store(a2, to: out + j + 16)
            store(a3, to: out + j + 24)
            j += 32
        }
        while j + 8 <= count {
            var a = Vector()
            var w = base + j
            var r = first
            for _ in 0..<rows {
                a = a + load(w) * Vector(repeating: v[r])
                w += stride
                r += advance
            }
            store(a, to: out + j)
            j += 8
        }
        while j + 4 <= count {
            var a = SIMD4<Double>()
            var w = base + j
            var r = first
            for _ in 0..<rows {
                a = a + UnsafeRawPointer(w).loadUnaligned(as: SIMD4<Double>.self) * SIMD4(repeating: v[r])
                w += stride
                r += advance
            }
            UnsafeMutableRawPointer(out + j).storeBytes(of: a, as: SIMD4<Double>.self)
            j += 4
        }
        while j < count {
            var s = 0.0
            var w = base + j
            var r = first
            for _ in 0..<rows {
                s = s + w.pointee * v[r]
                w += stride
                r += advance
            }
            out[j] = s
            j += 1
        }
    }

    /// `out[k][r] = dot(W[r, :X], xc[k][:X]) + b[r]`: the input projection of every step, row
    /// by row (the same recipe the fused update uses, so both give the same bits).
    ///
    /// - Complexity: `rows * inputSize * steps` multiplies and adds.
    static func project(
        weights: UnsafePointer<Double>,
        bias: UnsafePointer<Double>,
        rows: Int,
        rowStride: Int,
        inputSize: Int,
        xc: UnsafePointer<Double>,
        steps: Int,
        out: UnsafeMutablePointer<Double>
    ) {
        for r in 0..<rows {
            projectRow(
                weights + r * rowStride,
                bias: bias[r],
                row: r,
                rows: rows,
                inputSize: inputSize,
                xc: xc,
                xcStride: rowStride,
                steps: steps,
                out: out
            )
        }
    }

    /// `out[k][row] = dot(W_row[:X], xc[k][:X]) + bias` for every step, four steps at a time so
    /// that each block of the row is loaded once for four inputs; each dot follows the
    /// ``dot(_:_:count:)`` recipe exactly.
    @inline(__always)
    static func projectRow(
        _ weights: UnsafePointer<Double>,
        bias: Double,
        row: Int,
        rows: Int,
        inputSize: Int,
        xc: UnsafePointer<Double>,
        xcStride: Int,
        steps: Int,
        out: UnsafeMutablePointer<Double>
    ) {
        let blocked = inputSize - inputSize % 8
        var k = 0
        while k + 4 <= steps {
            let x0 = xc + k * xcStride
            let x1 = x0 + xcStride
            let x2 = x1 + xcStride
            let x3 = x2 + xcStride
            var a0 = Vector()
            var a1 = Vector()
            var a2 = Vector()
            var a3 = Vector()
            var c = 0
            while c < blocked {
                let w = load(weights + c)
                a0 = a0 + w * load(x0 + c)
                a1 = a1 + w * load(x1 + c)
                a2 = a2 + w * load(x2 + c)
                a3 = a3 + w * load(x3 + c)
                c += 8
            }
            var s0 = horizontalSum(a0)
            var s1 = horizontalSum(a1)
            var s2 = horizontalSum(a2)
            var s3 = horizontalSum(a3)
            while c < inputSize {
                let w = weights[c]
                s0 = s0 + w * x0[c]
                s1 = s1 + w * x1[c]
                s2 = s2 + w * x2[c]
                s3 = s3 + w * x3[c]
                c += 1
            }
            out[k * rows + row] = s0 + bias
            out[(k + 1) * rows + row] = s1 + bias
            out[(k + 2) * rows + row] = s2 + bias
            out[(k + 3) * rows + row] = s3 + bias
            k += 4
        }
        while k < steps {
            out[k * rows + row] = dot(weights, xc + k * xcStride, count: inputSize) + bias
            k += 1
        }
    }

    /// What ``outerProductSum(dz:dzStride:xc:xcStride:steps:rows:columns:coefficients:mode:descending:)``
    /// does with each summed entry `G[r, c]`.
    enum OuterProductMode {
        /// `out[r, c] = G[r, c]`.
        case store(UnsafeMutablePointer<Double>)
        /// The fused SGD update, row by row: `W[r, c] = W[r, c] - rate * G[r, c]`, then
        /// `b[r] = b[r] - rate * db[r]` (`db[r]` summed over the coefficients in their order,
        /// from zero), then, while the row is in the cache, the input projection of the next
        /// forward pass: `projection[k][r] = dot(W[r, :X], xc[k][:X]) + b[r]` for every step.
        case descend(FusedDescent)

        /// Where row `r` of `G`, `columns` values, goes, and the rate it is subtracted with (nil:
        /// stored as it is).
        @inline(__always)
        func row(_ r: Int, columns: Int) -> (out: UnsafeMutablePointer<Double>, rate: Double?) {
            switch self {
            case .store(let target): (target + r * columns, nil)
            case .descend(let fused): (fused.weights + r * columns, fused.rate)
            }
        }
    }

    /// The pointers of a fused SGD update.
    struct FusedDescent {
        var weights: UnsafeMutablePointer<Double>
        var bias: UnsafeMutablePointer<Double>
        var rate: Double
        var projection: UnsafeMutablePointer<Double>
        var inputSize: Int
    }

    /// `G[r, c] = sum_k dz[k][r] * xc[k][c]` over the `steps` steps, `k` descending from
    /// `steps - 1` to 0: the weight gradient as one rank-`steps` pass, stored or applied.
    ///
    /// Each entry starts from zero and adds its terms for `k` descending, one at a time; rows are
    /// independent, so their order (`descending`) changes nothing. `coefficients` is scratch
    /// space of at least `2 * steps` doubles (two rows' coefficients).
    ///
    /// - Complexity: `rows * columns * steps` multiplies and adds.
    static func outerProductSum(
        dz: UnsafePointer<Double>,
        dzStride: Int,
        xc: UnsafePointer<Double>,
        xcStride: Int,
        steps: Int,
        rows: Int,
        columns: Int,
        coefficients: UnsafeMutablePointer<Double>,
        mode: OuterProductMode,
        descending: Bool
    ) {
        // coefficients[n] = dz[k][r] for k = steps - 1 - n: the order the sums use.
        func fill(_ r: Int, _ coefficients: UnsafeMutablePointer<Double>) {
            for n in 0..<steps {
                coefficients[n] = dz[(steps - 1 - n) * dzStride + r]
            }
        }
        var step = 0
        while step < rows {
            let r = descending ? rows - 1 - step : step
            fill(r, coefficients)
            guard step + 1 < rows else {
                finishRow(
                    r, from: 0, xc: xc, xcStride: xcStride, steps: steps, rows: dzStride, columns: columns,
                    coefficients: coefficients, mode: mode)
                break
            }
            // Two rows at once, the next in order with its coefficients after the first's: their
            // 16-column blocks share every load of xc (one load fed one row's multiplies before,
            // and the loads bounded the loop). Each entry's sum is the same, term for term.
            let next = descending ? r - 1 : r + 1
            let second = coefficients + steps
            fill(next, second)
            let (out0, rate) = mode.row(r, columns: columns)
            let out1 = mode.row(next, columns: columns).out
            var c = 0
            while c + 16 <= columns {
                var a0 = Vector()
                var a1 = Vector()
                var b0 = Vector()
                var b1 = Vector()
                var x = xc + (steps - 1) * xcStride + c
                for n in 0..<steps {
                    let x0 = load(x)
                    let x1 = load(x + 8)
                    let s = Vector(repeating: coefficients[n])
                    let t = Vector(repeating: second[n])
                    a0 = a0 + x0 * s
                    a1 = a1 + x1 * s
                    b0 = b0 + x0 * t
                    b1 = b1 + x1 * t
                    x -= xcStride
                }
                if let rate {
                    let step = Vector(repeating: rate)
                    store(load(out0 + c) - step * a0, to: out0 + c)
                    store(load(out0 + c + 8) - step * a1, to: out0 + c + 8)
                    store(load(out1 + c) - step * b0, to: out1 + c)
                    store(load(out1 + c + 8) - step * b1, to: out1 + c + 8)
                } else {
                    store(a0, to: out0 + c)
                    store(a1, to: out0 + c + 8)
                    store(b0, to: out1 + c)
                    store(b1, to: out1 + c + 8)
                }
                c += 16
            }
            finishRow(
                r, from: c, xc: xc, xcStride: xcStride, steps: steps, rows: dzStride, columns: columns,
                coefficients: coefficients, mode: mode)
            finishRow(
                next, from: c, xc: xc, xcStride: xcStride, steps: steps, rows: dzStride, columns: columns,
                coefficients: second, mode: mode)
            step += 2
        }
    }

    /// Row `r` of ``outerProductSum(dz:dzStride:xc:xcStride:steps:rows:columns:coefficients:mode:descending:)``
    /// from column `from` on, with its coefficients filled in, then (descending) its bias and
    /// projection.
    @inline(__always)
    private static func finishRow(
        _ r: Int,
        from: Int,
        xc: UnsafePointer<Double>,
        xcStride: Int,
        steps: Int,
        rows: Int,
        columns: Int,
        coefficients: UnsafeMutablePointer<Double>,
        mode: OuterProductMode
    ) {
        let (out, rate) = mode.row(r, columns: columns)
        var c = from
        while c + 16 <= columns {
            var a0 = Vector()
            var a1 = Vector()
            var x = xc + (steps - 1) * xcStride + c
            for n in 0..<steps {
                let s = Vector(repeating: coefficients[n])
                a0 = a0 + load(x) * s
                a1 = a1 + load(x + 8) * s
                x -= xcStride
            }
            if let rate {
                let step = Vector(repeating: rate)
                store(load(out + c) - step * a0, to: out + c)
                store(load(out + c + 8) - step * a1, to: out + c + 8)
            } else {
                store(a0, to: out + c)
                store(a1, to: out + c + 8)
            }
            c += 16
        }
        while c + 8 <= columns {
            var a = Vector()
            var x = xc + (steps - 1) * xcStride + c
            for n in 0..<steps {
                a = a + load(x) * Vector(repeating: coefficients[n])
                x -= xcStride
            }
            if let rate {
                store(load(out + c) - Vector(repeating: rate) * a, to: out + c)
            } else {
                store(a, to: out + c)
            }
            c += 8
        }
        while c + 4 <= columns {
            var a = SIMD4<Double>()
            var x = xc + (steps - 1) * xcStride + c
            for n in 0..<steps {
                a =
                    a + UnsafeRawPointer(x).loadUnaligned(as: SIMD4<Double>.self)
                    * SIMD4(repeating: coefficients[n])
                x -= xcStride
            }
            let target = UnsafeMutableRawPointer(out + c)
            if let rate {
                let old = target.loadUnaligned(as: SIMD4<Double>.self)
                target.storeBytes(of: old - SIMD4(repeating: rate) * a, as: SIMD4<Double>.self)
            } else {
                target.storeBytes(of: a, as: SIMD4<Double>.self)
            }
            c += 4
        }
        while c < columns {
            var s = 0.0
            var x = xc + (steps - 1) * xcStride + c
            for n in 0..<steps {
                s = s + x.pointee * coefficients[n]
                x -= xcStride
            }
            if let rate {
                out[c] = out[c] - rate * s
            } else {
                out[c] = s
            }
            c += 1
        }
        if case .descend(let fused) = mode {
            var db = 0.0
            for n in 0..<steps {
                db = db + coefficients[n]
            }
            let bias = fused.bias[r] - fused.rate * db
            fused.bias[r] = bias
            projectRow(
                UnsafePointer(out),
                bias: bias,
                row: r,
                rows: rows,
                inputSize: fused.inputSize,
                xc: xc,
                xcStride: xcStride,
                steps: steps,
                out: fused.projection
            )
        }
    }
}
