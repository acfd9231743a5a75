import BatonCore

/// One node of a YAML document, with the position it was written at.
public struct YAMLNode: Sendable {
    /// What a node holds.
    public enum Content: Sendable {
        /// Text. `isPlain` is true for an unquoted scalar without a tag, the only kind that may read as a
        /// number, a boolean or null.
        case scalar(String, isPlain: Bool)
        /// A list.
        case sequence([YAMLNode])
        /// Key-value pairs in file order; keys are unique scalars.
        case mapping([YAMLEntry])
    }

    /// What the node holds.
    public var content: Content
    /// Where the node starts.
    public var location: SourceLocation
    /// How many nodes this one stands for once aliases are expanded; bounds "billion laughs" documents.
    var weight: Int

    /// The YAML type's name, for messages.
    public var kindName: String {
        switch content {
        case .scalar: isNull ? "nothing" : "a scalar"
        case .sequence: "a list"
        case .mapping: "a mapping"
        }
    }

    /// Whether this is an empty plain scalar, `~` or `null`.
    public var isNull: Bool {
        guard case .scalar(let text, isPlain: true) = content else { return false }
        switch text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }
}

/// One key-value pair of a mapping.
public struct YAMLEntry: Sendable {
    /// The key's text.
    public var key: String
    /// Where the key is written.
    public var keyLocation: SourceLocation
    /// The value.
    public var value: YAMLNode
}
