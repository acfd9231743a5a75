import BatonCore
import Testing

/// The membership state machine, driven with times chosen by the test (interval 100 ms: warntime 300 ms,
/// deadtime 500 ms, initdead 1 s).
struct MembershipTests {
    typealias V = ValidationTests

    static let spec = ClusterSpec(
        cluster: Located(ClusterName("c"), at: V.here),
        heartbeat: HeartbeatSettings(at: V.here, interval: Located(.milliseconds(100), at: V.here)),
        nodes: [
            V.node("n1", links: ["10.0.0.1", "192.168.0.1"]), V.node("n2", links: ["10.0.0.2", "192.168.0.2"]),
            V.node("n3", links: ["10.0.0.3", "192.168.0.3"]),
        ],
        groups: [])

    static let boot = BootIdentifier(high: 1, low: 2)
    static func at(_ milliseconds: Int64) -> Timestamp { Timestamp(milliseconds: milliseconds) }
    static let n2 = NodeName("n2")
    static let n3 = NodeName("n3")

    @Test func listensUntilEveryPeerAnswers() {
        var membership = Membership(spec: Self.spec, local: NodeName("n1"), now: Self.at(0))
        #expect(membership.isListening)
        #expect(membership.peers.map(\.name) == [Self.n2, Self.n3])
        #expect(
            membership.heard(from: Self.n2, link: 1, boot: Self.boot, at: Self.at(50)) == [
                .linkUp(Self.n2, link: 1), .activeLinkChanged(Self.n2, from: nil, to: 1), .nodeJoined(Self.n2),
            ])
        #expect(membership.isListening)
        let last = membership.heard(from: Self.n3, link: 0, boot: Self.boot, at: Self.at(60))
        #expect(last.last == .listeningEnded(alone: false))
        #expect(!membership.isListening)
        #expect(membership.peer(Self.n2)?.activeLink == 1, "the first link that answered is the one in use")
    }

    @Test func aPeerNeverHeardIsLostWhenInitdeadEnds() {
        var membership = Membership(spec: Self.spec, local: NodeName("n1"), now: Self.at(0))
        _ = membership.heard(from: Self.n2, link: 0, boot: Self.boot, at: Self.at(900))
        #expect(membership.tick(at: Self.at(999)).isEmpty)
        #expect(membership.tick(at: Self.at(1000)) == [.nodeLost(Self.n3), .listeningEnded(alone: false)])
        var alone = Membership(spec: Self.spec, local: NodeName("n1"), now: Self.at(0))
        #expect(alone.tick(at: Self.at(1000)).last == .listeningEnded(alone: true))
    }

    @Test func oneLinkCutIsAnEventAndTheSpareTakesOver() {
        var membership = Membership(spec: Self.spec, local: NodeName("n3"), now: Self.at(0))
        var time: Int64 = 0
        // Both links of n2 answer every 100 ms; link 0 first.
        for _ in 0..<5 {
            time += 100
            _ = membership.heard(from: Self.n2, link: 0, boot: Self.boot, at: Self.at(time))
            _ = membership.heard(from: Self.n2, link: 1, boot: Self.boot, at: Self.at(time))
            _ = membership.tick(at: Self.at(time))
        }
        #expect(membership.peer(Self.n2)?.activeLink == 0)
        // Link 0 is cut: only link 1 answers from now on.
        var events: [Membership.Event] = []
        for _ in 0..<10 {
            time += 100
            events += membership.heard(from: Self.n2, link: 1, boot: Self.boot, at: Self.at(time))
            events += membership.tick(at: Self.at(time))
        }
        #expect(
            events.filter { $0 != .nodeLost(NodeName("n1")) && $0 != .listeningEnded(alone: false) } == [
                .linkLate(Self.n2, link: 0), .linkDown(Self.n2, link: 0), .activeLinkChanged(Self.n2, from: 0, to: 1),
            ])
        #expect(events.contains(.nodeLost(NodeName("n1"))), "n1 never answered during initdead")
        #expect(membership.peer(Self.n2)?.state == .alive)
        #expect(membership.peer(Self.n2)?.links.map(\.state) == [.down, .up])
        // Link 0 comes back: an event, but traffic stays on link 1 until it fails.
        time += 100
        #expect(
            membership.heard(from: Self.n2, link: 0, boot: Self.boot, at: Self.at(time)) == [.linkUp(Self.n2, link: 0)])
        #expect(membership.peer(Self.n2)?.activeLink == 1)
    }

    @Test func silenceOnEveryLinkForDeadtimeLosesThePeer() {
        var membership = Membership(spec: Self.spec, local: NodeName("n1"), now: Self.at(0))
        _ = membership.heard(from: Self.n2, link: 0, boot: Self.boot, at: Self.at(100))
        _ = membership.heard(from: Self.n2, link: 1, boot: Self.boot, at: Self.at(150))
        #expect(membership.tick(at: Self.at(399)).isEmpty)
        #expect(membership.tick(at: Self.at(400)) == [.linkLate(Self.n2, link: 0)])
        #expect(membership.tick(at: Self.at(450)) == [.linkLate(Self.n2, link: 1)])
        #expect(membership.tick(at: Self.at(600)) == [.linkDown(Self.n2, link: 0)])
        #expect(membership.tick(at: Self.at(650)) == [.linkDown(Self.n2, link: 1), .nodeLost(Self.n2)])
        #expect(membership.peer(Self.n2)?.state == .lost)
        let back = membership.heard(from: Self.n2, link: 1, boot: BootIdentifier(high: 9, low: 9), at: Self.at(5000))
        #expect(back == [.linkUp(Self.n2, link: 1), .activeLinkChanged(Self.n2, from: 0, to: 1), .nodeJoined(Self.n2)])
    }

    @Test func theNextDeadlineIsTheFirstLinkToGoLateOrDownThenTheLoss() {
        var membership = Membership(spec: Self.spec, local: NodeName("n1"), now: Self.at(0))
        #expect(membership.nextDeadline == Self.at(1000), "listening ends at initdead")
        _ = membership.heard(from: Self.n2, link: 0, boot: Self.boot, at: Self.at(100))
        _ = membership.heard(from: Self.n2, link: 1, boot: Self.boot, at: Self.at(150))
        _ = membership.heard(from: Self.n3, link: 0, boot: Self.boot, at: Self.at(170))
        #expect(!membership.isListening)
        #expect(membership.nextDeadline == Self.at(400), "link 0 of n2 goes late at 100 + warntime 300")
        // Ticking at each deadline in turn gives each change at its exact instant, and the loss at the last link's.
        var seen: [(Int64, Membership.Event)] = []
        for _ in 0..<8 {
            guard let due = membership.nextDeadline else { break }
            seen += membership.tick(at: due).map { (due.milliseconds, $0) }
        }
        #expect(membership.nextDeadline == nil, "every link is down")
        let n2 = seen.filter { if case .nodeLost(let node) = $0.1 { node == Self.n2 } else { false } }
        #expect(n2.map(\.0) == [650], "n2 is lost at its last heartbeat (150) + deadtime 500, not a tick later")
        #expect(seen.first.map { $0.0 } == 400)
        #expect(seen.map(\.0) == seen.map(\.0).sorted())
        // A heartbeat moves the deadline.
        _ = membership.heard(from: Self.n3, link: 1, boot: Self.boot, at: Self.at(2000))
        #expect(membership.nextDeadline == Self.at(2300))
    }

    @Test func aNewBootIdentifierFromALivePeerIsARestart() {
        var membership = Membership(spec: Self.spec, local: NodeName("n1"), now: Self.at(0))
        _ = membership.heard(from: Self.n2, link: 0, boot: Self.boot, at: Self.at(100))
        let events = membership.heard(from: Self.n2, link: 0, boot: BootIdentifier(high: 7, low: 7), at: Self.at(200))
        #expect(events == [.nodeRestarted(Self.n2)])
        #expect(membership.peer(Self.n2)?.boot == BootIdentifier(high: 7, low: 7))
    }

    @Test func strangersAndUnknownLinksChangeNothing() {
        var membership = Membership(spec: Self.spec, local: NodeName("n1"), now: Self.at(0))
        #expect(membership.heard(from: NodeName("n9"), link: 0, boot: Self.boot, at: Self.at(1)).isEmpty)
        #expect(membership.heard(from: Self.n2, link: 2, boot: Self.boot, at: Self.at(1)).isEmpty)
        #expect(membership.heard(from: NodeName("n1"), link: 0, boot: Self.boot, at: Self.at(1)).isEmpty)
        #expect(membership.peer(Self.n2)?.state == .unknown)
        #expect(BootIdentifier(high: 0xab, low: 1).description == "00000000000000ab0000000000000001")
    }
}
