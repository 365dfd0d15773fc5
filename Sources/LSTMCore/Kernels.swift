/// The hot loops of training, on raw pointers, with explicit SIMD accumulators.
///
/// Every operation is a plain IEEE multiply or add (never a fused multiply-add) in an order this
/// file fixes, and no result depends on how the loops are blocked: a debug build, a release
/// build and a build for another vector width all give the same bits. Each output element is
/// summed by one fixed recipe, documented per kernel.
enum Kernels {
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

    /// `out[r] = dot(W[r, :], x) + bias[r]` for `rows` rows of length `columns`.
    ///
    /// The dot product of a row: eight lane sums over the columns in blocks of eight
    /// (lane `l` adds `W[r, 8k+l] * x[8k+l]` for k ascending, starting from zero), reduced by
    /// ``horizontalSum(_:)``, then the tail columns added one by one in order, then the bias.
    /// Rows go four at a time so that each block of `x` is loaded once for four rows.
    ///
    /// - Complexity: `rows * columns` multiplies and adds.
    static func affine(
        weights: UnsafePointer<Double>,
        rows: Int,
        columns: Int,
        x: UnsafePointer<Double>,
        bias: UnsafePointer<Double>,
        out: UnsafeMutablePointer<Double>
    ) {
        let blocked = columns - columns % 8
        var r = 0
        while r + 4 <= rows {
            let w0 = weights + r * columns
            let w1 = w0 + columns
            let w2 = w1 + columns
            let w3 = w2 + columns
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
            while c < columns {
                let xc = x[c]
                s0 = s0 + w0[c] * xc
                s1 = s1 + w1[c] * xc
                s2 = s2 + w2[c] * xc
                s3 = s3 + w3[c] * xc
                c += 1
            }
            out[r] = s0 + bias[r]
            out[r + 1] = s1 + bias[r + 1]
            out[r + 2] = s2 + bias[r + 2]
            out[r + 3] = s3 + bias[r + 3]
            r += 4
        }
        while r < rows {
            let w = weights + r * columns
            var a = Vector()
            var c = 0
            while c < blocked {
                a = a + load(w + c) * load(x + c)
                c += 8
            }
            var s = horizontalSum(a)
            while c < columns {
                s = s + w[c] * x[c]
                c += 1
            }
            out[r] = s + bias[r]
            r += 1
        }
    }

    /// `out[j] = sum_r W[r, offset + j] * v[r]` for `j < count`: a transposed product with a
    /// column block of the weights (backprop's `dL/dh(t-1)`, the `h` part of `d[x, h]` only).
    ///
    /// Each output starts from zero and adds its terms for `r` ascending, one at a time; the
    /// blocking over `j` (32, then 8, then 1 columns) changes only which outputs are computed
    /// together.
    ///
    /// - Complexity: `rows * count` multiplies and adds.
    static func transposedProduct(
        weights: UnsafePointer<Double>,
        rows: Int,
        rowStride: Int,
        columnOffset: Int,
        count: Int,
        v: UnsafePointer<Double>,
        out: UnsafeMutablePointer<Double>
    ) {
        let base = weights + columnOffset
        var j = 0
        while j + 32 <= count {
            var a0 = Vector()
            var a1 = Vector()
            var a2 = Vector()
            var a3 = Vector()
            var w = base + j
            for r in 0..<rows {
                let s = Vector(repeating: v[r])
                a0 = a0 + load(w) * s
                a1 = a1 + load(w + 8) * s
                a2 = a2 + load(w + 16) * s
                a3 = a3 + load(w + 24) * s
                w += rowStride
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
            for r in 0..<rows {
                a = a + load(w) * Vector(repeating: v[r])
                w += rowStride
            }
            store(a, to: out + j)
            j += 8
        }
        while j < count {
            var s = 0.0
            var w = base + j
            for r in 0..<rows {
                s = s + w.pointee * v[r]
                w += rowStride
            }
            out[j] = s
            j += 1
        }
    }

    /// What ``outerProductSum(dz:dzStride:xc:xcStride:steps:rows:columns:coefficients:mode:)``
    /// does with each summed entry `G[r, c]`.
    enum OuterProductMode {
        /// `out[r, c] = G[r, c]`.
        case store(UnsafeMutablePointer<Double>)
        /// `W[r, c] = W[r, c] - rate * G[r, c]`, the fused SGD update.
        case descend(UnsafeMutablePointer<Double>, rate: Double)
    }

    /// `G[r, c] = sum_k dz[k][r] * xc[k][c]` over the `steps` steps, `k` descending from
    /// `steps - 1` to 0: the weight gradient as one rank-`steps` pass, stored or applied.
    ///
    /// Each entry starts from zero and adds its terms for `k` descending, one at a time.
    /// `coefficients` is scratch space of at least `steps` doubles.
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
        mode: OuterProductMode
    ) {
        for r in 0..<rows {
            // coefficients[n] = dz[k][r] for k = steps - 1 - n: the order the sums use.
            for n in 0..<steps {
                coefficients[n] = dz[(steps - 1 - n) * dzStride + r]
            }
            let out: UnsafeMutablePointer<Double>
            let rate: Double?
            switch mode {
            case .store(let target):
                out = target + r * columns
                rate = nil
            case .descend(let target, let learningRate):
                out = target + r * columns
                rate = learningRate
            }
            var c = 0
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
        }
    }
}
