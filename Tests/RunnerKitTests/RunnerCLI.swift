import Foundation

/// Runs the built `runner` executable in tests: end-to-end checks of exit codes and output.
enum RunnerCLI {
    /// The package's root folder (this file is Tests/RunnerKitTests/RunnerCLI.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `RUNNER_BINARY` if set, else the debug build `swift build --build-tests` makes.
    static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["RUNNER_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.appendingPathComponent(".build/debug/runner")
    }

    /// Starts `runner` (or another build of the command line) with output to files in
    /// `directory` (so neither pipe can fill up).
    static func start(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], binary: URL = binary
    ) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var merged = ProcessInfo.processInfo.environment
        merged.merge(environment) { _, new in new }
        process.environment = merged
        let id = UUID().uuidString
        let out = directory.appendingPathComponent(".stdout-\(id)")
        let err = directory.appendingPathComponent(".stderr-\(id)")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        outputs.withLock { $0[ObjectIdentifier(process)] = (out, err) }
        try process.run()
        return process
    }

    /// What a started process wrote, once it has exited.
    static func output(of process: Process) -> (stdout: String, stderr: String) {
        guard let (out, err) = outputs.withLock({ $0[ObjectIdentifier(process)] }) else { return ("", "") }
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(at: out)
        try? FileManager.default.removeItem(at: err)
        return (stdout, stderr)
    }

    /// Runs `runner` to the end.
    static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], binary: URL = binary
    ) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = try start(arguments, in: directory, environment: environment, binary: binary)
        process.waitUntilExit()
        let (stdout, stderr) = output(of: process)
        return (process.terminationStatus, stdout, stderr)
    }

    private static let outputs = Locked([ObjectIdentifier: (URL, URL)]())
}

/// A value behind a lock, for test helpers.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private var value: Value
    private let lock = NSLock()

    init(_ value: Value) {
        self.value = value
    }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

/// Writes a spec file into `directory` and returns its path.
func writeSpec(_ text: String, named name: String = "spec.json", in directory: URL) throws -> String {
    let url = directory.appendingPathComponent(name)
    try Data(text.utf8).write(to: url)
    return url.path
}

/// A tiny spec that trains fast even in a debug build.
///
/// - Parameters:
///   - name: the experiment's name.
///   - sweep: the `sweep` section as JSON text, if any.
///   - extra: more top-level sections as JSON text (`"stop": {...}`); a `task`, `model` or
///     `training` section given here is merged over the defaults field by field.
///   - iterations: `training.iterations`.
/// - Returns: the spec as JSON text.
func tinySpec(name: String = "tiny", sweep: String = "", extra: String = "", iterations: Int = 30) -> String {
    var spec: [String: Any] = [
        "name": name,
        "task": ["plugin": "sequence", "inputSize": 3, "targets": [0.3, -0.2, 0.1]],
        "model": ["hiddenSize": 5],
        "training": ["iterations": iterations, "learningRate": 0.5],
    ]
    if !extra.isEmpty, let data = "{\(extra)}".data(using: .utf8),
        let more = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    {
        for (key, value) in more {
            if var section = spec[key] as? [String: Any], let fields = value as? [String: Any] {
                if key == "task", fields["plugin"] != nil { section = [:] }
                section.merge(fields) { _, new in new }
                spec[key] = section
            } else {
                spec[key] = value
            }
        }
    }
    if !sweep.isEmpty, let data = sweep.data(using: .utf8), let value = try? JSONSerialization.jsonObject(with: data) {
        spec["sweep"] = value
    }
    let data = (try? JSONSerialization.data(withJSONObject: spec, options: [.sortedKeys])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}
