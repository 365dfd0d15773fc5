#if canImport(Glibc)
    import Glibc
#endif

/// Process-wide settings for processes that train many trials one after another.
public enum ProcessTuning {
    /// Keeps freed memory in the process instead of returning it to the system.
    ///
    /// Each trial allocates a few megabytes (weights, gradients, scratch) and frees them at its
    /// end. With glibc's defaults, blocks that large are mapped and unmapped for every trial, and
    /// the page faults and page zeroing that follow cost about a tenth of a small trial's time.
    /// Raising glibc's mmap and trim thresholds (`mallopt`, which Swift's Glibc module does not
    /// import, hence `dlsym`) lets the next trial reuse the same pages. Call it once, at the start
    /// of a command that trains; elsewhere it does nothing.
    public static func reuseFreedMemory() {
        #if canImport(Glibc)
            typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
            guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
            let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
            let trimThreshold: Int32 = -1  // M_TRIM_THRESHOLD in <malloc.h>
            let mmapThreshold: Int32 = -3  // M_MMAP_THRESHOLD
            _ = mallopt(mmapThreshold, 256 << 20)
            _ = mallopt(trimThreshold, 1 << 30)
        #endif
    }
}
