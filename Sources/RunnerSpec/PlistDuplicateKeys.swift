import Foundation

/// Finds a key given twice in one `<dict>` of an XML property list: Foundation's parser keeps
/// one of them without a word (as JSON decoders do), so the text is scanned for them.
enum PlistDuplicateKeys {
    /// An open `<dict>` or `<array>`: its key path, and what has been read of it.
    private struct Frame {
        var path: String
        var isDictionary: Bool
        var keys: Set<String> = []
        var lastKey = ""
        var count = 0
    }

    /// The key path of the first key given twice in one dictionary of the XML property list
    /// `data`, and the line of its second occurrence; `nil` when there is none, for a binary
    /// property list, and where the XML is broken (the parser then says what is wrong).
    static func first(in data: Data) -> (path: String, line: Int)? {
        guard !data.starts(with: Array("bplist".utf8)) else { return nil }
        let bytes = [UInt8](data)
        var frames: [Frame] = []
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
            guard tagEnd < bytes.count else { return nil }
            let tag = String(decoding: bytes[nameStart..<tagEnd], as: UTF8.self)
            let name = String(tag.prefix { $0.isLetter })
            let empty = tag.hasSuffix("/")
            index = tagEnd + 1
            if closing {
                if name == "dict" || name == "array" { _ = frames.popLast() }
                continue
            }
            if name == "plist" { continue }
            if name == "key" {
                guard !empty, var top = frames.popLast(), top.isDictionary else { return nil }
                var textEnd = index
                while textEnd < bytes.count, bytes[textEnd] != UInt8(ascii: "<") { textEnd += 1 }
                let key = String(decoding: bytes[index..<textEnd], as: UTF8.self)
                if !top.keys.insert(key).inserted {
                    return (top.path.isEmpty ? key : "\(top.path).\(key)", line)
                }
                top.lastKey = key
                frames.append(top)
                continue
            }
            // A value: its key path is its dictionary's last key or its array's next index.
            var path = ""
            if var top = frames.popLast() {
                if top.isDictionary {
                    path = top.path.isEmpty ? top.lastKey : "\(top.path).\(top.lastKey)"
                } else {
                    path = "\(top.path)[\(top.count)]"
                    top.count += 1
                }
                frames.append(top)
            }
            if (name == "dict" || name == "array") && !empty {
                frames.append(Frame(path: path, isDictionary: name == "dict"))
            }
        }
        return nil
    }
}
