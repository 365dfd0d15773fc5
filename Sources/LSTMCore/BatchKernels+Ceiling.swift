/// The rate ceiling of ``BatchKernels``' products on the machine at hand, for `make bench`.
///
/// The peak (47 GFLOP/s) belongs to one CPU; the VMs the bench runs on change from day
/// to day (on an AVX2 core that splits 256-bit operations in two, the same code runs at a third
/// of it). A product whose operands stay in the L1 cache runs the 4 by 8 tile back to back with
/// nothing waiting for memory: the most this code's plain multiplies and adds reach on this core.
/// The bench times it beside the workloads and reports each as a fraction of it.
package struct KernelCeiling: ~Copyable {
    /// The product's shape: 8 rows, 16 columns, depth 128 (`A` 8 KB, the packed `B` 16 KB,
    /// `C` 1 KB).
    package static let shape = (rows: 8, columns: 16, depth: 128)

    private let a: UnsafeMutablePointer<Double>
    private let panels: UnsafeMutablePointer<Double>
    private let c: UnsafeMutablePointer<Double>

    package init() {
        let (rows, columns, depth) = Self.shape
        a = .allocate(capacity: rows * depth)
        panels = .allocate(capacity: depth * columns)
        c = .allocate(capacity: rows * columns)
        let b = UnsafeMutablePointer<Double>.allocate(capacity: depth * columns)
        defer { b.deallocate() }
        // Small values that neither overflow nor become subnormal over the repeats.
        for i in 0..<(rows * depth) { a[i] = Double(i % 7 + 1) * 1e-3 }
        for i in 0..<(depth * columns) { b[i] = Double(i % 5 + 1) * 1e-3 }
        c.initialize(repeating: 0, count: rows * columns)
        BatchKernels.pack(b, stride: columns, depth: depth, columns: columns, into: panels)
    }

    deinit {
        a.deallocate()
        panels.deallocate()
        c.deallocate()
    }

    /// The FLOPs of one ``run(repeats:)`` repeat: `2 * rows * columns * depth`.
    package static var flopsPerRepeat: Double {
        Double(2 * shape.rows * shape.columns * shape.depth)
    }

    /// Runs the product `repeats` times, each adding into `C` (so no repeat can be skipped).
    ///
    /// - Returns: an element of `C`, for the caller to keep.
    @discardableResult
    package func run(repeats: Int) -> Double {
        let (rows, columns, depth) = Self.shape
        for _ in 0..<repeats {
            BatchKernels.product(
                rows: rows, columns: columns, depth: depth, a: .init(base: a, rowStride: depth, depthStride: 1),
                panels: panels, c: c, cStride: columns, start: .current)
        }
        return c[rows * columns - 1]
    }
}
