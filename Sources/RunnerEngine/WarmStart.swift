import Foundation
import LSTMCore
import RunnerFiles
import RunnerModel
import RunnerSpec
import RunnerStore

/// Resolves `model.init`: trials that start from a finished run, a checkpoint file or an `.npz`
/// instead of random weights. The data still come from the trial's own seed.
///
/// A run is identified by what its init resolves to, not by how the spec names it: the canonical
/// config (and so the run id) carries the full run id for a run reference (`"7c1a"` and
/// `"7c1a2b3c4d5e"` are one run) and `sha256:` and the SHA-256 of the file's bytes for a file (the
/// same file under another path is the same run; a file overwritten with other weights is another
/// run). Configs recorded before this (a path, or a run-id prefix, as written in the spec) still
/// resolve as they did.
package struct WarmStart: Sendable {
    /// The database run references are looked up in; `nil` when there is none yet.
    package var store: ResultStore?
    package var registry: PluginRegistry

    /// What a canonical file init starts with, before the digest.
    package static let digestPrefix = "sha256:"

    /// A source's parameters and the text the canonical config carries for it.
    package struct Resolved {
        /// The full run id, or `sha256:` and the file's digest.
        package var canonical: String
        /// The initial parameters.
        package var parameters: LSTMParameters
    }

    /// Whether `source` names a file rather than a run.
    package static func isFile(_ source: String) -> Bool {
        source.hasSuffix(".npz") || source.hasSuffix(".ckpt.gz")
    }

    /// The trials with `model.init` replaced by what it resolves to (and their run ids computed
    /// from that), and the initial state of each trial that names one, checked before anything runs.
    ///
    /// Trials that come to share a run id (`"7c1a"` and its full id) are kept once, the first.
    ///
    /// - Parameters:
    ///   - trials: trials as the spec gives them.
    ///   - file: the spec file that errors name (else the database, or the run).
    /// - Returns: the trials, and the initial states by their new run ids.
    /// - Throws: ``SpecError`` naming `model.init` when a source cannot be read or its shapes
    ///   differ from the trial's.
    package func canonicalize(_ trials: [PlannedTrial], file: String? = nil) throws(SpecError) -> (
        trials: [PlannedTrial], states: [String: InitialState]
    ) {
        do {
            return try canonicalizing(trials)
        } catch {
            // Named by the spec that gives the init (the database is in the message when it matters).
            guard let file else { throw error }
            var named = error
            named.file = file
            throw named
        }
    }

    private func canonicalizing(_ trials: [PlannedTrial]) throws(SpecError) -> (
        trials: [PlannedTrial], states: [String: InitialState]
    ) {
        var cache: [String: Resolved] = [:]
        var result: [PlannedTrial] = []
        var seen: Set<String> = []
        var states: [String: InitialState] = [:]
        for var trial in trials {
            if let source = trial.config.initSource {
                let resolved: Resolved
                if let cached = cache[source] {
                    resolved = cached
                } else {
                    resolved = try load(source)
                    cache[source] = resolved
                }
                trial.config.model.values["init"] = .text(resolved.canonical)
                trial.runID = trial.config.runID
                guard seen.insert(trial.runID).inserted else { continue }
                states[trial.runID] = try state(of: trial, parameters: resolved.parameters, source: source)
            } else {
                guard seen.insert(trial.runID).inserted else { continue }
            }
            result.append(trial)
        }
        return (result, states)
    }

    /// The initial state of a recorded run that names `model.init`, or `nil` when it names none.
    ///
    /// - Parameters:
    ///   - trial: the run, its config as recorded.
    ///   - candidates: the files that may hold a recorded digest's content (the `model.init`
    ///     values of the specs the run was registered by).
    /// - Returns: the parameters from the init source and the data from the trial's seed.
    /// - Throws: ``SpecError`` naming `model.init` when the source cannot be read, no candidate
    ///   has the recorded digest, or the shapes differ.
    package func recordedState(of trial: PlannedTrial, candidates: [String]) throws(SpecError) -> InitialState? {
        guard let source = trial.config.initSource else { return nil }
        guard source.hasPrefix(Self.digestPrefix) else {
            // A full run id, or a path or prefix recorded by an earlier version.
            return try state(of: trial, parameters: try load(source).parameters, source: source)
        }
        var looked: [String] = []
        for candidate in candidates where Self.isFile(candidate) && !looked.contains(candidate) {
            looked.append(candidate)
            if let resolved = try? load(candidate), resolved.canonical == source {
                return try state(of: trial, parameters: resolved.parameters, source: candidate)
            }
        }
        throw SpecError(
            .outOfRange,
            file: "run \(trial.runID)",
            keyPath: "model.init",
            "is the file with SHA-256 \(source.dropFirst(Self.digestPrefix.count).prefix(12)), and "
                + (looked.isEmpty
                    ? "its experiment's spec names no such file"
                    : "none of the files its experiment's spec names (\(looked.joined(separator: ", "))) holds it now")
                + "; put the file it started from back in place."
        )
    }

    /// The trial's initial state with `parameters`, after checking their shapes.
    private func state(of trial: PlannedTrial, parameters: LSTMParameters, source: String) throws(SpecError)
        -> InitialState
    {
        var state = Trial(config: trial.config, registry: registry).initialState()
        guard parameters.hasSameShape(as: state.parameters) else {
            let want = state.parameters
            throw SpecError(
                .outOfRange,
                file: "run \(trial.runID)",
                keyPath: "model.init",
                "is \"\(source)\", whose parameters have X=\(parameters.inputSize), H=\(parameters.hiddenSize), "
                    + "R=\(parameters.readoutSize); the trial needs X=\(want.inputSize), H=\(want.hiddenSize), "
                    + "R=\(want.readoutSize)."
            )
        }
        state.parameters = parameters
        return state
    }

    /// The parameters a source names and its canonical text: a `.ckpt.gz` file, an `.npz` file
    /// (each read once: the digest is of the bytes the parameters come from), or a run id (prefix).
    package func load(_ source: String) throws(SpecError) -> Resolved {
        let file = store?.path ?? "(no results database)"
        func failure(_ text: String) -> SpecError {
            SpecError(.outOfRange, file: file, keyPath: "model.init", "is \"\(source)\"; \(text)")
        }
        do {
            if Self.isFile(source) {
                let data: Data
                do {
                    data = try POSIXFile.readAll(source)
                } catch {
                    throw failure(error.summary)
                }
                let canonical = Self.digestPrefix + Digest.sha256Hex(data)
                let parameters =
                    source.hasSuffix(".npz")
                    ? try NPZ.parameters(data: data, file: source)
                    : try Checkpoint.decode(data, file: source).parameters()
                return Resolved(canonical: canonical, parameters: parameters)
            }
            var isDirectory: ObjCBool = false
            if !(1...12).contains(source.count) || !source.allSatisfy(\.isHexDigit),
                FileManager.default.fileExists(atPath: source, isDirectory: &isDirectory)
            {
                throw failure(
                    "it is a \(isDirectory.boolValue ? "folder" : "file") whose name ends in neither .ckpt.gz nor .npz; "
                        + "model.init takes a run id, a .ckpt.gz checkpoint or an .npz file.")
            }
            guard let store else {
                throw failure("no run id starts with \"\(source)\": there is no results database yet.")
            }
            let run = try store.run(source)
            return Resolved(canonical: run.id, parameters: try store.finalCheckpoint(of: run).parameters())
        } catch let error as SpecError {
            throw error
        } catch let error as StoreError {
            throw failure((store.map { "in \($0.path), " } ?? "") + error.problem)
        } catch {
            throw failure("\(error)")
        }
    }
}

extension PlannedTrial {
    /// Trials with `model.init` resolved as `runner run` records them (see ``WarmStart``), for
    /// `runner run --dry-run`.
    ///
    /// - Parameters:
    ///   - trials: trials as the spec gives them.
    ///   - store: the database run references are looked up in, if there is one.
    ///   - registry: where plugins come from.
    ///   - file: the spec file that errors name (else the database, or the run).
    /// - Returns: the trials with their recorded run ids.
    /// - Throws: ``SpecError`` naming `model.init` when a source cannot be used.
    public static func resolvingInit(
        _ trials: [PlannedTrial],
        store: ResultStore?,
        registry: PluginRegistry = .standard,
        file: String? = nil
    ) throws(SpecError) -> [PlannedTrial] {
        try WarmStart(store: store, registry: registry).canonicalize(trials, file: file).trials
    }
}
