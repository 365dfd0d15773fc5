import Foundation

/// A named n-dimensional array of doubles in row-major (C) order: one entry of a checkpoint or of
/// an `.npz` file.
///
/// `values.count` should equal the product of `shape` (1 for a 0-d array, `shape == []`); the
/// writers check it. Two arrays are equal when their names, shapes and values agree bit for bit,
/// so a NaN equals the same NaN and `-0.0` differs from `0.0`: what was stored is what is read.
public struct NamedArray: Equatable, Sendable {
    /// The array's name, such as `weights` (a checkpoint) or `wg` (an export).
    public var name: String
    /// The extent of each dimension, outermost first; `[]` for a scalar.
    public var shape: [Int]
    /// The elements, last index varying fastest.
    public var values: [Double]

    /// Creates an array from its parts.
    ///
    /// - Parameters:
    ///   - name: The array's name.
    ///   - shape: The extent of each dimension, outermost first.
    ///   - values: `product(shape)` elements in row-major order.
    public init(name: String, shape: [Int], values: [Double]) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// The number of elements `shape` describes, or `nil` when a dimension is negative or the
    /// product overflows `Int`.
    public var elementCount: Int? { Self.elementCount(of: shape) }

    /// The product of `shape` (1 for `[]`), or `nil` when a dimension is negative or the product
    /// overflows `Int`.
    ///
    /// - Parameter shape: The extents of the dimensions.
    /// - Returns: Their product, or `nil`.
    package static func elementCount(of shape: [Int]) -> Int? {
        var product = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: extent)
            guard !overflow else { return nil }
            product = next
        }
        return product
    }

    /// Whether `lhs` and `rhs` have the same name, shape and values, compared bit for bit.
    ///
    /// - Parameters:
    ///   - lhs: One array.
    ///   - rhs: The other.
    /// - Returns: `true` when nothing tells them apart.
    public static func == (lhs: NamedArray, rhs: NamedArray) -> Bool {
        lhs.name == rhs.name && lhs.shape == rhs.shape && lhs.values.count == rhs.values.count
            && zip(lhs.values, rhs.values).allSatisfy { $0.bitPattern == $1.bitPattern }
    }
}

// MARK: - Little-endian bytes

extension NamedArray {
    /// Appends `values` to `data` as little-endian IEEE 754 float64, eight bytes each.
    ///
    /// - Parameters:
    ///   - values: The doubles to append.
    ///   - data: The buffer to append to.
    package static func appendLittleEndian(_ values: [Double], to data: inout Data) {
        #if _endian(little)
            values.withUnsafeBytes { data.append(contentsOf: $0) }
        #else
            appendConverting(values, to: &data)
        #endif
    }

    private static func appendConverting(_ values: [Double], to data: inout Data) {
        let start = data.count
        data.append(Data(count: values.count * 8))
        data.withUnsafeMutableBytes { (bytes: UnsafeMutableRawBufferPointer) in
            for (index, value) in values.enumerated() {
                bytes.storeBytes(
                    of: value.bitPattern.littleEndian,
                    toByteOffset: start + index * 8,
                    as: UInt64.self
                )
            }
        }
    }

    /// Reads `count` little-endian float64 values starting at `offset` in `bytes`.
    ///
    /// - Parameters:
    ///   - bytes: The buffer; it must hold `offset + 8 * count` bytes.
    ///   - offset: Where the first value starts.
    ///   - count: How many values to read.
    /// - Returns: The values.
    package static func readLittleEndian(_ bytes: UnsafeRawBufferPointer, offset: Int, count: Int) -> [Double] {
        precondition(offset >= 0 && count >= 0 && offset + 8 * count <= bytes.count, "read past the buffer")
        return [Double](unsafeUninitializedCapacity: count) { buffer, initialized in
            for index in 0..<count {
                let bits = bytes.loadUnaligned(fromByteOffset: offset + index * 8, as: UInt64.self)
                buffer[index] = Double(bitPattern: UInt64(littleEndian: bits))
            }
            initialized = count
        }
    }
}

extension NamedArray {
    /// Calls `body` with the values as little-endian float64 bytes: the array's own memory on a
    /// little-endian machine, a converted copy elsewhere.
    package func withLittleEndianBytes<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        #if _endian(little)
            return try values.withUnsafeBytes(body)
        #else
            var data = Data()
            NamedArray.appendLittleEndian(values, to: &data)
            return try data.withUnsafeBytes(body)
        #endif
    }
}
