import Crypto
import Dispatch
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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
    /// `debug` or `release`, and the target CPU level (`release x86-64-v3`, `release x86-64-v4`).
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
        #if LSTM_MARCH_X86_64_V4
            return configuration + " x86-64-v4"
        #elseif LSTM_MARCH_X86_64_V3
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

    /// Starts working out ``current`` on another thread, so that the git lookups it runs overlap
    /// what the caller does meanwhile (loading and planning specs); the first use of ``current``
    /// waits for them.
    public static func prefetch() {
        DispatchQueue.global(qos: .userInitiated).async { _ = current }
    }

    /// The standard output of `git -C directory arguments...`, or `nil` when git cannot be run or
    /// fails.
    ///
    /// Spawned with `posix_spawnp` (git found on `PATH`) and reaped with `waitpid`: Foundation's
    /// `Process` polls for the child's exit every 50 ms, which made each call take up to 50 ms
    /// more than git does.
    static func git(_ arguments: [String], in directory: URL) -> String? {
        run(["git", "-C", directory.path] + arguments)
    }

    /// The standard output of `command` (its first element found on `PATH`), its standard input
    /// and error `/dev/null`; `nil` when it cannot be started or exits with a status other than 0.
    static func run(_ command: [String]) -> String? {
        var pipeEnds: [Int32] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return nil }
        let (readEnd, writeEnd) = (pipeEnds[0], pipeEnds[1])
        // Neither end leaks into other children (the child gets the write end as its fd 1).
        _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
        _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
        defer { close(readEnd) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let spawned = spawn(command, searchingPath: true, actions: &actions)
        close(writeEnd)
        guard let pid = spawned else { return nil }
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, $0.count) }
            if count > 0 {
                output += buffer[0..<count]
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return nil }
        }
        // Exited (not killed by a signal) with status 0: WIFEXITED and WEXITSTATUS, which are macros.
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }

    /// Starts `command` with this process's environment and the given file actions, without
    /// waiting for it (`posix_spawnp` when `searchingPath`: its first element is looked for on `PATH`).
    ///
    /// - Returns: the child's pid; `nil` when it could not be started.
    package static func spawn(
        _ command: [String], searchingPath: Bool, actions: inout posix_spawn_file_actions_t
    ) -> pid_t? {
        let environment = ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }
        var argv: [UnsafeMutablePointer<CChar>?] = command.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv + envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status =
            searchingPath
            ? posix_spawnp(&pid, command[0], &actions, nil, &argv, &envp)
            : posix_spawn(&pid, command[0], &actions, nil, &argv, &envp)
        return status == 0 ? pid : nil
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
