import Foundation
import RunnerModel

extension ExperimentSpec {
    /// What makes two specs of one name the same experiment, as a tree: `config`, the base config
    /// with every default filled in and the swept fields left out, and `sweep`, each axis's values
    /// as validated (keyed by its paths, comma-separated).
    ///
    /// Two specs with the same tree make the same trials in the same order, whatever their
    /// format (`.json` or `.plist`), layout, key order, or how a value is written (`0.5` or
    /// `5e-1`, a `range` or the list it makes). The name, description and checkpoint settings
    /// are not part of it: they do not change what is trained. `search` and `pruning` are, where
    /// a spec has them: they decide which trials exist and how far each trains.
    public var identityTree: ConfigValue {
        var sections: [String: ConfigValue] = [:]
        if let base = try? schema.resolve(base, file: file), case .object(let tree) = base.canonicalTree {
            sections = tree
        }
        for path in sweptPaths {
            if let parsed = ConfigPath(path), let name = parsed.section?.rawValue,
                case .object(var fields)? = sections[name]
            {
                fields[parsed.key] = nil
                sections[name] = .object(fields)
            } else {
                sections[path] = nil
            }
        }
        var sweep: [String: ConfigValue] = [:]
        for axis in axes {
            let columns = axis.paths.enumerated().map { column, path in
                axis.values.map { point in normalized(point[column], at: path) }
            }
            sweep[axis.paths.joined(separator: ",")] =
                columns.count == 1 ? .array(columns[0]) : .array(columns.map(ConfigValue.array))
        }
        var identity: [String: ConfigValue] = ["config": .object(sections), "sweep": .object(sweep)]
        // Only where present: the identity of a spec without them is what it always was.
        if let search { identity["search"] = search.tree }
        if let pruning { identity["pruning"] = pruning.tree }
        return .object(identity)
    }

    /// A sweep value as its field validates it (`1` and `1.0` alike for a number field).
    private func normalized(_ value: ConfigValue, at path: String) -> ConfigValue {
        guard let field = schema.field(at: path), let valid = try? field.validate(value) else { return value }
        return valid.configValue
    }

    /// The first place where two identity trees differ, for messages: its path
    /// (`training.iterations`, `sweep.seed`) and both values (`nil` where one has none).
    ///
    /// - Parameters:
    ///   - recorded: one tree (see ``identityTree``).
    ///   - given: the other.
    /// - Returns: `nil` when they are equal.
    public static func firstDifference(_ recorded: ConfigValue, _ given: ConfigValue) -> (
        path: String, recorded: ConfigValue?, given: ConfigValue?
    )? {
        func walk(_ left: ConfigValue?, _ right: ConfigValue?, _ path: String) -> (String, ConfigValue?, ConfigValue?)?
        {
            guard left != right else { return nil }
            guard case .object(let a)? = left, case .object(let b)? = right else { return (path, left, right) }
            for key in Set(a.keys).union(b.keys).sorted() {
                let child = path.isEmpty ? key : "\(path).\(key)"
                if let found = walk(a[key], b[key], child) { return found }
            }
            return nil
        }
        guard let (path, left, right) = walk(recorded, given, "") else { return nil }
        let shown = path.hasPrefix("config.") ? String(path.dropFirst("config.".count)) : path
        return (shown, left, right)
    }
}
