import Crypto
import Foundation
import LSTMCore
import RunnerModel

extension ConfigSchema {
    /// Validates one trial's config tree and fills in the defaults.
    ///
    /// - Parameters:
    ///   - tree: the sections `task`, `model`, `training`, `stop` and `seed` (missing sections
    ///     take their defaults).
    ///   - file: the file to name in errors.
    ///   - keyPathPrefix: prepended to key paths in errors.
    /// - Returns: the resolved config.
    /// - Throws: ``SpecError`` for the first problem found, sections in canonical order.
    public func resolve(_ tree: [String: ConfigValue], file: String, keyPathPrefix: String = "") throws(SpecError)
        -> TrialConfig
    {
        func specError(_ problem: FieldProblem, _ path: String) -> SpecError {
            SpecError(problem.code, file: file, keyPath: keyPathPrefix + path + problem.subPath, problem.text)
        }
        func fields(_ section: String) throws(SpecError) -> [String: ConfigValue] {
            switch tree[section] {
            case nil: return [:]
            case .object(let fields): return fields
            case let other?:
                throw SpecError(
                    .wrongType,
                    file: file,
                    keyPath: keyPathPrefix + section,
                    "is \(other.shortDescription) (\(other.kindDescription)); it must be a dictionary of fields."
                )
            }
        }
        func plugin(_ section: String, _ key: String, _ values: [String: ConfigValue]) throws(SpecError) -> String {
            guard let spec = self.fields(of: section).first(where: { $0.name == key }) else { return "" }
            do {
                return try resolveField(spec, values[key]).flatMap(\.textValue) ?? ""
            } catch {
                throw specError(error, "\(section).\(key)")
            }
        }
        func resolveSection(_ section: String, plugins: [String: String]) throws(SpecError) -> PluginParameters {
            let given = try fields(section)
            let declared = self.fields(of: section, plugins: plugins)
            for key in given.keys.sorted() where !declared.contains(where: { $0.name == key }) {
                throw unknownKey(
                    key, section: section, declared: declared, plugins: plugins, file: file, prefix: keyPathPrefix)
            }
            var values: [String: ParameterValue] = [:]
            for spec in declared {
                do {
                    values[spec.name] = try resolveField(spec, given[spec.name])
                } catch {
                    throw specError(error, "\(section).\(spec.name)")
                }
            }
            return PluginParameters(values)
        }

        for key in tree.keys.sorted() where !Self.sections.contains(key) {
            let hint = Suggestion.nearest(to: key, in: Self.sections).map { " Did you mean \($0)?" } ?? ""
            throw SpecError(
                .unknownKey,
                file: file,
                keyPath: keyPathPrefix + key,
                "is not a known section; a trial config has \(Self.sections.joined(separator: ", ")).\(hint)"
            )
        }
        let training = try fields("training")
        let trainingPlugins = [
            "optimizer": try plugin("training", "optimizer", training),
            "loss": try plugin("training", "loss", training),
        ]
        let taskPlugins = ["plugin": try plugin("task", "plugin", try fields("task"))]
        let model = try resolveSection("model", plugins: [:])
        let seed: Int
        do {
            seed = try resolveField(seedField, tree["seed"])?.intValue ?? 0
        } catch {
            throw specError(error, "seed")
        }
        let stop = try resolveSection("stop", plugins: [:])
        var task = try resolveSection("task", plugins: taskPlugins)
        let trainingSection = try resolveSection("training", plugins: trainingPlugins)
        let evaluation = try resolveSection("evaluation", plugins: [:])
        // A generator task given a batch size and no number of samples streams: fresh sequences
        // every iteration instead of its fixed set (whose size the default would fill in).
        if trainingSection.values["batchSize"] != nil, (try fields("task"))["samples"] == nil {
            task.values["samples"] = nil
        }
        var config = TrialConfig(
            task: task, model: model, training: trainingSection, stop: stop, evaluation: evaluation, seed: seed)
        if let plugin = registry.task(named: config.taskPlugin) {
            do {
                config.task = try plugin.canonicalize(config.task)
            } catch {
                throw SpecError(
                    .outOfRange, file: file, keyPath: keyPathPrefix + "task." + (error.keyPath ?? "path"),
                    "names \(error.file), which cannot be used: \(error.message)")
            }
        }
        try checkForm(of: config, file: file, keyPathPrefix: keyPathPrefix)
        try checkMemory(of: config, file: file, keyPathPrefix: keyPathPrefix)
        return config
    }

    /// How a config trains: on minibatches with held-out data when it sets `training.batchSize`
    /// or its task or loss exists only in that form; full batch, as before minibatches existed,
    /// otherwise.
    public func trainsOnMinibatches(_ config: TrialConfig) -> Bool {
        guard let task = registry.task(named: config.taskPlugin), let loss = registry.loss(named: config.lossName)
        else { return false }
        return config.batchSize != nil || !task.forms.contains(.fullBatch) || !loss.hasFullBatchForm
    }

    /// Refuses a config whose task, loss and training form do not fit together.
    private func checkForm(of config: TrialConfig, file: String, keyPathPrefix: String) throws(SpecError) {
        guard let task = registry.task(named: config.taskPlugin), let loss = registry.loss(named: config.lossName)
        else { return }
        func refuse(_ path: String, _ text: String) -> SpecError {
            SpecError(.outOfRange, file: file, keyPath: keyPathPrefix + path, text)
        }
        guard trainsOnMinibatches(config) else {
            if let key = config.evaluation.values.keys.sorted().first {
                throw refuse(
                    "evaluation.\(key)",
                    "is set, but \(config.taskPlugin) trained full batch has no held-out data; set training.batchSize "
                        + "(with a task that has minibatches) or remove the evaluation section.")
            }
            if let problem = loss.mismatch(with: .values(1)) {
                throw refuse("training.loss", "is \(config.lossName), which \(problem).")
            }
            return
        }
        let reason: String
        if config.batchSize != nil {
            reason = "training.batchSize is set"
        } else if !loss.hasFullBatchForm {
            reason = "the loss \(config.lossName) trains only on minibatches"
        } else {
            reason = "the task trains only on minibatches"
        }
        guard task.forms.contains(.minibatch) else {
            throw refuse(
                "task.plugin",
                "is \(config.taskPlugin), which trains only full batch, but \(reason); remove training.batchSize "
                    + "or choose a task with minibatches (adding, copy-memory, dataset, text, ...).")
        }
        guard loss.batchLoss(config.training) != nil else {
            throw refuse(
                "training.loss",
                "is \(config.lossName), which has no minibatch form, but \(reason); choose mse or cross-entropy.")
        }
        if let problem = loss.mismatch(with: task.output(config.task)) {
            throw refuse("training.loss", "is \(config.lossName), which \(problem).")
        }
    }

    /// The memory one trial of `config` needs while it trains: its network (parameters, gradient,
    /// optimizer state, activations of every step of every sequence), its data, and the initial
    /// and final parameters it keeps.
    public func footprint(of config: TrialConfig) -> LSTMNetwork.Footprint {
        let task = registry.task(named: config.taskPlugin)
        let loss = registry.loss(named: config.lossName)
        let shape = task?.trainingSetShape(config.task)
        let readout: Int
        var sequences = shape?.sequenceCount ?? 0
        if trainsOnMinibatches(config) {
            let outputs = task?.output(config.task).size ?? 1
            readout =
                loss?.batchLoss(config.training)?.readoutSize(hiddenSize: config.hiddenSize, outputSize: outputs) ?? 0
            // The network holds the activations of one batch; the data are the fixed set or the held-out sets.
            sequences = config.batchSize ?? sequences
        } else {
            readout = loss?.makeLoss(config.training).readoutSize(hiddenSize: config.hiddenSize) ?? 0
        }
        return LSTMNetwork.Footprint(
            inputSize: task?.inputSize(config.task) ?? 0,
            hiddenSize: config.hiddenSize,
            readoutSize: readout,
            sequenceCount: sequences,
            sequenceLength: shape?.sequenceLength ?? 0,
            optimizerArrays: registry.optimizer(named: config.optimizerName)?.stateArrays ?? 2,
            extraParameterCopies: 2
        )
    }

    /// Refuses a config whose trial cannot fit in ``memoryLimit`` bytes, naming the sizes.
    private func checkMemory(of config: TrialConfig, file: String, keyPathPrefix: String) throws(SpecError) {
        let footprint = footprint(of: config)
        let needed = footprint.bytes
        if let needed, needed <= memoryLimit { return }
        let parameters = footprint.parameterBytes
        let activations = footprint.activationBytes
        let modelDominates = (parameters ?? .max) >= (activations ?? .max)
        let sizes =
            "X = \(footprint.inputSize), H = \(footprint.hiddenSize), N = \(footprint.sequenceCount) "
            + "sequence\(footprint.sequenceCount == 1 ? "" : "s") of T = \(footprint.sequenceLength) steps"
        throw SpecError(
            .outOfRange,
            file: file,
            keyPath: keyPathPrefix + (modelDominates ? "model.hiddenSize" : "task"),
            (modelDominates
                ? "is \(footprint.hiddenSize)"
                : "is \(config.taskPlugin) with N·T = "
                    + "\(footprint.sequenceCount)·\(footprint.sequenceLength) steps")
                + " (\(sizes)): one trial needs \(Self.bytesText(needed)) of memory (parameters, gradient and "
                + "optimizer state \(Self.bytesText(parameters)), activations and data \(Self.bytesText(activations))), "
                + "more than this machine's \(Self.bytesText(memoryLimit)); make the model or the data smaller."
        )
    }

    /// `3.2 TB`: decimal units, three significant digits; `nil` is more than an `Int` holds.
    package static func bytesText(_ bytes: Int?) -> String {
        guard let bytes else { return "more than 9.2 EB" }
        let units = ["bytes", "KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1000 && unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return unit == 0 ? "\(bytes) bytes" : String(format: "%.3g", value) + " " + units[unit]
    }

    private func resolveField(_ spec: ParameterSpec, _ value: ConfigValue?) throws(FieldProblem) -> ParameterValue? {
        guard let value, value != .null else {
            switch spec.requirement {
            case .defaulted(let value): return value
            case .optional, .implied: return nil
            case .required:
                throw FieldProblem(
                    code: .missingKey, text: "is missing; add it (\(spec.typeDescription): \(spec.help)).")
            }
        }
        let validated = try spec.validate(value)
        if case .implied(let implied) = spec.requirement, validated == implied { return nil }
        return validated
    }

    private func unknownKey(
        _ key: String,
        section: String,
        declared: [ParameterSpec],
        plugins: [String: String],
        file: String,
        prefix: String
    ) -> SpecError {
        let path = "\(prefix)\(section).\(key)"
        let known = declared.map(\.name).sorted().joined(separator: ", ")
        // A parameter of a plugin other than the chosen one gets a precise hint.
        let owners: [(kind: String, field: String, name: String)] =
            registry.tasks.filter { $0.parameters.contains { $0.name == key } }.map { ("task", "plugin", $0.name) }
            + registry.optimizers.filter { $0.parameters.contains { $0.name == key } }.map {
                ("optimizer", "optimizer", $0.name)
            }
            + registry.losses.filter { $0.parameters.contains { $0.name == key } }.map { ("loss", "loss", $0.name) }
        if let owner = owners.first(where: { _ in true }), plugins[owner.field] != owner.name {
            return SpecError(
                .unknownKey,
                file: file,
                keyPath: path,
                "is a parameter of the \(owner.kind) \"\(owner.name)\", but \(section).\(owner.field) is "
                    + "\"\(plugins[owner.field] ?? "")\"; remove it or choose that \(owner.kind)."
            )
        }
        let hint = Suggestion.nearest(to: key, in: declared.map(\.name)).map { " Did you mean \(section).\($0)?" } ?? ""
        return SpecError(
            .unknownKey, file: file, keyPath: path, "is not a known key.\(hint) Known keys in \(section): \(known).")
    }
}
