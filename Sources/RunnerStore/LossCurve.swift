import Crypto
import Foundation
import RunnerModel

/// A run's per-iteration losses as stored in `curves.losses`: little-endian float64, one per
/// iteration, in order (NumPy: `np.frombuffer(blob, dtype="<f8")`).
public enum LossCurve {
    /// The blob for some losses.
    public static func encode(_ losses: [Double]) -> Data {
        var data = Data(capacity: losses.count * 8)
        for loss in losses {
            withUnsafeBytes(of: loss.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// The losses in a blob; `nil` when its length is not a multiple of 8.
    public static func decode(_ data: Data) -> [Double]? {
        guard data.count % 8 == 0 else { return nil }
        // One pass over the bytes (a report decodes thousands of curves).
        return data.withUnsafeBytes { bytes in
            (0..<bytes.count / 8).map { index in
                Double(
                    bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)))
            }
        }
    }

    /// The lowercase hex SHA-256 of a curve's blob: the digest `verify` compares.
    public static func sha256(_ blob: Data) -> String {
        Digest.sha256Hex(blob)
    }
}
