/// The validated parameters of one plugin (or one config section), by name.
///
/// Values have passed their ``ParameterSpec``'s checks and defaults are filled in, so a plugin
/// can read the parameters it declared without further checks.
public struct PluginParameters: Hashable, Sendable {
    /// The values, by parameter name.
    public var values: [String: ParameterValue]

    /// Wraps validated values.
    public init(_ values: [String: ParameterValue]) {
        self.values = values
    }

    /// A declared integer parameter.
    public func integer(_ name: String) -> Int {
        guard let value = values[name]?.intValue else { preconditionFailure("undeclared integer parameter \(name)") }
        return value
    }

    /// A declared number parameter.
    public func number(_ name: String) -> Double {
        guard let value = values[name]?.doubleValue else { preconditionFailure("undeclared number parameter \(name)") }
        return value
    }

    /// A declared optional number parameter.
    public func optionalNumber(_ name: String) -> Double? {
        values[name]?.doubleValue
    }

    /// A declared list parameter.
    public func numbers(_ name: String) -> [Double] {
        guard let value = values[name]?.numbersValue else { preconditionFailure("undeclared list parameter \(name)") }
        return value
    }

    /// A declared text or choice parameter.
    public func text(_ name: String) -> String {
        guard let value = values[name]?.textValue else { preconditionFailure("undeclared text parameter \(name)") }
        return value
    }
}
