/// A section of a trial config: the fields beside the top-level `seed`.
public enum ConfigSection: String, CaseIterable, Sendable, Comparable {
    /// `plugin` and the task plugin's parameters.
    case task
    /// `hiddenSize`, `cellOutput`, `init`, `initScale`, `forgetBias`.
    case model
    /// `iterations`, `learningRate`, `optimizer`, `loss`, `clipNorm`, `batchSize` and the
    /// optimizer's and loss's parameters.
    case training
    /// `every`, `samples`, `validationFraction`, `testFraction`, `seed`: the held-out data.
    case evaluation
    /// `targetLoss`, `patience`.
    case stop

    /// The name of the top-level field beside the sections.
    public static let seedKey = "seed"

    /// Every top-level key a config may have, sorted (the order of the canonical form).
    public static let topLevelKeys = (allCases.map(\.rawValue) + [seedKey]).sorted()

    /// Sections order as their names sort (the canonical form's order).
    public static func < (lhs: ConfigSection, rhs: ConfigSection) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A dotted path to one field of a trial config: `model.hiddenSize`, `task.frequency`, `seed`.
public struct ConfigPath: Hashable, Sendable, CustomStringConvertible {
    /// The section, or `nil` for the top-level `seed`.
    public var section: ConfigSection?
    /// The field's key within its section (`seed` at the top level).
    public var key: String

    /// The path of a field in a section.
    public init(_ section: ConfigSection, _ key: String) {
        self.section = section
        self.key = key
    }

    /// The top-level `seed`.
    public static let seed = ConfigPath(section: nil, key: ConfigSection.seedKey)

    private init(section: ConfigSection?, key: String) {
        self.section = section
        self.key = key
    }

    /// Parses `section.key` or `seed`; `nil` for anything else (an unknown section, no key, more
    /// than one dot).
    public init?(_ text: String) {
        if text == ConfigSection.seedKey {
            self = .seed
            return
        }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let section = ConfigSection(rawValue: String(parts[0])), !parts[1].isEmpty else {
            return nil
        }
        self.init(section: section, key: String(parts[1]))
    }

    /// `model.hiddenSize`, `seed`.
    public var description: String {
        section.map { "\($0.rawValue).\(key)" } ?? key
    }
}
