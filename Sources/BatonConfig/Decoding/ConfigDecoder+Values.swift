import BatonCore

extension ConfigDecoder {
    mutating func report(
        _ code: DiagnosticCode, at location: SourceLocation, _ message: String, hint: String,
        severity: Diagnostic.Severity = .error
    ) {
        diagnostics.append(Diagnostic(severity, code, at: location, message, hint: hint))
    }

    /// The entries of a mapping, checked against the schema's keys; unknown keys are reported at once.
    mutating func mapping(_ node: YAMLNode, _ what: @autoclosure () -> String, allowed: [String]) -> Fields? {
        guard case .mapping(let entries) = node.content else {
            report(
                .wrongType, at: node.location, "\(what()) must be a mapping, found \(node.kindName)",
                hint: "write \(what()) as 'key: value' pairs (\(allowed.joined(separator: ", ")))")
            return nil
        }
        let fields = Fields(entries, noun: what(), at: node.location, allowed: allowed)
        diagnostics.append(contentsOf: fields.unknownKeys())
        return fields
    }

    /// A mapping with a required `name`; messages about it, unknown keys included, name it ("resource 'vip'").
    mutating func namedMapping(_ node: YAMLNode, _ noun: String, allowed: [String]) -> (
        fields: Fields, name: Located<String>
    )? {
        guard case .mapping(let entries) = node.content else {
            report(
                .wrongType, at: node.location, "a \(noun) must be a mapping, found \(node.kindName)",
                hint: "write the \(noun) as 'key: value' pairs (\(allowed.joined(separator: ", ")))")
            return nil
        }
        let anonymous = Fields(entries, noun: "a \(noun)", at: node.location, allowed: allowed)
        guard let name = required(anonymous, "name").flatMap({ string($0, "\(noun) name") }) else {
            diagnostics.append(contentsOf: anonymous.unknownKeys())
            return nil
        }
        let fields = anonymous.named(name.value, noun: noun)
        diagnostics.append(contentsOf: fields.unknownKeys())
        return (fields, name)
    }

    /// The value of a required key, or a "missing key" diagnostic.
    mutating func required(_ fields: Fields, _ key: String) -> YAMLNode? {
        if let value = fields[key], !value.isNull { return value }
        report(
            .missingKey, at: fields[key]?.location ?? fields.location, "missing '\(key)' in \(fields.context)",
            hint: "add '\(key): ...' to \(fields.context)")
        return nil
    }

    /// A list that must have entries; when it is absent or empty, `message` is reported at `location`.
    mutating func nonEmptyList(
        _ fields: Fields, _ key: String, at location: SourceLocation, code: DiagnosticCode, _ message: String,
        hint: String
    ) -> YAMLItems? {
        let items = fields[key].flatMap { list($0, "\(key) of \(fields.context)") }
        if items?.isEmpty ?? (fields[key] == nil) {
            report(code, at: location, message, hint: hint)
        }
        return items
    }

    mutating func list(_ node: YAMLNode, _ what: @autoclosure () -> String) -> YAMLItems? {
        if case .sequence(let items) = node.content { return items }
        if node.isNull { return YAMLItems(tree: node.tree, range: 0..<0) }
        report(
            .wrongType, at: node.location, "\(what()) must be a list, found \(node.kindName)",
            hint: "write a list: '- item' lines, or [a, b]")
        return nil
    }

    mutating func string(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<String>? {
        guard case .scalar(let text, _) = node.content, !node.isNull else {
            report(
                .wrongType, at: node.location, "\(what()) must be a single value, found \(node.kindName)",
                hint: "write one value after the colon")
            return nil
        }
        return Located(text, at: node.location)
    }

    mutating func integer(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<Int>? {
        guard case .scalar(let text, isPlain: true) = node.content, text.utf8.count <= 18, let value = Int(text) else {
            report(
                .wrongType, at: node.location, "\(what()) must be a whole number, found \(describe(node))",
                hint: "write a whole number such as 100, without quotes")
            return nil
        }
        return Located(value, at: node.location)
    }

    mutating func duration(_ node: YAMLNode, _ what: @autoclosure () -> String) -> Located<Duration>? {
        string(node, what()).flatMap { text in parse(text) { text throws(ValueError) in try Duration(configText: text) }
        }
    }

    mutating func choice<Choice: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, _ what: @autoclosure () -> String, _: Choice.Type
    )
        -> Choice?
    where Choice.RawValue == String {
        guard let text = string(node, what()) else { return nil }
        if let value = Choice(rawValue: text.value) { return value }
        let options = Choice.allCases.map(\.rawValue)
        let suggestion = Spelling.suggestion(for: text.value, among: options)
        report(
            .badValue, at: text.location, "'\(text.value)' is not a valid \(what())",
            hint: suggestion.map { "did you mean '\($0)'?" } ?? "use one of: \(options.joined(separator: ", "))")
        return nil
    }

    /// Parses a located text with one of the core's value parsers, reporting its error at the text's position.
    mutating func parse<Value: Hashable & Sendable>(
        _ text: Located<String>, _ parser: (String) throws(ValueError) -> Value
    ) -> Located<Value>? {
        do throws(ValueError) {
            return Located(try parser(text.value), at: text.location)
        } catch {
            diagnostics.append(Diagnostic(error, at: text.location))
            return nil
        }
    }

    private func describe(_ node: YAMLNode) -> String {
        if case .scalar(let text, _) = node.content, !node.isNull { return "'\(text)'" }
        return node.kindName
    }
}
