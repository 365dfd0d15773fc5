import LSTMCore
import RunnerModel

extension ExperimentSpec {
    /// The trial a search suggests: the base config with each dimension's path set.
    ///
    /// - Parameters:
    ///   - index: its trial number (from 0).
    ///   - values: one value per dimension of ``searchDimensions``.
    /// - Returns: the trial, its run id that of its config.
    /// - Throws: ``SpecError`` when the values make an invalid config.
    public func searchTrial(index: Int, values: [ConfigValue]) throws(SpecError) -> PlannedTrial {
        let dimensions = searchDimensions
        var tree = base
        for (dimension, value) in zip(dimensions, values) {
            Self.set(value, at: dimension.path, in: &tree)
        }
        let label = zip(dimensions, values).map { "\($0.path)=\($1.shortDescription)" }.joined(separator: ", ")
        let config = try schema.resolve(tree, file: "\(file) (trial \(index): \(label))")
        var swept: [String: ParameterValue] = [:]
        for path in sweptPaths {
            swept[path] = config.value(at: path)
        }
        return PlannedTrial(index: index, config: config, runID: config.runID, swept: swept)
    }
}
