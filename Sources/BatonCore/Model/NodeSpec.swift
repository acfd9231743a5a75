/// One server that runs `baton run`, with every address it can be reached on (LINTER's nodetab).
public struct NodeSpec: Hashable, Sendable {
    /// The node's name.
    public var name: NodeName
    /// Placement preference and seniority; higher wins.
    public var priority: Int
    /// The node's link addresses; the first that answers is the default link, the rest are spares.
    public var links: [Located<IPAddress>]
    /// Where the node's name is written.
    public var location: SourceLocation

    /// The lowest and highest priority accepted.
    public static var priorityRange: ClosedRange<Int> { 0...1_000_000 }

    /// Creates a node.
    public init(name: NodeName, priority: Int = 0, links: [Located<IPAddress>], at location: SourceLocation) {
        self.name = name
        self.priority = priority
        self.links = links
        self.location = location
    }
}
