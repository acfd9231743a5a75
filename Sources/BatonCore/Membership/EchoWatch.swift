/// Whether a peer whose heartbeats stopped is down, or only its engine: a machine whose kernel runs answers ICMP echoes
/// even when its engine is dead or stopped, and keeps answering for a floating address it still holds.
///
/// From the moment every link of a peer is late, the driver sends echoes to each of the peer's link addresses every
/// interval, and until a deadtime after the peer is lost. A lost peer is confirmed down when echoes went out on its
/// links since its heartbeats stopped and none was answered; a link heard again ends the watch. Pure: the driver
/// passes the membership, how many answers each peer's addresses gave so far, and the time.
public struct EchoWatch: Sendable {
    struct Watch: Sendable {
        /// The answers the peer's addresses had given when the watch began.
        var answersBefore: UInt64
        /// When the first echoes went out.
        var firstPing: Timestamp?
        /// Whether the verdict was said since the watch began.
        var reported = false
        /// When the pings end: a deadtime after the peer was lost.
        var until: Timestamp?
    }

    private var watches: [NodeName: Watch] = [:]
    private let deadtime: Duration

    /// A watch for a cluster of `spec`'s heartbeat timings.
    public init(spec: ClusterSpec) {
        deadtime = spec.heartbeat.deadtime.value
    }

    /// Brings the watches up to `now`.
    /// - Parameter answers: how many echo replies the peer's link addresses gave so far.
    /// - Returns: the peers to send echoes to now.
    public mutating func update(
        _ membership: Membership, answers: (NodeName) -> UInt64, now: Timestamp
    ) -> [NodeName] {
        var due: [NodeName] = []
        for peer in membership.peers {
            let silent = peer.links.allSatisfy { $0.state == .late || $0.state == .down || $0.state == .unknown }
            guard silent, peer.links.contains(where: { $0.lastHeard != nil }) else {
                watches[peer.name] = nil
                continue
            }
            var watch = watches[peer.name] ?? Watch(answersBefore: answers(peer.name))
            if peer.state == .lost, watch.until == nil { watch.until = now.advanced(by: deadtime) }
            if let until = watch.until, now >= until {
                watches[peer.name] = watch
                continue
            }
            if watch.firstPing == nil { watch.firstPing = now }
            watches[peer.name] = watch
            due.append(peer.name)
        }
        return due
    }

    /// How long before a verdict the first echoes must have gone out: a round trip on a local network takes well
    /// under a millisecond.
    public static let answerWindow = Duration.milliseconds(5)

    /// What the echoes say of a lost peer.
    public enum Verdict: Sendable, Hashable {
        /// None was answered since its heartbeats stopped: the machine is down (or cut off on every link).
        case down
        /// One was: the machine runs, only its engine is silent.
        case answers
    }

    /// What the echoes say of `peer` at `now`; `nil` while it is not lost, no echo went to it since its heartbeats
    /// stopped, or the first went out less than ``answerWindow`` ago with none answered yet.
    public func verdict(
        _ peer: NodeName, in membership: Membership, answers: (NodeName) -> UInt64, now: Timestamp
    ) -> Verdict? {
        guard membership.peer(peer)?.state == .lost, let watch = watches[peer], let first = watch.firstPing else {
            return nil
        }
        // The counts only grow: an answer since the watch began is still counted.
        if answers(peer) > watch.answersBefore { return .answers }
        return now.milliseconds - first.milliseconds >= Self.answerWindow.wholeMilliseconds ? .down : nil
    }

    /// The verdicts reached since the last call, once per loss, so that each is said once.
    public mutating func newVerdicts(
        _ membership: Membership, answers: (NodeName) -> UInt64, now: Timestamp
    ) -> [(NodeName, Verdict)] {
        var reached: [(NodeName, Verdict)] = []
        for peer in membership.peers.map(\.name) where watches[peer]?.reported == false {
            guard let verdict = verdict(peer, in: membership, answers: answers, now: now) else { continue }
            watches[peer]?.reported = true
            reached.append((peer, verdict))
        }
        return reached
    }
}
