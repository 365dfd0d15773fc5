import Crypto
import Foundation

/// Where and with what a run was trained: what reproducing it bit for bit depends on.
public struct RunEnvironment: Sendable, Equatable, Codable {
    /// The host name.
    public var host: String
    /// `git:<commit>` (with `+dirty.<hash of the diff>` when the checkout has changes) when the
    /// binary was built from a git checkout that is still there, else `exe:<SHA-256 of the
    /// executable>`.
    public var codeVersion: String
    /// The Swift compiler the binary was built with (`swift 6.3.1`).
    public var toolchain: String
    /// The operating system and kernel.
    public var os: String
    /// The CPU model.
    public var cpu: String
    /// `debug` or `release`, and the target CPU level (`release x86-64-v3`).
    public var buildConfig: String

    /// The environment of this process (computed once).
    public static let current = RunEnvironment(
        host: ProcessInfo.processInfo.hostName,
        codeVersion: codeVersion(),
        toolchain: toolchain(),
        os: operatingSystem(),
        cpu: cpuModel(),
        buildConfig: buildConfiguration()
    )

    /// No environment: what a read-only store holds, since it records no runs.
    package static let unrecorded = RunEnvironment(
        host: "", codeVersion: "", toolchain: "", os: "", cpu: "", buildConfig: "")

    /// The differences from another environment, as `field: ours vs theirs` texts.
    public func differences(from other: RunEnvironment) -> [String] {
        var result: [String] = []
        let pairs: [(String, String, String)] = [
            ("code", codeVersion, other.codeVersion), ("toolchain", toolchain, other.toolchain),
            ("build", buildConfig, other.buildConfig), ("cpu", cpu, other.cpu), ("os", os, other.os),
            ("host", host, other.host),
        ]
        for (name, mine, theirs) in pairs where mine != theirs {
            result.append("\(name): \(theirs) then, \(mine) now")
        }
        return result
    }

    package static func buildConfiguration() -> String {
        #if DEBUG
            let configuration = "debug"
        #else
            let configuration = "release"
        #endif
        #if LSTM_MARCH_X86_64_V3
            return configuration + " x86-64-v3"
        #elseif arch(x86_64)
            return configuration + " x86-64"
        #elseif arch(arm64)
            return configuration + " arm64"
        #else
            return configuration
        #endif
    }

    package static func toolchain() -> String {
        #if compiler(>=6.5)
            return "swift >= 6.5"
        #elseif compiler(>=6.4)
            return "swift 6.4"
        #elseif compiler(>=6.3.2)
            return "swift 6.3.2+"
        #elseif compiler(>=6.3.1)
            return "swift 6.3.1"
        #elseif compiler(>=6.3)
            return "swift 6.3"
        #elseif compiler(>=6.2)
            return "swift 6.2"
        #else
            return "swift < 6.2"
        #endif
    }

    package static func operatingSystem() -> String {
        var name = "Linux"
        if let release = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8),
            let line = release.split(separator: "\n").first(where: { $0.hasPrefix("PRETTY_NAME=") })
        {
            name = String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        var system = utsname()
        uname(&system)
        let kernel = withUnsafeBytes(of: &system.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let machine = withUnsafeBytes(of: &system.machine) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return "\(name), kernel \(kernel), \(machine)"
    }

    package static func cpuModel() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        let model = info.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { String($0.split(separator: ":", maxSplits: 1).last ?? "").trimmingCharacters(in: .whitespaces) }
        let flags = info.split(separator: "\n").first { $0.hasPrefix("flags") }.map(String.init) ?? ""
        let fma = flags.contains(" fma") ? ", fma" : ""
        let avx2 = flags.contains(" avx2") ? ", avx2" : ""
        return (model ?? "unknown") + avx2 + fma
    }

    /// The git commit of the checkout the binary was built from, or a hash of the executable.
    package static func codeVersion() -> String {
        // This file's path at build time: <root>/Sources/RunnerModel/RunEnvironment.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        if FileManager.default.fileExists(atPath: root.appendingPathComponent(".git").path),
            let commit = git(["rev-parse", "HEAD"], in: root)?.trimmingCharacters(in: .whitespacesAndNewlines),
            commit.count == 40
        {
            let diff = git(["diff", "HEAD", "--", "Sources", "Package.swift"], in: root) ?? ""
            if diff.isEmpty { return "git:\(commit)" }
            let hash = Digest.hex(SHA256.hash(data: Data(diff.utf8)).prefix(4))
            return "git:\(commit)+dirty.\(hash)"
        }
        if let executable = try? Data(contentsOf: URL(fileURLWithPath: "/proc/self/exe")) {
            return "exe:" + Digest.hex(SHA256.hash(data: executable).prefix(8))
        }
        return "unknown"
    }

    private static func git(_ arguments: [String], in directory: URL) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", directory.path] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            return nil
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return process.terminationStatus == 0 ? String(decoding: data, as: UTF8.self) : nil
    }

    /// Creates a value from all of its fields.
    public init(
        host: String,
        codeVersion: String,
        toolchain: String,
        os: String,
        cpu: String,
        buildConfig: String
    ) {
        self.host = host
        self.codeVersion = codeVersion
        self.toolchain = toolchain
        self.os = os
        self.cpu = cpu
        self.buildConfig = buildConfig
    }
}
