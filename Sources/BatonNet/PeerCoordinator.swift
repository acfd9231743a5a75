import BatonCore
import Crypto

/// How a node talks to its peers, seen from its engine: what it says of itself, what it hears, state transfer, and
/// requests that wait for an answer. The engine knows only this; ``PeerCoordinator`` speaks Baton's own protocol over
/// the nodetab's links, and other ways of talking (a serial line, a shared disk, etcd) come behind the same seam.
///
/// It is passive: the driver reads each arrival when it is ready for it (so a paused engine reads nothing), and
/// passes the monotonic time (``EngineClock/now``). What arrives is bytes from one of this node's paths (a link, a
/// line, a disk's slot, a watch), as ``Datagram``s; only the coordinator knows what they mean.
public protocol Coordinator: Sendable {
    /// Every arrival, unread, in order; it ends when the coordinator closes.
    var arrivals: AsyncStream<Datagram> { get }
    /// What one arrival says, in order: who was heard first, then what it asks or answers. A result of a request
    /// this node made ends that request here and says nothing.
    mutating func read(_ arrival: Datagram, at now: Duration) -> [Incoming]
    /// Says this node's summary to every peer.
    mutating func announce(_ summary: Summary)
    /// Asks `peer` for its cluster state.
    mutating func requestState(from peer: NodeName, link: Int?)
    /// Sends the cluster state's JSON, at `version`, to `peer`.
    mutating func sendState(_ json: [UInt8], version: UInt64, to peer: NodeName, link: Int?)
    /// Asks `peer` for the configuration file whose digest is `digest`.
    mutating func requestConfiguration(_ digest: String, from peer: NodeName, link: Int?)
    /// Sends a configuration file's bytes to `peer`.
    mutating func sendConfiguration(_ bytes: [UInt8], to peer: NodeName, link: Int?)
    /// Sends `message` (numbered by the coordinator) to `peer` and keeps it until its result comes, the request is
    /// ended, or `deadline` passes; `answer` gets the result once.
    mutating func ask(
        _ peer: NodeName, for kind: ActionKind?, deadline: Duration, at now: Duration,
        _ message: (UInt64) -> Message, answer: CheckedContinuation<ActionOutcome, Never>)
    /// Answers a request a peer made (``Incoming/request(_:_:)``).
    mutating func answer(_ request: PeerRequest, with outcome: ActionOutcome)
    /// Forgets a peer's request without answering it: a later copy arrives as new (an action from a senior this
    /// node does not follow yet).
    mutating func ignore(_ request: PeerRequest)
    /// Sends again what waits for an answer; ends what waited past its deadline.
    mutating func retransmit(at now: Duration)
    /// Ends every request to `peer` that waits, with what `outcome` says for its kind.
    mutating func endRequests(to peer: NodeName, _ outcome: (ActionKind?) -> ActionOutcome)
    /// Ends every request that waits, with `outcome`.
    mutating func endAllRequests(_ outcome: ActionOutcome)
    /// Whether a peer's request still runs here.
    var isServing: Bool { get }
    /// How many arrivals were accepted.
    var accepted: Int { get }
    /// How many were dropped, by reason.
    var rejected: [PacketVerifier.Rejection: Int] { get }
    /// Makes every way of talking usable again where it can (a link whose address came back).
    func restore() async
    /// Stops talking; ``arrivals`` ends.
    func close() async
}

/// What a coordinator read.
public enum Incoming: Sendable {
    /// `peer` was heard on link number `link`, in its run `boot`; with its summary when it was a heartbeat.
    case heard(NodeName, link: Int, boot: BootIdentifier, Summary?)
    /// `peer`'s clock is this far from this node's (milliseconds), newly over ``PeerCoordinator/clockThreshold``.
    case clockDifference(NodeName, milliseconds: Int64)
    /// `peer` asks for this node's cluster state.
    case stateRequested(by: NodeName)
    /// `peer`'s cluster state arrived whole: its JSON and version.
    case state(json: [UInt8], version: UInt64, from: NodeName)
    /// `peer` asks for the configuration file whose digest is `digest`.
    case configurationRequested(digest: String, by: NodeName)
    /// A configuration file from `peer` arrived whole.
    case configuration([UInt8], from: NodeName)
    /// A peer's request, the first time it arrives; answer it with ``Coordinator/answer(_:with:)``.
    case request(PeerRequest, Message)
}

extension Incoming {
    /// Whether it asks for or brings a configuration file.
    public var isConfigurationTransfer: Bool {
        switch self {
        case .configurationRequested, .configuration: true
        default: false
        }
    }
}

/// A peer's request, as this node must answer it.
public struct PeerRequest: Hashable, Sendable {
    /// Who asked.
    public var peer: NodeName
    /// In which run.
    public var boot: BootIdentifier
    /// Its number in that run.
    public var id: UInt64
}

/// Baton's own protocol between nodes: signed UDP heartbeats on every link of the nodetab, which carry each node's
/// summary; the cluster state on request, in parts; requests (actions, monitor failures, administrators' wishes)
/// sent on every link, again every interval until their result comes, each run once however often it arrives.
public struct PeerCoordinator: Coordinator {
    /// A peer's clock this far from ours is said.
    public static let clockThreshold = Duration.seconds(2)

    private let spec: ClusterSpec
    private let local: NodeName
    private let boot: BootIdentifier
    private let key: SymmetricKey
    private let links: any LinkTransport
    private let clock: any EngineClock
    private var verifier: PacketVerifier
    private var sequence: UInt64 = 0
    private var parts = StateParts()
    private var configurationParts = StateParts()
    private var nextRequest: UInt64 = 0
    private var pending: [UInt64: Pending] = [:]
    /// Requests of peers, by who asked: `nil` while it runs here, then its result.
    private var served: [PeerRequest: ActionOutcome?] = [:]
    private var servedOrder: [PeerRequest] = []
    private var clockWarned: Set<NodeName> = []
    /// The summary last announced and its payload: most beats announce the same summary, encoded once.
    private var announced: (summary: Summary, payload: [UInt8])?
    /// Each peer's last heartbeat payload and its summary: most heartbeats repeat the last, decoded once.
    private var heard: [NodeName: (payload: [UInt8], summary: Summary?)] = [:]
    /// When the driver last read or ticked: a longer gap means it was paused (SIGSTOP, a stalled machine), and the
    /// packets queued meanwhile say nothing about the peers' clocks.
    private var lastActive: Duration?
    /// Until when the clocks of packets are not compared, after a pause.
    private var stalledUntil: Duration?

    /// A request to a peer that waits for its result.
    private struct Pending {
        var peer: NodeName
        var kind: ActionKind?
        var payload: [UInt8]
        var sent: Duration
        var deadline: Duration
        var answer: CheckedContinuation<ActionOutcome, Never>
    }

    /// Talks for `local` over `links`, signing with `key`; `clock`'s wall clock stamps packets and reads peers'
    /// stamps.
    public init(
        spec: ClusterSpec, local: NodeName, boot: BootIdentifier, key: SymmetricKey, links: any LinkTransport,
        clock: any EngineClock
    ) {
        self.spec = spec
        self.local = local
        self.boot = boot
        self.key = key
        self.links = links
        self.clock = clock
        verifier = PacketVerifier(
            cluster: spec.cluster.value, key: key, peers: Set(spec.nodes.map(\.name).filter { $0 != local }))
    }

    /// How many packets were accepted.
    public var accepted: Int { verifier.accepted }
    /// How many were dropped, by reason.
    public var rejected: [PacketVerifier.Rejection: Int] { verifier.rejected }

    public var arrivals: AsyncStream<Datagram> { links.datagrams }

    public var isServing: Bool { served.values.contains { $0 == nil } }

    public func restore() async { await links.rebind() }

    public func close() async { await links.close() }

    // MARK: Reading

    public mutating func read(_ datagram: Datagram, at now: Duration) -> [Incoming] {
        noteActivity(at: now)
        guard let packet = verifier.accept(datagram.bytes), let peer = spec.node(named: packet.sender) else {
            return []
        }
        let sender = packet.sender
        let link =
            datagram.source.flatMap { source in peer.links.firstIndex { $0.value == source } }
            ?? min(datagram.link, peer.links.count - 1)
        let summary = packet.kind == .heartbeat ? summary(packet.payload, from: sender) : nil
        var incoming: [Incoming] = [.heard(sender, link: link, boot: packet.boot, summary)]
        if let difference = clockDifference(of: packet, at: now) {
            incoming.append(.clockDifference(sender, milliseconds: difference))
        }
        switch packet.kind {
        case .heartbeat:
            break
        case .stateRequest:
            incoming.append(.stateRequested(by: sender))
        case .stateReply:
            if let (version, json) = parts.add(packet.payload) {
                incoming.append(.state(json: json, version: version, from: sender))
            }
        case .configRequest:
            incoming.append(
                .configurationRequested(digest: String(decoding: packet.payload, as: UTF8.self), by: sender))
        case .configReply:
            if let (_, bytes) = configurationParts.add(packet.payload) {
                incoming.append(.configuration(bytes, from: sender))
            }
        case .message:
            guard let message = WireCoding.decode(Message.self, packet.payload) else { break }
            if case .result(let id, let outcome) = message {
                if pending[id]?.peer == sender { pending.removeValue(forKey: id)?.answer.resume(returning: outcome) }
                break
            }
            let request = PeerRequest(peer: sender, boot: packet.boot, id: message.id)
            // Run once, however often it arrives; every copy after the result is answered with it.
            if let known = served[request] {
                if let outcome = known { answer(request, with: outcome) }
                break
            }
            served[request] = .some(nil)
            servedOrder.append(request)
            if servedOrder.count > 1000 { served[servedOrder.removeFirst()] = nil }
            incoming.append(.request(request, message))
        }
        return incoming
    }

    private mutating func summary(_ payload: [UInt8], from sender: NodeName) -> Summary? {
        if let last = heard[sender], last.payload == payload { return last.summary }
        let summary = WireCoding.decode(Summary.self, payload)
        heard[sender] = (payload, summary)
        return summary
    }

    /// Notes that the driver runs; after a gap of several intervals, packets read during the next deadtime were
    /// queued while it was paused.
    private mutating func noteActivity(at now: Duration) {
        if let last = lastActive, now - last > spec.heartbeat.interval.value * 3 {
            stalledUntil = now + spec.heartbeat.deadtime.value
        }
        lastActive = now
    }

    private mutating func clockDifference(of packet: HeartbeatPacket, at now: Duration) -> Int64? {
        // A packet that waited in the socket while this engine was paused carries an old time.
        if let stalledUntil, now < stalledUntil { return nil }
        let difference = abs(packet.timestamp.milliseconds - clock.wall.milliseconds)
        guard difference > Self.clockThreshold.wholeMilliseconds else {
            clockWarned.remove(packet.sender)
            return nil
        }
        return clockWarned.insert(packet.sender).inserted ? difference : nil
    }

    // MARK: Sending

    public mutating func announce(_ summary: Summary) {
        let payload = announced.flatMap { $0.summary == summary ? $0.payload : nil } ?? heartbeatPayload(summary)
        announced = (summary, payload)
        for node in spec.nodes where node.name != local {
            send(.heartbeat, payload, to: node.name, link: nil)
        }
    }

    /// The summary's JSON, without the parts that may be left out when it does not fit one packet.
    private func heartbeatPayload(_ summary: Summary) -> [UInt8] {
        var summary = summary
        let payload = WireCoding.encode(summary)
        guard payload.count > HeartbeatPacket.payloadCapacity(cluster: spec.cluster.value, sender: local) else {
            return payload
        }
        summary.held = nil
        summary.sections = nil
        return WireCoding.encode(summary)
    }

    public mutating func requestState(from peer: NodeName, link: Int?) {
        send(.stateRequest, [], to: peer, link: link ?? 0)
    }

    public mutating func sendState(_ json: [UInt8], version: UInt64, to peer: NodeName, link: Int?) {
        let capacity = HeartbeatPacket.payloadCapacity(cluster: spec.cluster.value, sender: local)
        for part in StateParts.split(json, version: version, capacity: capacity) {
            send(.stateReply, part, to: peer, link: link ?? 0)
        }
    }

    public mutating func requestConfiguration(_ digest: String, from peer: NodeName, link: Int?) {
        send(.configRequest, Array(digest.utf8), to: peer, link: link ?? 0)
    }

    public mutating func sendConfiguration(_ bytes: [UInt8], to peer: NodeName, link: Int?) {
        let capacity = HeartbeatPacket.payloadCapacity(cluster: spec.cluster.value, sender: local)
        // The parts of one file carry its digest as their number, so that the parts of two files are not mixed.
        let number = UInt64(WireCoding.digest(bytes), radix: 16) ?? 0
        for part in StateParts.split(bytes, version: number, capacity: capacity) {
            send(.configReply, part, to: peer, link: link ?? 0)
        }
    }

    /// Sends on `link` of `peer`, or on every link when `nil`.
    private mutating func send(_ kind: HeartbeatPacket.Kind, _ payload: [UInt8], to node: NodeName, link: Int?) {
        guard let peer = spec.node(named: node) else { return }
        let ownCount = spec.node(named: local)?.links.count ?? 1
        for (index, address) in peer.links.enumerated() where link == nil || index == link {
            sequence += 1
            let packet = HeartbeatPacket(
                kind: kind, cluster: spec.cluster.value, sender: local, boot: boot, sequence: sequence,
                timestamp: clock.wall, payload: payload)
            guard let bytes = packet.encoded(key: key) else { return }
            links.send(bytes, from: index < ownCount ? index : 0, to: address.value, port: spec.heartbeat.port.value)
        }
    }

    // MARK: Requests

    public mutating func ask(
        _ peer: NodeName, for kind: ActionKind?, deadline: Duration, at now: Duration,
        _ message: (UInt64) -> Message, answer: CheckedContinuation<ActionOutcome, Never>
    ) {
        nextRequest += 1
        let payload = WireCoding.encode(message(nextRequest))
        pending[nextRequest] = Pending(
            peer: peer, kind: kind, payload: payload, sent: now, deadline: deadline, answer: answer)
        send(.message, payload, to: peer, link: nil)
    }

    public mutating func answer(_ request: PeerRequest, with outcome: ActionOutcome) {
        var outcome = outcome
        outcome.message = String(outcome.message.prefix(400))
        if served[request] != nil { served[request] = .some(outcome) }
        send(.message, WireCoding.encode(Message.result(id: request.id, outcome)), to: request.peer, link: nil)
    }

    public mutating func ignore(_ request: PeerRequest) {
        served[request] = nil
        servedOrder.removeAll { $0 == request }
    }

    public mutating func retransmit(at now: Duration) {
        noteActivity(at: now)
        for (id, request) in pending {
            if now >= request.deadline {
                pending[id] = nil
                request.answer.resume(
                    returning: ActionOutcome(code: 1, timedOut: true, message: "\(request.peer) did not answer"))
            } else if now - request.sent >= spec.heartbeat.interval.value {
                pending[id]!.sent = now
                send(.message, request.payload, to: request.peer, link: nil)
            }
        }
    }

    public mutating func endRequests(to peer: NodeName, _ outcome: (ActionKind?) -> ActionOutcome) {
        for (id, request) in pending where request.peer == peer {
            pending[id] = nil
            request.answer.resume(returning: outcome(request.kind))
        }
    }

    public mutating func endAllRequests(_ outcome: ActionOutcome) {
        for (id, request) in pending {
            pending[id] = nil
            request.answer.resume(returning: outcome)
        }
    }
}

extension Message {
    /// The number of a request (every message but a result is one).
    var id: UInt64 {
        switch self {
        case .action(let request): request.id
        case .result(let id, _), .monitorFailed(let id, _, _), .request(let id, _), .awaitedRequest(let id, _): id
        }
    }
}
