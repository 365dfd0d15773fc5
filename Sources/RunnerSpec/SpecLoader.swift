import Crypto
import Foundation
import RunnerModel

/// Reads experiment specs: JSON (`.json`) or XML property lists (`.plist`), one schema.
///
/// Loading validates everything before anything runs: the file's syntax, every section and
/// field, every sweep axis and each value on it, and every trial config of the grid. The first
/// problem becomes a ``SpecError`` naming the file, the key path and the value.
public struct SpecLoader: Sendable {
    /// The schema specs are checked against.
    public var schema: ConfigSchema
    /// The most trials a grid may have without `force`.
    public var trialLimit: Int

    /// Creates a loader.
    public init(schema: ConfigSchema = ConfigSchema(), trialLimit: Int = 1_000_000) {
        self.schema = schema
        self.trialLimit = trialLimit
    }

    /// The keys a spec file may have at its top level.
    public static let topLevelKeys =
        (ConfigSection.topLevelKeys + ["checkpoints", "description", "name", "pruning", "search", "sweep"])
        .sorted()

    /// Reads and validates a spec file.
    ///
    /// - Parameters:
    ///   - path: the file, as the user named it (used in messages).
    ///   - force: allow grids over ``trialLimit`` trials (up to ``Sweep/materializableTrials``).
    /// - Returns: the spec, its axes expanded.
    /// - Throws: ``SpecError``.
    public func load(path: String, force: Bool = false) throws(SpecError) -> ExperimentSpec {
        let url = URL(fileURLWithPath: path)
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            let reason = FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"
            throw SpecError(.unreadable, file: path, "the file \(reason); give the path of a .json or .plist spec.")
        }
        return try load(data: data, file: path, force: force)
    }

    /// Validates a spec from its bytes; the format comes from `file`'s extension.
    ///
    /// - Parameters:
    ///   - data: the file's contents.
    ///   - file: the file name (its extension picks the format).
    ///   - force: allow grids over ``trialLimit`` trials (up to ``Sweep/materializableTrials``).
    /// - Returns: the spec.
    /// - Throws: ``SpecError``.
    public func load(data: Data, file: String, force: Bool = false) throws(SpecError) -> ExperimentSpec {
        let tree = try Self.decode(data, file: file)
        try refuseNull(in: tree, path: "", file: file)
        guard case .object(let top) = tree else {
            throw SpecError(
                .wrongType,
                file: file,
                "the top level is \(tree.kindDescription); a spec is a dictionary with name, task, model, training, sweep, ..."
            )
        }
        for key in top.keys.sorted() where !Self.topLevelKeys.contains(key) {
            let hint = Suggestion.nearest(to: key, in: Self.topLevelKeys).map { " Did you mean \($0)?" } ?? ""
            throw SpecError(
                .unknownKey,
                file: file,
                keyPath: key,
                "is not a known key.\(hint) A spec has \(Self.topLevelKeys.joined(separator: ", "))."
            )
        }
        let name = try Self.name(top["name"], file: file)
        var description = ""
        switch top["description"] {
        case nil, .null?: break
        case .string(let text)?: description = text
        case let other?:
            throw SpecError(
                .wrongType,
                file: file,
                keyPath: "description",
                "is \(other.shortDescription) (\(other.kindDescription)); it must be a string."
            )
        }
        let checkpoints = try Self.checkpoints(top["checkpoints"], file: file)
        var base: [String: ConfigValue] = [:]
        for key in ConfigSection.topLevelKeys {
            base[key] = top[key]
        }
        // The base config alone must be valid: errors then name the field as written.
        let resolved = try schema.resolve(base, file: file)
        let sweep = Sweep(schema: schema)
        let axes = try sweep.axes(from: top["sweep"], base: base, file: file, trialLimit: trialLimit, force: force)
        let dimensions = try sweep.dimensions(from: top["sweep"], file: file)
        let search = try Self.search(top["search"], axes: axes, dimensions: dimensions, seed: resolved.seed, file: file)
        let pruning = try Self.pruning(top["pruning"], base: resolved, axes: axes, file: file)
        var spec = ExperimentSpec(
            name: name,
            description: description,
            file: file,
            text: Self.text(of: data, file: file),
            base: base,
            axes: axes,
            checkpoints: checkpoints,
            schema: schema,
            search: search,
            pruning: pruning,
            searchDimensions: dimensions
        )
        spec.schema = schema
        return spec
    }

    // MARK: - Decoding

    /// Decodes JSON or a property list into a tree; syntax errors give the line and column.
    package static func decode(_ data: Data, file: String) throws(SpecError) -> ConfigValue {
        switch URL(fileURLWithPath: file).pathExtension.lowercased() {
        case "json":
            if let problem = JSONTextCheck.problem(in: data, file: file) { throw problem }
            do {
                return try JSONDecoder().decode(ConfigValue.self, from: data)
            } catch {
                throw SpecError(
                    .syntax, file: file,
                    "is not valid JSON\(jsonPosition(data)); check the brackets, commas and quotes there.")
            }
        case "plist":
            if let problem = plistDepthProblem(data, file: file) { throw problem }
            if let (path, line) = PlistDuplicateKeys.first(in: data) {
                throw SpecError(
                    .syntax, file: file, keyPath: path,
                    "appears twice in one dictionary (the second time at line \(line)); keep one of them.")
            }
            do {
                return try PropertyListDecoder().decode(ConfigValue.self, from: data)
            } catch {
                if let problem = plistTypeProblem(data, file: file) { throw problem }
                let detail = plistDetail(error)
                throw SpecError(.syntax, file: file, "is not a valid property list\(detail); check the XML there.")
            }
        default:
            throw SpecError(
                .unsupportedFormat,
                file: file,
                "has an extension (\"\(URL(fileURLWithPath: file).pathExtension)\") that names no spec format; use .json or .plist."
            )
        }
    }

    /// ` (line L, column C)` from JSONSerialization's character offset, or nothing.
    private static func jsonPosition(_ data: Data) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return ""
        } catch {
            let text = "\(error)"
            guard let range = text.range(of: "character "),
                let offset = Int(text[range.upperBound...].prefix { $0.isNumber })
            else { return "" }
            let prefix = data.prefix(offset)
            let line = prefix.filter { $0 == UInt8(ascii: "\n") }.count + 1
            let column = offset - (prefix.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0) + 1
            return " (line \(line), column \(column))"
        }
    }

    /// Too deep a nesting of `<array>` and `<dict>` in an XML property list (Foundation's parser
    /// recurses once a level and would run out of stack), with the line where it happens.
    private static func plistDepthProblem(_ data: Data, file: String) -> SpecError? {
        var depth = 0
        var problem: SpecError?
        PlistTags.scan(data) { tag in
            guard tag.name == "array" || tag.name == "dict", !tag.isEmpty else { return true }
            depth += tag.isClosing ? -1 : 1
            guard depth > JSONTextCheck.maximumDepth else { return true }
            problem = SpecError(
                .syntax, file: file,
                "nests <array> and <dict> more than \(JSONTextCheck.maximumDepth) levels deep (line "
                    + "\(tag.line)); a spec needs only a few levels.")
            return false
        }
        return problem
    }

    /// The first value of a property list that no spec field can hold (`<data>`, `<date>`), named
    /// by its key path; `nil` when there is none or the file does not parse.
    private static func plistTypeProblem(_ data: Data, file: String) -> SpecError? {
        guard let tree = try? PropertyListSerialization.propertyList(from: data, format: nil) else { return nil }
        func find(_ node: Any, _ path: String) -> (path: String, kind: String)? {
            if let fields = node as? [String: Any] {
                for key in fields.keys.sorted() {
                    if let found = find(fields[key] as Any, path.isEmpty ? key : "\(path).\(key)") { return found }
                }
            } else if let elements = node as? [Any] {
                for (index, element) in elements.enumerated() {
                    if let found = find(element, "\(path)[\(index)]") { return found }
                }
            } else if node is Data {
                return (path, "data")
            } else if node is Date {
                return (path, "date")
            }
            return nil
        }
        guard let (path, kind) = find(tree, "") else { return nil }
        return SpecError(
            .wrongType,
            file: file,
            keyPath: path.isEmpty ? nil : path,
            "is a <\(kind)>, which no spec field holds; use <string>, <integer>, <real>, <true/>, <false/>, "
                + "<array> or <dict>."
        )
    }

    /// The text stored with the results: the file as UTF-8 (converted from UTF-16 or UTF-32), or a
    /// binary property list as XML, so that it reads back as the same spec.
    package static func text(of data: Data, file: String) -> String {
        if data.starts(with: Array("bplist".utf8)),
            let tree = try? PropertyListSerialization.propertyList(from: data, format: nil),
            let xml = try? PropertyListSerialization.data(fromPropertyList: tree, format: .xml, options: 0)
        {
            return String(decoding: xml, as: UTF8.self)
        }
        if URL(fileURLWithPath: file).pathExtension.lowercased() == "json", let bytes = JSONTextCheck.utf8(data) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return String(decoding: data, as: UTF8.self)
    }

    private static func plistDetail(_ error: any Error) -> String {
        let text = "\(error)"
        if let range = text.range(of: "NSDebugDescription=") {
            let detail = text[range.upperBound...].prefix { $0 != "}" && $0 != "\n" }
            return " (\(detail.trimmingCharacters(in: .whitespaces)))"
        }
        return ""
    }

    // MARK: - Sections

    /// Refuses `null` anywhere in a spec (JSON has it, property lists do not): it is not a value
    /// any field takes, and reading it as "the default" would hide a mistake.
    private func refuseNull(in node: ConfigValue, path: String, file: String) throws(SpecError) {
        switch node {
        case .null:
            var advice = "leave the key out for its default."
            let field = path.hasPrefix("sweep.") ? nil : schema.field(at: path)
            switch field?.requirement {
            case .defaulted(let value)?, .implied(let value)?:
                advice = "leave the key out for its default (\(value.configValue.canonicalJSON))."
            case .optional?: advice = "leave the key out to leave \(field?.name ?? "it") unset."
            default: if path.hasSuffix("]") { advice = "give a value or remove the element." }
            }
            throw SpecError(.wrongType, file: file, keyPath: path.isEmpty ? nil : path, "is null; \(advice)")
        case .object(let fields):
            for key in fields.keys.sorted() {
                try refuseNull(in: fields[key] ?? .null, path: path.isEmpty ? key : "\(path).\(key)", file: file)
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                try refuseNull(in: element, path: "\(path)[\(index)]", file: file)
            }
        default:
            break
        }
    }

    private static func name(_ value: ConfigValue?, file: String) throws(SpecError) -> String {
        guard let value else {
            throw SpecError(.missingKey, file: file, keyPath: "name", "is missing; add \"name\": \"my-experiment\".")
        }
        guard case .string(let name) = value else {
            throw SpecError(
                .wrongType,
                file: file,
                keyPath: "name",
                "is \(value.shortDescription) (\(value.kindDescription)); it must be a string such as \"seed-sweep\"."
            )
        }
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "._-".unicodeScalars.contains(scalar))
        }
        // The name is a file name for plots: `.`, `..` and hidden names must not be possible.
        let startsWell = name.unicodeScalars.first.map { $0.isASCII && CharacterSet.alphanumerics.contains($0) }
        guard allowed, startsWell == true, name.count <= 100 else {
            throw SpecError(
                .outOfRange,
                file: file,
                keyPath: "name",
                "is \"\(name)\"; use 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit."
            )
        }
        return name
    }

    private static func checkpoints(_ value: ConfigValue?, file: String) throws(SpecError) -> ExperimentSpec.Checkpoints
    {
        var result = ExperimentSpec.Checkpoints.standard
        guard let value, value != .null else { return result }
        guard case .object(let fields) = value else {
            throw SpecError(
                .wrongType,
                file: file,
                keyPath: "checkpoints",
                "is \(value.shortDescription) (\(value.kindDescription)); it must be a dictionary with final, initial, every, compression."
            )
        }
        let specs = [
            ParameterSpec("final", .boolean, .defaulted(.boolean(true)), help: "write the final parameters"),
            ParameterSpec("initial", .boolean, .defaulted(.boolean(false)), help: "write the initial parameters"),
            ParameterSpec(
                "every", .integer(0...100_000_000), .defaulted(.integer(0)), help: "write every N iterations"),
            ParameterSpec(
                "compression", .integer(0...9), .defaulted(.integer(0)), help: "the deflate level (0: stored)"),
        ]
        for key in fields.keys.sorted() where !specs.contains(where: { $0.name == key }) {
            let hint =
                Suggestion.nearest(to: key, in: specs.map(\.name)).map { " Did you mean checkpoints.\($0)?" } ?? ""
            throw SpecError(
                .unknownKey,
                file: file,
                keyPath: "checkpoints.\(key)",
                "is not a known key.\(hint) Known keys in checkpoints: compression, every, final, initial."
            )
        }
        for spec in specs {
            guard let given = fields[spec.name] else { continue }
            let value: ParameterValue
            do {
                value = try spec.validate(given)
            } catch {
                throw SpecError(error.code, file: file, keyPath: "checkpoints.\(spec.name)\(error.subPath)", error.text)
            }
            switch spec.name {
            case "final": result.final = value.boolValue ?? true
            case "initial": result.initial = value.boolValue ?? false
            case "compression": result.compression = value.intValue ?? 0
            default: result.every = value.intValue ?? 0
            }
        }
        return result
    }
}

extension ExperimentSpec {
    /// The SHA-256 of the spec file's text, lowercase hex.
    public var textSHA256: String {
        Digest.sha256Hex(Data(text.utf8))
    }
}
