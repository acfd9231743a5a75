/// Which node plans for the cluster: the senior node, and its term.
///
/// The most senior live peer that says it leads is followed; when two lead (a partition healed), the less senior
/// gives way. When no live peer leads, the most senior live node takes the lead with a term above every term it has
/// heard of; the others wait for its claim. A node that hears a peer with another configuration never starts to
/// lead: the two would each lead with their own. Pure: the driver tells it who is heard and performs the decision.
public struct SeniorElection: Hashable, Sendable {
    /// What a live peer's last heartbeat said.
    public struct Peer: Hashable, Sendable {
        /// The peer.
        public var name: NodeName
        /// The node the peer follows (itself when it leads), once it knows one.
        public var follows: NodeName?
        /// That node's term, as the peer knows it.
        public var term: UInt64
        /// The peer runs another configuration: it takes no part.
        public var mismatched: Bool

        /// Creates a peer's view.
        public init(name: NodeName, follows: NodeName?, term: UInt64, mismatched: Bool = false) {
            self.name = name
            self.follows = follows
            self.term = term
            self.mismatched = mismatched
        }
    }

    /// What changed.
    public enum Decision: Hashable, Sendable {
        /// Nothing.
        case unchanged
        /// This node follows `senior` in `term`; `gaveWay` when it led until now.
        case follow(NodeName, term: UInt64, gaveWay: Bool)
        /// This node leads, in a new `term`.
        case lead(term: UInt64)
    }

    /// This node.
    public let local: NodeName
    /// Every node, most senior first.
    public let seniority: [NodeName]
    /// The node this node follows (itself when it leads), once known.
    public private(set) var senior: NodeName?
    /// The senior's term.
    public private(set) var term: UInt64 = 0

    /// An election for `local` among `seniority` (most senior first), with no senior yet.
    public init(local: NodeName, seniority: [NodeName]) {
        self.local = local
        self.seniority = seniority
    }

    /// Decides from what every live peer's last heartbeat said. `peers` must hold every live peer: a peer not
    /// heard from yet (its first packet was no heartbeat) makes the decision wait.
    public mutating func decide(_ peers: [Peer], everyPeerHeard: Bool) -> Decision {
        guard everyPeerHeard else { return .unchanged }
        let members = peers.filter { !$0.mismatched }
        let seniority = seniority
        let rank = { (node: NodeName) in seniority.firstIndex(of: node) ?? seniority.count }
        let claimant = members.filter { $0.follows == $0.name }.min { rank($0.name) < rank($1.name) }
        if let claimant {
            guard senior != claimant.name else { return .unchanged }
            if senior == local, rank(local) < rank(claimant.name) { return .unchanged }
            let gaveWay = senior == local
            senior = claimant.name
            // The claimant's term, even below this node's own: a senior that led throughout a partition keeps the
            // term it had, and what it sends in that term is current.
            term = claimant.term
            return .follow(claimant.name, term: term, gaveWay: gaveWay)
        }
        let mostSenior = ([local] + members.map(\.name)).min { rank($0) < rank($1) }
        guard mostSenior == local, senior != local, !peers.contains(where: \.mismatched) else { return .unchanged }
        senior = local
        term = max(term, peers.map(\.term).max() ?? 0) + 1
        return .lead(term: term)
    }

    /// The senior is gone (lost, or its engine restarted): none until the next decision.
    public mutating func seniorGone() {
        senior = nil
    }

    /// The senior's heartbeat says its term; a higher one than known is followed.
    public mutating func heard(term: UInt64, from node: NodeName) {
        if node == senior, node != local, term > self.term { self.term = term }
    }
}
