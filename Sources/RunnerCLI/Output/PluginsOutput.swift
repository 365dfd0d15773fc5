import Foundation
import RunnerModel
import RunnerSpec

/// What `runner plugins` prints: every plugin with its parameters, and the fixed config fields.
public enum PluginsOutput {
    /// The listing.
    public static func text(registry: PluginRegistry = .standard) -> String {
        let schema = ConfigSchema(registry: registry)
        var lines: [String] = []
        func section(_ title: String, _ plugins: [any Plugin], where place: String) {
            lines.append("\(title) (parameters go in \(place)):")
            for plugin in plugins {
                lines.append("  \(plugin.name): \(plugin.summary)")
                lines += parameters(plugin.parameters, indent: "      ")
            }
            lines.append("")
        }
        section("tasks", registry.tasks, where: "the task section, beside \"plugin\"")
        section("losses", registry.losses, where: "the training section")
        section("optimizers", registry.optimizers, where: "the training section, beside learningRate")
        lines.append("config fields every trial has:")
        for section in ConfigSection.allCases {
            lines.append("  \(section.rawValue):")
            lines += parameters(schema.fields(of: section.rawValue), indent: "      ")
        }
        lines.append("  seed:")
        lines += parameters([schema.seedField], indent: "      ")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func parameters(_ specs: [ParameterSpec], indent: String) -> [String] {
        guard !specs.isEmpty else { return [indent + "(no parameters)"] }
        let nameWidth = specs.map(\.name.count).max() ?? 0
        let typeWidth = specs.map(\.typeDescription.count).max() ?? 0
        return specs.map { spec in
            let name = spec.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let type = spec.typeDescription.padding(toLength: typeWidth, withPad: " ", startingAt: 0)
            return "\(indent)\(name)  \(type)  default \(spec.defaultDescription). \(spec.help)"
        }
    }
}
