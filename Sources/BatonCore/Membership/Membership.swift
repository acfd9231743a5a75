/// A node's random identifier for one run of its engine: a peer that comes back with a new one is a new
/// incarnation, whose resources are gone and whose packet sequence starts again.
public struct BootIdentifier: Hashable, Sendable, CustomStringConvertible {
    /// The high 64 bits.
    public var high: UInt64
    /// The low 64 bits.
    public var low: UInt64

    /// Creates an identifier from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 hexadecimal digits.
    public var description: String { Self.hex(high) + Self.hex(low) }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// What one node knows of its peers, from the heartbeats it receives: each link up, late or down, each peer
/// alive or lost, and whether it is still listening after its start (`initdead`, LINTER's NOT_FOUND wait).
///
/// Pure: the engine passes every received heartbeat and a regular tick, with the time from a monotonic clock, and
/// acts on the events returned.
public struct Membership: Sendable {
    /// A link's state, from the age of the last heartbeat received on it.
    public enum LinkState: String, Sendable, Hashable, Codable {
        /// Nothing received on it yet.
        case unknown
        /// Heard within `warntime`.
        case up
        /// Silent for `warntime`, not yet `deadtime`.
        case late
        /// Silent for `deadtime`.
        case down
    }

    /// A peer's state.
    public enum PeerState: String, Sendable, Hashable, Codable {
        /// Not heard yet, while this node listens after its start.
        case unknown
        /// Heard within `deadtime` on at least one link.
        case alive
        /// Silent on every link for `deadtime`, or never heard by the end of `initdead`.
        case lost
    }

    /// One link of a peer, as this node sees it.
    public struct Link: Sendable, Hashable {
        /// The peer's address on this link.
        public var address: IPAddress
        /// Its state.
        public var state: LinkState
        /// When a heartbeat last arrived on it.
        public var lastHeard: Timestamp?
    }

    /// One peer, as this node sees it.
    public struct Peer: Sendable, Hashable {
        /// The peer's name.
        public var name: NodeName
        /// Alive, lost or not yet known.
        public var state: PeerState
        /// Its links, in configuration order.
        public var links: [Link]
        /// The link in use: the first that answered, until it goes down; then the first one up. The others are
        /// spares (LINTER's nodetab).
        public var activeLink: Int?
        /// The identifier of the peer's current run.
        public var boot: BootIdentifier?
    }

    /// What changed.
    public enum Event: Sendable, Hashable {
        /// A link answered for the first time, or again after being down.
        case linkUp(NodeName, link: Int)
        /// A link went silent for `warntime`.
        case linkLate(NodeName, link: Int)
        /// A link went silent for `deadtime`.
        case linkDown(NodeName, link: Int)
        /// The peer's traffic moved to another link.
        case activeLinkChanged(NodeName, from: Int?, to: Int)
        /// A peer was heard for the first time, or again after it was lost.
        case nodeJoined(NodeName)
        /// A peer went silent on every link for `deadtime`, or was never heard during `initdead`.
        case nodeLost(NodeName)
        /// A peer came back with a new boot identifier without having been lost: its engine restarted.
        case nodeRestarted(NodeName)
        /// The listening after the start is over: every peer answered, or `initdead` passed.
        case listeningEnded(alone: Bool)
    }

    /// The local node.
    public let local: NodeName
    /// The peers, sorted by name.
    public private(set) var peers: [Peer]
    /// Whether this node still listens before acting (during `initdead`, until every peer has answered).
    public private(set) var isListening = true

    private let warntime: Duration
    private let deadtime: Duration
    private let listenUntil: Timestamp

    /// Starts listening at `now`.
    public init(spec: ClusterSpec, local: NodeName, now: Timestamp) {
        self.local = local
        self.peers = spec.nodes.filter { $0.name != local }.sorted { $0.name < $1.name }.map { node in
            Peer(
                name: node.name, state: .unknown,
                links: node.links.map { Link(address: $0.value, state: .unknown, lastHeard: nil) }, activeLink: nil,
                boot: nil)
        }
        self.warntime = spec.heartbeat.warntime.value
        self.deadtime = spec.heartbeat.deadtime.value
        self.listenUntil = now.advanced(by: spec.heartbeat.initdead.value)
    }

    /// The peer named `name`, if it is one.
    public func peer(_ name: NodeName) -> Peer? {
        peers.first { $0.name == name }
    }

    /// Records a verified heartbeat from `peer`'s link number `link`.
    /// - Returns: the events it causes; none for a peer or link this node does not know.
    public mutating func heard(
        from name: NodeName, link: Int, boot: BootIdentifier, at now: Timestamp
    ) -> [Event] {
        guard let index = peers.firstIndex(where: { $0.name == name }), peers[index].links.indices.contains(link)
        else { return [] }
        var events: [Event] = []
        var peer = peers[index]
        if peer.state == .alive, let known = peer.boot, known != boot { events.append(.nodeRestarted(name)) }
        peer.boot = boot
        if peer.links[link].state != .up && peer.links[link].state != .late { events.append(.linkUp(name, link: link)) }
        peer.links[link].state = .up
        peer.links[link].lastHeard = now
        if peer.activeLink == nil || peer.links[peer.activeLink!].state == .down {
            events.append(.activeLinkChanged(name, from: peer.activeLink, to: link))
            peer.activeLink = link
        }
        if peer.state != .alive {
            peer.state = .alive
            events.append(.nodeJoined(name))
        }
        peers[index] = peer
        if isListening, peers.allSatisfy({ $0.state == .alive }) {
            isListening = false
            events.append(.listeningEnded(alone: false))
        }
        return events
    }

    /// The next instant at which ``tick(at:)`` would change something: the first link to go late or down, at exactly
    /// its last heartbeat plus `warntime` or `deadtime`, or the end of listening. `nil` when nothing is due.
    public var nextDeadline: Timestamp? {
        var next: Int64? = isListening ? listenUntil.milliseconds : nil
        for peer in peers {
            for link in peer.links {
                guard let last = link.lastHeard?.milliseconds else { continue }
                let due: Int64? =
                    switch link.state {
                    case .unknown, .up: last + min(warntime, deadtime).wholeMilliseconds
                    case .late: last + deadtime.wholeMilliseconds
                    case .down: nil
                    }
                if let due { next = min(next ?? due, due) }
            }
        }
        return next.map(Timestamp.init(milliseconds:))
    }

    /// Ages every link and peer to `now`.
    /// - Returns: links gone late or down, peers lost, a new active link, and the end of listening.
    public mutating func tick(at now: Timestamp) -> [Event] {
        var events: [Event] = []
        for index in peers.indices {
            var peer = peers[index]
            for link in peer.links.indices {
                guard let last = peer.links[link].lastHeard else { continue }
                let silence = Duration.milliseconds(now.milliseconds - last.milliseconds)
                let state: LinkState = silence >= deadtime ? .down : silence >= warntime ? .late : .up
                guard state != peer.links[link].state else { continue }
                peer.links[link].state = state
                if state == .late { events.append(.linkLate(peer.name, link: link)) }
                if state == .down { events.append(.linkDown(peer.name, link: link)) }
            }
            if let active = peer.activeLink, peer.links[active].state == .down,
                let spare = peer.links.indices.first(where: { peer.links[$0].state == .up })
            {
                peer.activeLink = spare
                events.append(.activeLinkChanged(peer.name, from: active, to: spare))
            }
            if peer.state == .alive, peer.links.allSatisfy({ $0.state == .down || $0.state == .unknown }) {
                peer.state = .lost
                events.append(.nodeLost(peer.name))
            }
            peers[index] = peer
        }
        if isListening, now >= listenUntil {
            isListening = false
            for index in peers.indices where peers[index].state == .unknown {
                peers[index].state = .lost
                events.append(.nodeLost(peers[index].name))
            }
            events.append(.listeningEnded(alone: !peers.contains { $0.state == .alive }))
        }
        return events
    }
}
