/// Addresses a node must reach to take a group over or keep running one, in a cluster that may have no fencing: the
/// `tiebreaker:` section (Heartbeat's ipfail, keepalived's tracking).
///
/// Each node sends an ICMP echo to every target each heartbeat interval; it reaches the tiebreaker while one of them
/// answered within `timeout`. A node that hears no peer for half the deadtime and reaches no target is cut off: it
/// stops its groups before its peers' deadtime ends, so that a peer that reaches the tiebreaker takes them over
/// alone. Groups start only on nodes that reach it, and leave a node that lost it for one that did not.
public struct TiebreakerSpec: Hashable, Sendable {
    /// The addresses pinged, in file order: routers or other hosts on the networks of the heartbeat links.
    public var targets: [Located<IPAddress>]
    /// How long without an answer from any target before a node no longer reaches the tiebreaker.
    public var timeout: Located<Duration>
    /// Where `tiebreaker:` is written.
    public var location: SourceLocation

    /// Creates tiebreaker settings; `timeout` defaults to half the deadtime.
    public init(
        targets: [Located<IPAddress>], timeout: Located<Duration>? = nil, heartbeat: HeartbeatSettings,
        at location: SourceLocation
    ) {
        self.targets = targets
        self.timeout = timeout ?? Located(heartbeat.deadtime.value / 2, at: location)
        self.location = location
    }
}
