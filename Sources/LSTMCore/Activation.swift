#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The gate nonlinearities, in one place so that every caller rounds them the same way.
enum Activation {
    /// `1 / (1 + exp(-z))`, the input, forget and output gates.
    @inline(__always)
    static func sigmoid(_ z: Double) -> Double {
        1.0 / (1.0 + exp(-z))
    }

    /// `tanh(z)`, the cell input and (optionally) the cell output.
    @inline(__always)
    static func tanh(_ z: Double) -> Double {
        #if canImport(Glibc)
            Glibc.tanh(z)
        #elseif canImport(Musl)
            Musl.tanh(z)
        #else
            Darwin.tanh(z)
        #endif
    }
}
