import BatonCore

/// The entries of one YAML mapping being decoded: hands out the known keys and reports the rest.
struct Fields {
    /// What the mapping is, for messages: "resource 'vip'", "heartbeat".
    let context: String
    /// Where the mapping starts.
    let location: SourceLocation
    private let entries: [YAMLEntry]
    private let allowed: [String]

    init(_ entries: [YAMLEntry], context: String, at location: SourceLocation, allowed: [String]) {
        self.entries = entries
        self.context = context
        self.location = location
        self.allowed = allowed
    }

    /// The value of `key`, or `nil` when it is absent.
    subscript(key: String) -> YAMLNode? {
        assert(allowed.contains(key), "'\(key)' is not declared for \(context)")
        return entries.first { $0.key == key }?.value
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
