/// The matrix product behind every large operation of ``LSTMBatchNetwork``, register-blocked
/// and cache-blocked, on raw pointers, with explicit SIMD accumulators.
///
/// One product, `C[i][j] = start[i][j] + sum_p A[i][p] * B[p][j]`, serves the input projection,
/// the recurrent step, the backward step, the readout and every gradient; the callers differ only
/// in strides. Its summation order is the contract of the batched path:
///
/// > Each output element starts from its start value (zero, its current value, or a start row)
/// > and adds its terms `A[i][p] * B[p][j]` one at a time, `p` ascending, each product and each
/// > sum rounded once (a plain IEEE multiply then a plain IEEE add, never a fused multiply-add).
///
/// Lanes hold different `j`, never different `p`, so no result depends on the vector width, the
/// register tile (4 rows by 8 columns, 1 by 32 for fewer than four rows, then 1 by 8, 8 by 4,
/// 1 by 4 and 4 by 1 tails), the cache blocking over `p` (the running sums are stored and reloaded
/// between depth blocks, which changes no bit) and over rows, copies of `A` or `B` into packed
/// blocks, or the order in which tiles are computed. A debug build, a release build and a build for
/// another instruction set give the same bits; a test checks the product against the plain
/// triple loop bit for bit.
enum BatchKernels {
    typealias Quad = SIMD4<Double>

    /// How many terms of the depth are summed before a tile's running sums go back to memory:
    /// a 256-row panel of `B` (8 columns, 16 KB) stays in the L1 cache while it serves every
    /// row block of `A`.
    static let depthBlock = 256

    /// What an output element starts from before its terms are added.
    enum Start {
        /// `0`.
        case zero
        /// Its current value in `C` (accumulate).
        case current
        /// `row[j]`, the same for every row `i` (a bias).
        case row(UnsafePointer<Double>)
    }

    /// A matrix read through strides: element `(i, p)` at `base[i * rowStride + p * depthStride]`.
    struct Strided {
        var base: UnsafePointer<Double>
        var rowStride: Int
        var depthStride: Int
    }

    @inline(__always)
    static func load(_ pointer: UnsafePointer<Double>) -> Quad {
        UnsafeRawPointer(pointer).loadUnaligned(as: Quad.self)
    }

    @inline(__always)
    static func store(_ value: Quad, to pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: Quad.self)
    }

    /// `C[i][j] = start + sum_{p < depth} A[i][p] * B[p][j]` for `i < rows`, `j < columns`, in the
    /// order the type documents.
    ///
    /// - Parameters:
    ///   - rows: the rows of `C` and `A`.
    ///   - columns: the columns of `C` and `B`.
    ///   - depth: the summed dimension.
    ///   - a: `A`, `[rows, depth]` through its strides.
    ///   - b: `B`, `[depth, columns]`, element `(p, j)` at `b[p * bStride + j]`.
    ///   - bStride: the distance between rows of `B`.
    ///   - c: `C`, `[rows, columns]`, element `(i, j)` at `c[i * cStride + j]`; may not overlap
    ///     `A` or `B`.
    ///   - cStride: the distance between rows of `C`.
    ///   - start: what each element starts from.
    /// - Complexity: `rows * columns * depth` multiplies and adds.
    static func product(
        rows: Int,
        columns: Int,
        depth: Int,
        a: Strided,
        b: UnsafePointer<Double>,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start
    ) {
        product(
            rows: rows, columns: columns, depth: depth, a: a, b: Right(base: b, layout: .rows(stride: bStride)),
            c: c, cStride: cStride, start: start)
    }

    /// ``product(rows:columns:depth:a:b:bStride:c:cStride:start:)`` with `B` in the panels
    /// ``pack(_:stride:depth:columns:into:)`` wrote: the same sums in the same order, so the same
    /// bits, but each tile reads its part of `B` from one contiguous run of memory.
    ///
    /// A product that reads the same `B` many times (a recurrent step's weights, once a step)
    /// packs it once. Read through a row stride, a tall `B` puts each row of a tile's panel on
    /// another memory page, where the hardware prefetcher stops (alone, the step products of the
    /// adding bench went from about 18 to 23-26 GFLOP/s packed).
    ///
    /// - Parameters:
    ///   - rows: the rows of `C` and `A`.
    ///   - columns: the columns of `C` and `B`.
    ///   - depth: the summed dimension.
    ///   - a: `A`, `[rows, depth]` through its strides.
    ///   - panels: `B`, `[depth, columns]`, as ``pack(_:stride:depth:columns:into:)`` wrote it for
    ///     this `depth` and `columns`.
    ///   - c: `C`, `[rows, columns]`, element `(i, j)` at `c[i * cStride + j]`; may not overlap
    ///     `A` or `B`.
    ///   - cStride: the distance between rows of `C`.
    ///   - start: what each element starts from.
    /// - Complexity: `rows * columns * depth` multiplies and adds.
    static func product(
        rows: Int,
        columns: Int,
        depth: Int,
        a: Strided,
        panels: UnsafePointer<Double>,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start
    ) {
        product(
            rows: rows, columns: columns, depth: depth, a: a, b: Right(base: panels, layout: .panels(depth: depth)),
            c: c, cStride: cStride, start: start)
    }

    /// The rows of `A` that ``product(rows:columns:depth:transposed:stride:panels:c:cStride:start:packing:)``
    /// copies together, with one depth block of their terms: 64 rows by 256 terms, 132 KB, stay
    /// in the L2 cache while every column panel of `B` passes.
    static let rowBlock = 64

    /// The room ``product(rows:columns:depth:transposed:stride:panels:c:cStride:start:packing:)``
    /// needs for one block of `A`.
    static let packingCapacity = rowBlock * paddedDepth(depthBlock)

    /// `count` rounded up to an odd number of 8-double (64-byte) cache lines: the distance between
    /// packed rows of `A`, so that a column of them does not map to one set of the L1 cache.
    @inline(__always)
    private static func paddedDepth(_ count: Int) -> Int {
        let lines = (count + 7) / 8
        return 8 * (lines % 2 == 0 ? lines + 1 : lines)
    }

    /// ``product(rows:columns:depth:a:panels:c:cStride:start:)`` for an `A` held transposed,
    /// element `(i, p)` at `transposed[p * stride + i]` (the weight gradient's `dz^T`, read from
    /// `dz`): the same sums in the same order, so the same bits.
    ///
    /// Read in place, such an `A` puts each term of a row on another memory page; copied whole
    /// into rows first, it costs a pass that writes all of it to memory. Here each block of
    /// ``rowBlock`` rows and one depth block of terms is copied into `packing`, rows contiguous,
    /// just before its tiles read it from the cache: `A` is read from memory once and never
    /// written.
    ///
    /// - Parameters:
    ///   - rows: the rows of `C` and `A`.
    ///   - columns: the columns of `C` and `B`.
    ///   - depth: the summed dimension.
    ///   - transposed: `A^T`, `[depth, rows]`.
    ///   - stride: the distance between rows of `A^T`.
    ///   - panels: `B` as ``pack(_:stride:depth:columns:into:asColumnsFrom:of:)`` wrote it for
    ///     this `depth` and `columns`.
    ///   - c: `C`, `[rows, columns]`, element `(i, j)` at `c[i * cStride + j]`; may not overlap
    ///     the other operands.
    ///   - cStride: the distance between rows of `C`.
    ///   - start: what each element starts from.
    ///   - packing: room for ``packingCapacity`` values.
    /// - Complexity: `rows * columns * depth` multiplies and adds.
    static func product(
        rows: Int,
        columns: Int,
        depth: Int,
        transposed: UnsafePointer<Double>,
        stride: Int,
        panels: UnsafePointer<Double>,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start,
        packing: UnsafeMutablePointer<Double>
    ) {
        guard rows > 0, columns > 0 else { return }
        let b = Right(base: panels, layout: .panels(depth: depth))
        var p0 = 0
        repeat {
            let count = min(depthBlock, depth - p0)
            let packedStride = paddedDepth(count)
            let blockStart: Start = p0 == 0 ? start : .current
            var i0 = 0
            while i0 < rows {
                let blockRows = min(rowBlock, rows - i0)
                transpose(
                    transposed + p0 * stride + i0, rows: count, columns: blockRows, stride: stride, into: packing,
                    stride: packedStride)
                block(
                    rows: blockRows, columns: columns, depth: count,
                    a: Strided(base: packing, rowStride: packedStride, depthStride: 1), b: b, from: p0,
                    c: c + i0 * cStride, cStride: cStride, start: blockStart)
                i0 += rowBlock
            }
            p0 += depthBlock
        } while p0 < depth
    }

    /// `to[c][r] = from[r][c]` for `r < rows`, `c < columns`: 4 by 4 blocks through SIMD
    /// registers (four loads, four stores), then the edges one value at a time.
    static func transpose(
        _ from: UnsafePointer<Double>,
        rows: Int,
        columns: Int,
        stride: Int,
        into to: UnsafeMutablePointer<Double>,
        stride toStride: Int
    ) {
        let fullRows = rows - rows % 4
        let fullColumns = columns - columns % 4
        var r = 0
        while r < fullRows {
            let source = from + r * stride
            var c = 0
            while c < fullColumns {
                let a = load(source + c)
                let b = load(source + stride + c)
                let d = load(source + 2 * stride + c)
                let e = load(source + 3 * stride + c)
                let target = to + c * toStride + r
                store(Quad(a[0], b[0], d[0], e[0]), to: target)
                store(Quad(a[1], b[1], d[1], e[1]), to: target + toStride)
                store(Quad(a[2], b[2], d[2], e[2]), to: target + 2 * toStride)
                store(Quad(a[3], b[3], d[3], e[3]), to: target + 3 * toStride)
                c += 4
            }
            r += 4
        }
        for r in 0..<rows {
            for c in (r < fullRows ? fullColumns : 0)..<columns {
                to[c * toStride + r] = from[r * stride + c]
            }
        }
    }

    /// Copies `B`, `[depth, columns]` with element `(p, j)` at `b[p * stride + j]`, into the
    /// column panels ``product(rows:columns:depth:a:panels:c:cStride:start:)`` reads:
    /// `depth * columns` values, the panel of the `w` columns from `j` on (`w` = 8 while eight
    /// remain, then 4 if four remain, then 1) at `j * depth`, its element `(p, j + l)` at
    /// `j * depth + p * w + l`.
    ///
    /// With `first` and `total`, `B` is columns `first ..< first + columns` of a wider matrix of
    /// `total` columns whose panels are laid out as above: packing the parts of a matrix held in
    /// several buffers (a column of ones, the inputs, the hidden states) one after another
    /// builds its panels without copying it whole first.
    ///
    /// - Parameters:
    ///   - b: the first element of `B`.
    ///   - stride: the distance between rows of `B`.
    ///   - depth: the rows of `B`.
    ///   - columns: the columns of `B`.
    ///   - panels: room for `depth * total` values; may not overlap `B`.
    ///   - first: the column of the packed matrix that `B`'s first column becomes.
    ///   - total: the columns of the packed matrix (`columns` when nil).
    static func pack(
        _ b: UnsafePointer<Double>, stride: Int, depth: Int, columns: Int, into panels: UnsafeMutablePointer<Double>,
        asColumnsFrom first: Int = 0, of total: Int? = nil
    ) {
        let total = total ?? columns
        let end = first + columns
        precondition(first >= 0 && end <= total, "packed columns lie outside the packed matrix")
        var j = 0
        while j < end {
            let width = panelWidth(from: j, columns: total)
            let low = max(j, first)
            let count = min(j + width, end) - low
            if count > 0 {
                var to = panels + j * depth + (low - j)
                var from = b + (low - first)
                for _ in 0..<depth {
                    for l in 0..<count {
                        to[l] = from[l]
                    }
                    to += width
                    from += stride
                }
            }
            j += width
        }
    }

    /// The width of the panel from column `j` on: 8 while eight columns remain, then 4, then 1.
    @inline(__always)
    private static func panelWidth(from j: Int, columns: Int) -> Int {
        columns - j >= 8 ? 8 : columns - j >= 4 ? 4 : 1
    }

    /// `B` as a tile reads it: through a row stride, or in packed panels.
    struct Right {
        enum Layout {
            /// Element `(p, j)` at `base[p * stride + j]`.
            case rows(stride: Int)
            /// The panels ``BatchKernels/pack(_:stride:depth:columns:into:)`` writes for this
            /// full depth.
            case panels(depth: Int)
        }

        var base: UnsafePointer<Double>
        var layout: Layout

        /// Where the `width` columns from `j` on start at depth `p`, and the distance from one
        /// depth to the next. `width` is that of a packed panel (8, 4 or 1).
        @inline(__always)
        func panel(_ j: Int, width: Int, depth p: Int) -> (UnsafePointer<Double>, Int) {
            switch layout {
            case .rows(let stride): (base + p * stride + j, stride)
            case .panels(let depth): (base + j * depth + p * width, width)
            }
        }
    }

    private static func product(
        rows: Int,
        columns: Int,
        depth: Int,
        a: Strided,
        b: Right,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start
    ) {
        guard rows > 0, columns > 0 else { return }
        var p0 = 0
        repeat {
            let count = min(depthBlock, depth - p0)
            let blockStart: Start = p0 == 0 ? start : .current
            let aBlock = Strided(base: a.base + p0 * a.depthStride, rowStride: a.rowStride, depthStride: a.depthStride)
            block(
                rows: rows, columns: columns, depth: count, a: aBlock, b: b, from: p0, c: c, cStride: cStride,
                start: blockStart)
            p0 += depthBlock
        } while p0 < depth
    }

    /// One depth block, from depth `p0` on, of the product: column panels of 8 outside, row
    /// blocks of 4 inside, so each panel of `B` is reused from the L1 cache by every row block.
    private static func block(
        rows: Int,
        columns: Int,
        depth: Int,
        a: Strided,
        b: Right,
        from p0: Int,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start
    ) {
        let fullRows = rows - rows % 4
        var j = 0
        // Fewer than four rows (a bias, a narrow input's gradient): wide single-row tiles, so
        // that eight running sums hide the latency of the adds.
        while rows < 4 && j + 32 <= columns {
            let startJ = start.offset(by: j)
            let (panel, stride) = b.panel(j, width: 8, depth: p0)
            let group = b.panel(j + 8, width: 8, depth: p0).0 - panel
            for i in 0..<rows {
                tile1x32(
                    depth: depth, a: a.base + i * a.rowStride, aDepth: a.depthStride,
                    b: panel, group: group, bStride: stride, c: c + i * cStride + j, start: startJ)
            }
            j += 32
        }
        while j + 8 <= columns {
            let startJ = start.offset(by: j)
            let (panel, stride) = b.panel(j, width: 8, depth: p0)
            var i = 0
            while i < fullRows {
                tile4x8(
                    depth: depth, a: a.base + i * a.rowStride, aRow: a.rowStride, aDepth: a.depthStride,
                    b: panel, bStride: stride, c: c + i * cStride + j, cStride: cStride, start: startJ)
                i += 4
            }
            while i < rows {
                tile1x8(
                    depth: depth, a: a.base + i * a.rowStride, aDepth: a.depthStride,
                    b: panel, bStride: stride, c: c + i * cStride + j, start: startJ)
                i += 1
            }
            j += 8
        }
        while j + 4 <= columns {
            let startJ = start.offset(by: j)
            let (panel, stride) = b.panel(j, width: 4, depth: p0)
            var i = 0
            while i + 8 <= rows {
                tile8x4(
                    depth: depth, a: a.base + i * a.rowStride, aRow: a.rowStride, aDepth: a.depthStride,
                    b: panel, bStride: stride, c: c + i * cStride + j, cStride: cStride, start: startJ)
                i += 8
            }
            while i < rows {
                tile1x4(
                    depth: depth, a: a.base + i * a.rowStride, aDepth: a.depthStride,
                    b: panel, bStride: stride, c: c + i * cStride + j, start: startJ)
                i += 1
            }
            j += 4
        }
        while j < columns {
            let startJ = start.offset(by: j)
            let (panel, stride) = b.panel(j, width: 1, depth: p0)
            var i = 0
            while i < fullRows {
                tile4x1(
                    depth: depth, a: a.base + i * a.rowStride, aRow: a.rowStride, aDepth: a.depthStride,
                    b: panel, bStride: stride, c: c + i * cStride + j, cStride: cStride, start: startJ)
                i += 4
            }
            while i < rows {
                tile1x1(
                    depth: depth, a: a.base + i * a.rowStride, aDepth: a.depthStride,
                    b: panel, bStride: stride, c: c + i * cStride + j, start: startJ)
                i += 1
            }
            j += 1
        }
    }

    // MARK: - Tiles

    /// The start values of four consecutive outputs at `c`.
    @inline(__always)
    private static func initial(_ start: Start, _ c: UnsafeMutablePointer<Double>, _ offset: Int) -> Quad {
        switch start {
        case .zero: Quad()
        case .current: load(c + offset)
        case .row(let row): load(row + offset)
        }
    }

    /// The start value of the output at `c`.
    @inline(__always)
    private static func initial(_ start: Start, _ c: UnsafeMutablePointer<Double>) -> Double {
        switch start {
        case .zero: 0
        case .current: c.pointee
        case .row(let row): row.pointee
        }
    }

    /// Four rows by eight columns: eight four-lane running sums, two loads of `B` and four
    /// broadcasts of `A` a term (13 of the 16 vector registers of AVX2, so nothing spills; a
    /// six-row tile spilled).
    @inline(__always)
    private static func tile4x8(
        depth: Int,
        a: UnsafePointer<Double>,
        aRow: Int,
        aDepth: Int,
        b: UnsafePointer<Double>,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start
    ) {
        let c1 = c + cStride
        let c2 = c1 + cStride
        let c3 = c2 + cStride
        var s00 = initial(start, c, 0)
        var s01 = initial(start, c, 4)
        var s10 = initial(start, c1, 0)
        var s11 = initial(start, c1, 4)
        var s20 = initial(start, c2, 0)
        var s21 = initial(start, c2, 4)
        var s30 = initial(start, c3, 0)
        var s31 = initial(start, c3, 4)
        let a1 = a + aRow
        let a2 = a1 + aRow
        let a3 = a2 + aRow
        var bp = b
        var p = 0
        for _ in 0..<depth {
            let b0 = load(bp)
            let b1 = load(bp + 4)
            var x = Quad(repeating: a[p])
            s00 = s00 + x * b0
            s01 = s01 + x * b1
            x = Quad(repeating: a1[p])
            s10 = s10 + x * b0
            s11 = s11 + x * b1
            x = Quad(repeating: a2[p])
            s20 = s20 + x * b0
            s21 = s21 + x * b1
            x = Quad(repeating: a3[p])
            s30 = s30 + x * b0
            s31 = s31 + x * b1
            // Wrapping (the index cannot overflow): a checked add put an overflow branch and a
            // reload of the stride into the loop, three instructions beside its 16 multiplies and
            // adds and 6 loads.
            p &+= aDepth
            bp += bStride
        }
        store(s00, to: c)
        store(s01, to: c + 4)
        store(s10, to: c1)
        store(s11, to: c1 + 4)
        store(s20, to: c2)
        store(s21, to: c2 + 4)
        store(s30, to: c3)
        store(s31, to: c3 + 4)
    }

    /// One row by 32 columns: eight four-lane running sums, over four groups of eight columns
    /// `group` apart in `B`.
    @inline(__always)
    private static func tile1x32(
        depth: Int,
        a: UnsafePointer<Double>,
        aDepth: Int,
        b: UnsafePointer<Double>,
        group: Int,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        start: Start
    ) {
        var s0 = initial(start, c, 0)
        var s1 = initial(start, c, 4)
        var s2 = initial(start, c, 8)
        var s3 = initial(start, c, 12)
        var s4 = initial(start, c, 16)
        var s5 = initial(start, c, 20)
        var s6 = initial(start, c, 24)
        var s7 = initial(start, c, 28)
        var ap = a
        var b0 = b
        var b1 = b + group
        var b2 = b1 + group
        var b3 = b2 + group
        for _ in 0..<depth {
            let x = Quad(repeating: ap.pointee)
            s0 = s0 + x * load(b0)
            s1 = s1 + x * load(b0 + 4)
            s2 = s2 + x * load(b1)
            s3 = s3 + x * load(b1 + 4)
            s4 = s4 + x * load(b2)
            s5 = s5 + x * load(b2 + 4)
            s6 = s6 + x * load(b3)
            s7 = s7 + x * load(b3 + 4)
            ap += aDepth
            b0 += bStride
            b1 += bStride
            b2 += bStride
            b3 += bStride
        }
        store(s0, to: c)
        store(s1, to: c + 4)
        store(s2, to: c + 8)
        store(s3, to: c + 12)
        store(s4, to: c + 16)
        store(s5, to: c + 20)
        store(s6, to: c + 24)
        store(s7, to: c + 28)
    }

    /// One row by eight columns.
    @inline(__always)
    private static func tile1x8(
        depth: Int,
        a: UnsafePointer<Double>,
        aDepth: Int,
        b: UnsafePointer<Double>,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        start: Start
    ) {
        var s0 = initial(start, c, 0)
        var s1 = initial(start, c, 4)
        var ap = a
        var bp = b
        for _ in 0..<depth {
            let x = Quad(repeating: ap.pointee)
            s0 = s0 + x * load(bp)
            s1 = s1 + x * load(bp + 4)
            ap += aDepth
            bp += bStride
        }
        store(s0, to: c)
        store(s1, to: c + 4)
    }

    /// Eight rows by four columns: eight four-lane running sums, one load of `B` and eight
    /// broadcasts of `A` a term (a four-wide panel, such as the tail of the weight gradient's
    /// columns, runs at the rate of the 4 by 8 tile instead of one sum's add latency a term).
    @inline(__always)
    private static func tile8x4(
        depth: Int,
        a: UnsafePointer<Double>,
        aRow: Int,
        aDepth: Int,
        b: UnsafePointer<Double>,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start
    ) {
        let c1 = c + cStride
        let c2 = c1 + cStride
        let c3 = c2 + cStride
        let c4 = c3 + cStride
        let c5 = c4 + cStride
        let c6 = c5 + cStride
        let c7 = c6 + cStride
        var s0 = initial(start, c, 0)
        var s1 = initial(start, c1, 0)
        var s2 = initial(start, c2, 0)
        var s3 = initial(start, c3, 0)
        var s4 = initial(start, c4, 0)
        var s5 = initial(start, c5, 0)
        var s6 = initial(start, c6, 0)
        var s7 = initial(start, c7, 0)
        let a1 = a + aRow
        let a2 = a1 + aRow
        let a3 = a2 + aRow
        let a4 = a3 + aRow
        let a5 = a4 + aRow
        let a6 = a5 + aRow
        let a7 = a6 + aRow
        var bp = b
        var p = 0
        for _ in 0..<depth {
            let y = load(bp)
            s0 = s0 + Quad(repeating: a[p]) * y
            s1 = s1 + Quad(repeating: a1[p]) * y
            s2 = s2 + Quad(repeating: a2[p]) * y
            s3 = s3 + Quad(repeating: a3[p]) * y
            s4 = s4 + Quad(repeating: a4[p]) * y
            s5 = s5 + Quad(repeating: a5[p]) * y
            s6 = s6 + Quad(repeating: a6[p]) * y
            s7 = s7 + Quad(repeating: a7[p]) * y
            p &+= aDepth
            bp += bStride
        }
        store(s0, to: c)
        store(s1, to: c1)
        store(s2, to: c2)
        store(s3, to: c3)
        store(s4, to: c4)
        store(s5, to: c5)
        store(s6, to: c6)
        store(s7, to: c7)
    }

    /// One row by four columns.
    @inline(__always)
    private static func tile1x4(
        depth: Int,
        a: UnsafePointer<Double>,
        aDepth: Int,
        b: UnsafePointer<Double>,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        start: Start
    ) {
        var s = initial(start, c, 0)
        var ap = a
        var bp = b
        for _ in 0..<depth {
            s = s + Quad(repeating: ap.pointee) * load(bp)
            ap += aDepth
            bp += bStride
        }
        store(s, to: c)
    }

    /// Four rows by one column: four independent scalar sums (a readout with one output).
    @inline(__always)
    private static func tile4x1(
        depth: Int,
        a: UnsafePointer<Double>,
        aRow: Int,
        aDepth: Int,
        b: UnsafePointer<Double>,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        cStride: Int,
        start: Start
    ) {
        var s0 = initial(start, c)
        var s1 = initial(start, c + cStride)
        var s2 = initial(start, c + 2 * cStride)
        var s3 = initial(start, c + 3 * cStride)
        var ap = a
        var bp = b
        for _ in 0..<depth {
            let y = bp.pointee
            s0 = s0 + ap[0] * y
            s1 = s1 + ap[aRow] * y
            s2 = s2 + ap[2 * aRow] * y
            s3 = s3 + ap[3 * aRow] * y
            ap += aDepth
            bp += bStride
        }
        c[0] = s0
        c[cStride] = s1
        c[2 * cStride] = s2
        c[3 * cStride] = s3
    }

    /// One row by one column.
    @inline(__always)
    private static func tile1x1(
        depth: Int,
        a: UnsafePointer<Double>,
        aDepth: Int,
        b: UnsafePointer<Double>,
        bStride: Int,
        c: UnsafeMutablePointer<Double>,
        start: Start
    ) {
        var s = initial(start, c)
        var ap = a
        var bp = b
        for _ in 0..<depth {
            s = s + ap.pointee * bp.pointee
            ap += aDepth
            bp += bStride
        }
        c.pointee = s
    }
}

extension BatchKernels.Start {
    /// The start of the outputs from column `j` on.
    @inline(__always)
    func offset(by j: Int) -> Self {
        switch self {
        case .zero, .current: self
        case .row(let row): .row(row + j)
        }
    }
}
