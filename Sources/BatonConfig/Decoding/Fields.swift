import BatonCore

/// The entries of one YAML mapping being decoded: hands out the known keys and reports the rest.
struct Fields {
    /// What the mapping is, for messages: "resource 'vip'", "heartbeat". Made only for a message: most mappings
    /// never need it, and a file of 50,000 resources would build as many strings.
    var context: String { name.map { "\(noun) '\($0)'" } ?? noun }
    /// Where the mapping starts.
    let location: SourceLocation
    private let noun: String
    private var name: String?
    private let entries: YAMLEntries
    private let allowed: [String]

    /// The entries of a mapping that `noun` describes ("heartbeat", "a resource").
    init(_ entries: YAMLEntries, noun: String, at location: SourceLocation, allowed: [String]) {
        self.entries = entries
        self.noun = noun
        self.location = location
        self.allowed = allowed
    }

    /// The same fields, described by their name once it is known: `noun` ("resource") and `name` give
    /// "resource 'vip'".
    func named(_ name: String, noun: String) -> Fields {
        var fields = Fields(entries, noun: noun, at: location, allowed: allowed)
        fields.name = name
        return fields
    }

    /// The value of `key`, or `nil` when it is absent.
    subscript(key: String) -> YAMLNode? {
        assert(allowed.contains(key), "'\(key)' is not declared for \(context)")
        return entries.value(for: key)
    }

    /// A diagnostic for each key the schema does not have, with a suggestion for near misses.
    func unknownKeys() -> [Diagnostic] {
        entries.filter { !allowed.contains($0.key) }.map { entry in
            let suggestion = Spelling.suggestion(for: entry.key, among: allowed)
            return Diagnostic(
                .error, .unknownKey, at: entry.keyLocation, "unknown key '\(entry.key)' in \(context)",
                hint: suggestion.map { "did you mean '\($0)'?" }
                    ?? "\(context) takes \(allowed.joined(separator: ", "))")
        }
    }
}
