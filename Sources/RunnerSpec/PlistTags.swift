import Foundation

/// The tags of an XML property list in document order, for the checks Foundation's parser does
/// not make (a key given twice, nesting too deep): comments, CDATA sections, `<?...?>` and
/// `<!...>` declarations are skipped.
enum PlistTags {
    /// One tag.
    struct Tag {
        /// The element's name (`dict`, `key`, `string`), letters only.
        var name: String
        /// `</name>`.
        var isClosing: Bool
        /// `<name/>`.
        var isEmpty: Bool
        /// The line it ends on, from 1.
        var line: Int
        /// The text between this tag and the next `<` (a key's name, for `<key>`).
        var text: String
    }

    /// Calls `visit` with each tag until it returns `false`.
    ///
    /// - Returns: `false` when `visit` stopped the scan or the XML ends inside a tag; `true` when
    ///   every tag was visited. A binary property list has no tags: `true` at once.
    @discardableResult
    static func scan(_ data: Data, _ visit: (Tag) -> Bool) -> Bool {
        guard !data.starts(with: Array("bplist".utf8)) else { return true }
        let bytes = [UInt8](data)
        var line = 1
        var index = 0
        func starts(_ text: String) -> Bool { bytes[index...].starts(with: text.utf8) }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\n") { line += 1 }
            guard byte == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            if starts("<!--") || starts("<![CDATA[") || starts("<?") || starts("<!") {
                let end = starts("<!--") ? "-->" : starts("<![CDATA[") ? "]]>" : ">"
                while index < bytes.count, !starts(end) {
                    if bytes[index] == UInt8(ascii: "\n") { line += 1 }
                    index += 1
                }
                continue
            }
            let closing = index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "/")
            let nameStart = index + (closing ? 2 : 1)
            var tagEnd = nameStart
            while tagEnd < bytes.count, bytes[tagEnd] != UInt8(ascii: ">") {
                if bytes[tagEnd] == UInt8(ascii: "\n") { line += 1 }
                tagEnd += 1
            }
            guard tagEnd < bytes.count else { return false }
            let tag = String(decoding: bytes[nameStart..<tagEnd], as: UTF8.self)
            index = tagEnd + 1
            var textEnd = index
            while textEnd < bytes.count, bytes[textEnd] != UInt8(ascii: "<") { textEnd += 1 }
            let found = Tag(
                name: String(tag.prefix { $0.isLetter }), isClosing: closing, isEmpty: tag.hasSuffix("/"), line: line,
                text: String(decoding: bytes[index..<textEnd], as: UTF8.self))
            guard visit(found) else { return false }
        }
        return true
    }
}
