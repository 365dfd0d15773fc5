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
        var frames: [Frame] = []
        var found: (path: String, line: Int)?
        let complete = PlistTags.scan(data) { tag in
            if tag.isClosing {
                if tag.name == "dict" || tag.name == "array" { _ = frames.popLast() }
                return true
            }
            if tag.name == "plist" { return true }
            if tag.name == "key" {
                guard !tag.isEmpty, var top = frames.popLast(), top.isDictionary else { return false }
                let key = tag.text
                if !top.keys.insert(key).inserted {
                    found = (top.path.isEmpty ? key : "\(top.path).\(key)", tag.line)
                    return false
                }
                top.lastKey = key
                frames.append(top)
                return true
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
            if (tag.name == "dict" || tag.name == "array") && !tag.isEmpty {
                frames.append(Frame(path: path, isDictionary: tag.name == "dict"))
            }
            return true
        }
        return complete ? nil : found
    }
}
