extension AgentMetadata {
    /// Reads meta-data XML; `nil` when there is no `<resource-agent>` element.
    public init?(xml: String) {
        var name: String?
        var summary = ""
        var parameters: [Parameter] = []
        var actions: [Action] = []
        var inParameter = false
        var openText: String?  // the element whose text is being collected: "shortdesc"
        var text = ""
        for token in XMLTokens(xml) {
            switch token {
            case .open(let tag, let attributes, let selfClosing):
                switch tag {
                case "resource-agent":
                    name = attributes["name"] ?? ""
                    // Fence agents write it as an attribute; OCF agents as an element, which comes later.
                    summary = attributes["shortdesc"] ?? summary
                case "parameter":
                    parameters.append(
                        Parameter(
                            name: attributes["name"] ?? "", isRequired: attributes["required"] == "1",
                            isUnique: attributes["unique"] == "1"))
                    parameters[parameters.count - 1].isDeprecated = attributes["deprecated"] == "1"
                    inParameter = !selfClosing
                case "content" where inParameter:
                    parameters[parameters.count - 1].type = attributes["type"] ?? "string"
                    parameters[parameters.count - 1].defaultValue = attributes["default"]
                case "shortdesc" where !selfClosing:
                    openText = tag
                    text = ""
                case "action":
                    actions.append(
                        Action(
                            name: attributes["name"] ?? "", timeout: attributes["timeout"].flatMap(Self.duration),
                            interval: attributes["interval"].flatMap(Self.duration),
                            depth: attributes["depth"].flatMap { Int($0) }))
                default:
                    break
                }
            case .close(let tag):
                if tag == "parameter" { inParameter = false }
                if tag == openText {
                    let line = text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    if inParameter, !parameters.isEmpty {
                        if parameters[parameters.count - 1].summary.isEmpty {
                            parameters[parameters.count - 1].summary = line
                        }
                    } else if summary.isEmpty {
                        summary = line
                    }
                    openText = nil
                }
            case .text(let content):
                if openText != nil { text += content }
            }
        }
        guard let name else { return nil }
        self.init(name: name, summary: summary, parameters: parameters.filter { !$0.name.isEmpty }, actions: actions)
    }

    /// `20s`, `20`, `2m`, `500ms`: the forms timeouts take in meta-data. A bare number is seconds.
    static func duration(_ text: String) -> Duration? {
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard let value = Int(digits) else { return nil }
        switch String(text.dropFirst(digits.count)).trimmingSpaces {
        case "", "s", "sec": return .seconds(value)
        case "ms", "msec": return .milliseconds(value)
        case "m", "min": return .seconds(value * 60)
        case "h", "hr": return .seconds(value * 3600)
        default: return nil
        }
    }
}
