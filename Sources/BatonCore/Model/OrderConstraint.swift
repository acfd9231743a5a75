/// `then` starts only after `first` is started, and stops before it.
public struct OrderConstraint: Hashable, Sendable {
    /// The group that starts first.
    public var first: Located<GroupName>
    /// The group that waits for it.
    public var then: Located<GroupName>
    /// Where the rule is written.
    public var location: SourceLocation

    /// Creates an order rule.
    public init(first: Located<GroupName>, then: Located<GroupName>, at location: SourceLocation) {
        self.first = first
        self.then = then
        self.location = location
    }
}
