import Crypto
import Foundation

/// Lowercase hex digests: run ids, checkpoint payloads, curves and spec texts all print their
/// SHA-256 this way.
public enum Digest {
    /// The lowercase hex SHA-256 of `data`.
    ///
    /// - Parameter data: The bytes to hash.
    /// - Returns: 64 hex digits.
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Lowercase hex of a digest (or any bytes).
    public static func hex(_ digest: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
