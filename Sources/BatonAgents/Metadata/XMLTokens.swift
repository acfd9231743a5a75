/// The tags and text of an XML document, read leniently: enough for agents' meta-data, never a full parser.
///
/// Comments, processing instructions and DOCTYPE declarations are skipped (nothing is ever fetched), CDATA is text,
/// the five predefined entities and numeric references are decoded, and whatever does not parse is passed over.
struct XMLTokens: Sequence, IteratorProtocol {
    enum Token: Equatable {
        case open(String, attributes: [String: String], selfClosing: Bool)
        case close(String)
        case text(String)
    }

    private let scalars: [Unicode.Scalar]
    private var index = 0

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    mutating func next() -> Token? {
        while index < scalars.count {
            if scalars[index] != "<" {
                let start = index
                while index < scalars.count, scalars[index] != "<" { index += 1 }
                return .text(Self.decode(string(start..<index)))
            }
            if starts(with: "<!--") {
                skip(past: "-->")
            } else if starts(with: "<![CDATA[") {
                let start = index + 9
                skip(past: "]]>")
                return .text(string(start..<Swift.max(start, index - 3)))
            } else if starts(with: "<!") || starts(with: "<?") {
                skipDeclaration()
            } else if let token = tag() {
                return token
            }
        }
        return nil
    }

    private func string(_ range: Range<Int>) -> String {
        var result = ""
        result.unicodeScalars.append(contentsOf: scalars[range])
        return result
    }

    private func starts(with prefix: String) -> Bool {
        var position = index
        for scalar in prefix.unicodeScalars {
            guard position < scalars.count, scalars[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    private mutating func skip(past end: String) {
        while index < scalars.count, !starts(with: end) { index += 1 }
        index = Swift.min(scalars.count, index + end.unicodeScalars.count)
    }

    /// Skips `<!DOCTYPE ... [ ... ]>` or `<?xml ...?>`, including an internal subset in brackets.
    private mutating func skipDeclaration() {
        var depth = 0
        while index < scalars.count {
            let scalar = scalars[index]
            index += 1
            if scalar == "[" { depth += 1 }
            if scalar == "]" { depth -= 1 }
            if scalar == ">", depth <= 0 { return }
        }
    }

    /// Reads `<name a="v" ...>`, `<name .../>` or `</name>`; a malformed tag is skipped and gives `nil`.
    private mutating func tag() -> Token? {
        index += 1
        let closing = index < scalars.count && scalars[index] == "/"
        if closing { index += 1 }
        let name = word()
        var attributes: [String: String] = [:]
        while index < scalars.count {
            skipSpaces()
            guard index < scalars.count else { break }
            if scalars[index] == ">" {
                index += 1
                return name.isEmpty
                    ? nil : closing ? .close(name) : .open(name, attributes: attributes, selfClosing: false)
            }
            if starts(with: "/>") {
                index += 2
                return name.isEmpty ? nil : .open(name, attributes: attributes, selfClosing: true)
            }
            let key = word()
            skipSpaces()
            guard !key.isEmpty, index < scalars.count, scalars[index] == "=" else {
                index += 1
                continue
            }
            index += 1
            skipSpaces()
            guard index < scalars.count, scalars[index] == "\"" || scalars[index] == "'" else { continue }
            let quote = scalars[index]
            let start = index + 1
            index = start
            while index < scalars.count, scalars[index] != quote { index += 1 }
            attributes[key] = Self.decode(string(start..<Swift.min(index, scalars.count)))
            index += 1
        }
        return nil
    }

    private mutating func word() -> String {
        let start = index
        while index < scalars.count,
            scalars[index].properties.isAlphabetic || scalars[index].properties.numericType != nil
                || "-_:.".unicodeScalars.contains(scalars[index])
        {
            index += 1
        }
        return string(start..<index)
    }

    private mutating func skipSpaces() {
        while index < scalars.count, scalars[index].properties.isWhitespace { index += 1 }
    }

    /// Decodes `&lt;`, `&gt;`, `&amp;`, `&quot;`, `&apos;` and `&#N;`/`&#xN;`; anything else stays as written.
    static func decode(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = ""
        var rest = Substring(text)
        while let ampersand = rest.firstIndex(of: "&") {
            result += rest[..<ampersand]
            let afterAmpersand = rest[rest.index(after: ampersand)...]
            guard let semicolon = afterAmpersand.prefix(10).firstIndex(of: ";") else {
                result += "&"
                rest = afterAmpersand
                continue
            }
            let entity = afterAmpersand[..<semicolon]
            let named = ["lt": "<", "gt": ">", "amp": "&", "quot": "\"", "apos": "'"]
            if let value = named[String(entity)] {
                result += value
            } else if entity.hasPrefix("#"), let scalar = Self.scalar(entity.dropFirst()) {
                result.unicodeScalars.append(scalar)
            } else {
                result += "&" + entity + ";"
            }
            rest = afterAmpersand[afterAmpersand.index(after: semicolon)...]
        }
        return result + rest
    }

    private static func scalar(_ number: Substring) -> Unicode.Scalar? {
        let value = number.hasPrefix("x") ? UInt32(number.dropFirst(), radix: 16) : UInt32(number)
        return value.flatMap(Unicode.Scalar.init)
    }
}
