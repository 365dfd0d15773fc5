#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Elementary functions whose bits do not depend on the C library or the CPU.
///
/// Placeholder: forwards to the C library until the fdlibm port lands.
public enum DeterministicMath {
    /// `e^x`.
    public static func exp(_ x: Double) -> Double {
        #if canImport(Glibc)
            Glibc.exp(x)
        #elseif canImport(Musl)
            Musl.exp(x)
        #else
            Darwin.exp(x)
        #endif
    }

    /// `tanh(x)`.
    public static func tanh(_ x: Double) -> Double {
        #if canImport(Glibc)
            Glibc.tanh(x)
        #elseif canImport(Musl)
            Musl.tanh(x)
        #else
            Darwin.tanh(x)
        #endif
    }

    /// `sin(x)`.
    public static func sin(_ x: Double) -> Double {
        #if canImport(Glibc)
            Glibc.sin(x)
        #elseif canImport(Musl)
            Musl.sin(x)
        #else
            Darwin.sin(x)
        #endif
    }

    /// `ln(x)`.
    public static func log(_ x: Double) -> Double {
        #if canImport(Glibc)
            Glibc.log(x)
        #elseif canImport(Musl)
            Musl.log(x)
        #else
            Darwin.log(x)
        #endif
    }
}
