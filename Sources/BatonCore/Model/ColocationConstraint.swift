/// Groups that must share a node, or must never share one.
public struct ColocationConstraint: Hashable, Sendable {
    /// Together or apart.
    public enum Kind: String, Hashable, Sendable, CaseIterable {
        /// All listed groups run on the same node.
        case together
        /// No two listed groups run on the same node.
        case apart
    }

    /// Together or apart.
    public var kind: Kind
    /// The groups, as listed.
    public var groups: [Located<GroupName>]
    /// Where the rule is written.
    public var location: SourceLocation

    /// Creates a colocation rule.
    public init(_ kind: Kind, groups: [Located<GroupName>], at location: SourceLocation) {
        self.kind = kind
        self.groups = groups
        self.location = location
    }
}
