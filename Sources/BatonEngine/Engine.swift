import BatonAgents
import BatonControl
import BatonCore
import BatonNet
import Crypto
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif
import Logging

/// Baton on one node: heartbeats on every link, membership, the senior node's plans, actions on this node, recurring
/// monitors, the state file and the control socket's answers.
///
/// Every node holds the cluster state. The senior node (the most senior of the nodes that formed the cluster, and
/// after its loss the most senior survivor) changes it: it plans with the planner, sends each node its actions,
/// applies their results, and raises the state's version; the other nodes fetch each new version and write it to
/// their state files, so that any of them can carry on as the senior.
public actor Engine {
    /// What the engine needs to run.
    public struct Settings: Sendable {
        /// The configuration, valid.
        public var spec: ClusterSpec
        /// This node.
        public var node: NodeName
        /// Where the state file is.
        public var stateDirectory: String
        /// Where the agents are, and where built-in agents keep their files.
        public var catalog: AgentCatalog
        /// The cluster's shared secret, which signs every packet.
        public var key: [UInt8]
        /// The bytes of the configuration file, whose digest peers compare.
        public var configuration: [UInt8]
        /// Binds this node's links: UDP sockets on its addresses, unless a test gives another transport.
        public var transport: @Sendable (_ addresses: [IPAddress], _ port: Int) async throws -> any LinkTransport
        /// What performs this node's actions: the resources' agents, unless a test gives another runner.
        public var runner: any ActionRunner
        /// Where this node's state is kept between runs: `state.json` in ``stateDirectory`` unless set.
        var store: any StateStore
        /// How long a group whose resource answers from another machine waits before the senior tries it again.
        var heldRetry = Duration.seconds(10)

        /// Creates the settings.
        public init(
            spec: ClusterSpec, node: NodeName, stateDirectory: String, catalog: AgentCatalog, key: [UInt8],
            configuration: [UInt8]
        ) {
            self.spec = spec
            self.node = node
            self.stateDirectory = stateDirectory
            self.catalog = catalog
            self.key = key
            self.configuration = configuration
            transport = { try await LinkService.bind($0, port: $1) }
            runner = AgentActionRunner(spec: spec, catalog: catalog)
            store = StateFile(directory: stateDirectory)
        }
    }

    /// A peer's clock this far from ours is an event.
    static let clockThreshold = Duration.seconds(2)

    let spec: ClusterSpec
    let identity: ConfigurationIdentity
    let local: NodeName
    let boot: BootIdentifier
    let key: SymmetricKey
    let runner: any ActionRunner
    let stateFile: any StateStore
    let transport: @Sendable ([IPAddress], Int) async throws -> any LinkTransport
    let heldRetry: Duration
    let clock = ContinuousClock()
    let origin: ContinuousClock.Instant
    var links: (any LinkTransport)?
    /// ``run()`` ended (the engine was stopped, or its task cancelled as a kill would): nothing more runs here.
    var halted = false
    /// Until when the loops stand still (``pause(until:)``).
    var pausedUntil: ContinuousClock.Instant?
    /// Work the engine starts besides its two loops (a plan's drain, an action served to a peer, a recurring
    /// monitor, a failure on its way to the senior): each runs as a child of ``run()``'s task group, so none
    /// outlives the engine.
    private let jobs: AsyncStream<Job>
    let jobSink: AsyncStream<Job>.Continuation
    typealias Job = @Sendable () async -> Void

    var membership: Membership
    var verifier: PacketVerifier
    var sequence: UInt64 = 0
    /// The cluster state this node holds; the senior's is the reference.
    var state: ClusterState {
        get { queue.state }
        set { queue.state = newValue }
    }
    var version: UInt64 = 0
    /// The first 8 bytes of the SHA-256 of the state's JSON, in hex: what heartbeats carry instead of the state.
    var digest = ""
    /// The node whose state `state` is.
    var source: NodeName?
    /// Which node plans for the cluster, and its term.
    var election: SeniorElection
    /// The node this one follows (itself when it leads), once known.
    var senior: NodeName? { election.senior }
    /// The senior's term: raised by each node that becomes the senior, followed by the others.
    var term: UInt64 { election.term }
    /// Peers whose engine stopped on purpose when they were last lost: their loss is no takeover.
    var left: Set<NodeName> = []
    /// Peers heard claiming to lead while this node leads, until they give way.
    var rivals: Set<NodeName> = []
    /// Peers whose engine restarted within deadtime, until their return is planned.
    var restarted: Set<NodeName> = []
    /// Peers heard again whose return the senior plans once their first heartbeat says whom they follow.
    var returning: Set<NodeName> = []
    /// This node gave way to another senior and asks it to plan its return (``askToRejoin()``); `nil` once the
    /// senior took it, or when there is nothing to ask.
    var rejoin: Rejoin?
    enum Rejoin { case due, sent }
    /// This node holds a cluster state: it formed the cluster, or fetched the senior's.
    var ready = false
    var stored: StoredState
    var summaries: [NodeName: Summary] = [:]
    var parts = StateParts()
    var lastStateRequest: ContinuousClock.Instant?
    var clockWarned: Set<NodeName> = []
    /// Peers whose configuration differs from this node's, with the sections that differ (empty when unknown):
    /// they take no part in election or plans, and nothing but their heartbeats is read.
    var mismatched: [NodeName: [String]] = [:]
    /// When this engine last ran its tick or read a packet: a longer gap means it was paused (SIGSTOP, a stalled
    /// machine), and the packets queued meanwhile say nothing about the peers' clocks.
    var lastActive: ContinuousClock.Instant
    /// Until when the clocks of packets are not compared, after a pause.
    var stalledUntil: ContinuousClock.Instant

    /// The cluster's one loop of plans, and the cluster state it holds.
    var queue: TransitionQueue
    /// What the queue said to do that the drain has not done yet.
    var steps: [TransitionQueue.Step] = []
    /// Whether the drain runs.
    var draining = false
    var takingOver = false
    /// This node formed the cluster alone and starts its groups (LINTER's STARTMONO).
    var startingAlone = false
    /// What this node's agents started or found running and did not stop since: what it stops itself when it
    /// leaves with no senior to hand over to, whatever the cluster state it last received says.
    var runsHere: Set<ResourceName> = []
    var shuttingDown = false
    var stopped = false
    var reportedRole: NodeRole = .undefined
    /// Groups that wait because a resource answers from another machine, with when that was found.
    var heldElsewhere: [GroupName: ContinuousClock.Instant] = [:]

    var nextRequest: UInt64 = 0
    var pending: [UInt64: Pending] = [:]
    var served: [String: ActionOutcome?] = [:]
    var servedOrder: [String] = []
    /// The recurring monitor of each resource, by the token of its loop: a loop whose token is gone ends.
    var monitors: [ResourceName: Int] = [:]
    var monitorResults: [ResourceName: Int] = [:]
    /// Monitor failures on this node that the senior has not acknowledged yet, with their codes.
    var unreported: [ResourceName: Int] = [:]
    /// Those on their way to the senior now.
    var reporting: Set<ResourceName> = []
    var nextMonitorToken = 0
    var events: EventLog

    /// A request to a peer that waits for its result.
    struct Pending {
        var node: NodeName
        /// The action asked for, when it is one.
        var kind: ActionKind?
        var payload: [UInt8]
        var sent: ContinuousClock.Instant
        var deadline: ContinuousClock.Instant
        var continuation: CheckedContinuation<ActionOutcome, Never>
    }

    /// Creates the engine; nothing is sent or bound until ``run()``.
    /// - Throws: ``EngineError`` when the state file cannot be read.
    public init(_ settings: Settings, logger: Logger) throws {
        spec = settings.spec
        identity = ConfigurationIdentity(settings.configuration)
        local = settings.node
        election = SeniorElection(local: settings.node, seniority: settings.spec.nodesBySeniority.map(\.name))
        var generator = SystemRandomNumberGenerator()
        boot = BootIdentifier(high: generator.next(), low: generator.next())
        key = SymmetricKey(data: settings.key)
        runner = settings.runner
        stateFile = settings.store
        transport = settings.transport
        heldRetry = settings.heldRetry
        stored = try stateFile.load()
        origin = clock.now
        lastActive = origin
        stalledUntil = origin
        membership = Membership(spec: settings.spec, local: settings.node, now: Timestamp(milliseconds: 0))
        verifier = PacketVerifier(
            cluster: settings.spec.cluster.value, key: key,
            peers: Set(settings.spec.nodes.map(\.name).filter { $0 != settings.node }))
        queue = TransitionQueue(spec: settings.spec, state: ClusterState())
        events = EventLog(logger: logger, handler: settings.spec.events)
        (jobs, jobSink) = AsyncStream.makeStream(of: Job.self)
    }

    // MARK: Time

    /// Monotonic time since the engine started, for membership.
    var now: Timestamp { Timestamp(milliseconds: Self.milliseconds(clock.now - origin)) }

    /// The wall clock, for packets, failures and restart windows.
    static var wallClock: Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    // MARK: Running

    /// Binds every link of this node and runs until ``shutDown()`` finishes or the task is cancelled.
    public func run() async throws {
        let addresses = spec.node(named: local)!.links.map(\.value)
        let port = spec.heartbeat.port.value
        do {
            links = try await transport(addresses, port)
        } catch {
            throw EngineError(
                "cannot listen on \(addresses.map(\.description).joined(separator: ", ")) port \(port): \(error)")
        }
        emit(.engineStarted(local, boot: "\(boot)", initdead: spec.heartbeat.initdead.value))
        let jobSink = jobSink
        await withDiscardingTaskGroup { group in
            group.addTask {
                await self.receiveLoop()
                jobSink.finish()
            }
            group.addTask {
                await self.tickLoop()
                jobSink.finish()
            }
            // Until a loop ends or the task is cancelled (as a kill would).
            for await job in jobs { group.addTask { await job() } }
            halt()
            group.cancelAll()
        }
        await links?.close()
    }

    /// Stops both loops until `instant`, as `SIGSTOP` would (for in-process fault tests): nothing is sent or read,
    /// links are not aged, and what arrives meanwhile waits to be read with the time it was sent.
    func pause(until instant: ContinuousClock.Instant) {
        pausedUntil = instant
    }

    private func waitWhilePaused() async {
        while let until = pausedUntil, clock.now < until, !Task.isCancelled {
            try? await Task.sleep(until: until, clock: clock)
        }
        pausedUntil = nil
    }

    /// Runs `job` as a child of ``run()``'s task group; nothing once the engine halted.
    func spawn(_ job: @escaping Job) {
        jobSink.yield(job)
    }

    /// Nothing more runs here: monitors end, and requests to peers end unanswered, so that the drain waiting for
    /// them ends too.
    private func halt() {
        halted = true
        jobSink.finish()
        monitors = [:]
        for (id, request) in pending {
            pending[id] = nil
            request.continuation.resume(returning: Self.stoppedEngine(local))
        }
    }

    /// What an action or a request to a peer comes to once the engine halted: nothing ran.
    static func stoppedEngine(_ node: NodeName) -> ActionOutcome {
        ActionOutcome(code: 1, message: "the engine of \(node) stopped", declined: true)
    }

    private func receiveLoop() async {
        guard let links else { return }
        for await datagram in links.datagrams {
            await waitWhilePaused()
            if Task.isCancelled { return }
            receive(datagram)
        }
    }

    private func tickLoop() async {
        let interval = spec.heartbeat.interval.value
        while !Task.isCancelled, !stopped {
            await waitWhilePaused()
            noteActivity()
            await links?.rebind()
            sendHeartbeats()
            handle(membership.tick(at: now))
            retransmit()
            retryHeldGroups()
            reportMonitorFailures()
            askToRejoin()
            elect()
            updateRole()
            try? await Task.sleep(for: interval)
        }
    }

    // MARK: Packets

    func send(_ kind: HeartbeatPacket.Kind, _ payload: [UInt8], to node: NodeName, allLinks: Bool) {
        guard let links, let peer = spec.node(named: node) else { return }
        let ownCount = spec.node(named: local)!.links.count
        let active = membership.peer(node)?.activeLink
        for (index, address) in peer.links.enumerated() where allLinks || index == (active ?? 0) {
            sequence += 1
            let packet = HeartbeatPacket(
                kind: kind, cluster: spec.cluster.value, sender: local, boot: boot, sequence: sequence,
                timestamp: Self.wallClock, payload: payload)
            guard let bytes = packet.encoded(key: key) else { return }
            links.send(bytes, from: index < ownCount ? index : 0, to: address.value, port: spec.heartbeat.port.value)
        }
    }

    func sendHeartbeats() {
        var summary = Summary(
            role: role, senior: senior?.rawValue, term: term, digest: digest,
            held: stored.held(by: local), config: identity.digest, sections: identity.sections)
        var payload = WireCoding.encode(summary)
        if payload.count > HeartbeatPacket.payloadCapacity(cluster: spec.cluster.value, sender: local) {
            summary.held = nil
            summary.sections = nil
            payload = WireCoding.encode(summary)
        }
        for node in spec.nodes where node.name != local {
            send(.heartbeat, payload, to: node.name, allLinks: true)
        }
    }

    func receive(_ datagram: Datagram) {
        noteActivity()
        guard let packet = verifier.accept(datagram.bytes), let peer = spec.node(named: packet.sender) else { return }
        let link =
            datagram.source.flatMap { source in peer.links.firstIndex { $0.value == source } }
            ?? min(datagram.link, peer.links.count - 1)
        // The summary first: the end of listening that this packet may cause must know whom the peer follows.
        let summary = packet.kind == .heartbeat ? WireCoding.decode(Summary.self, packet.payload) : nil
        if let summary {
            summaries[packet.sender] = summary
            compareConfiguration(of: packet.sender, summary)
        }
        // A peer with another configuration is heard (membership, its heartbeats) but never obeyed or served.
        if mismatched[packet.sender] != nil, packet.kind != .heartbeat { return }
        handle(membership.heard(from: packet.sender, link: link, boot: packet.boot, at: now))
        // A restart that this packet revealed forgot the peer's old summary; this one is its new boot's.
        if let summary { summaries[packet.sender] = summary }
        checkClock(of: packet)
        switch packet.kind {
        case .heartbeat:
            guard let summary else { return }
            if returning.remove(packet.sender) != nil { planReturn(of: packet.sender) }
            // A peer that says it leads while this node leads thought this node lost (an asymmetric cut, a stall)
            // and may have run plans of its own: once it gives way, its node is probed like a returning one.
            if senior == local, summary.senior == packet.sender.rawValue, rivals.insert(packet.sender).inserted {
                restarted.insert(packet.sender)
            } else if summary.senior != packet.sender.rawValue, rivals.remove(packet.sender) != nil {
                planReturn(of: packet.sender)
            }
            election.heard(term: summary.term, from: packet.sender)
            if packet.sender == senior, senior != local, summary.digest != digest || source != senior {
                requestState()
            }
        case .stateRequest:
            guard senior == local, ready else { return }
            let capacity = HeartbeatPacket.payloadCapacity(cluster: spec.cluster.value, sender: local)
            let json = WireCoding.encode(state)
            for part in StateParts.split(json, version: version, capacity: capacity) {
                send(.stateReply, part, to: packet.sender, allLinks: false)
            }
        case .stateReply:
            guard packet.sender == senior, senior != local, let (version, json) = parts.add(packet.payload),
                let received = WireCoding.decode(ClusterState.self, json)
            else { return }
            adopt(received, version: version, digest: WireCoding.digest(json))
        case .message:
            guard let message = WireCoding.decode(Message.self, packet.payload) else { return }
            handle(message, from: packet.sender, boot: packet.boot)
        }
    }

    /// Notes whether the peer's configuration is this node's; says so when that changes.
    private func compareConfiguration(of peer: NodeName, _ summary: Summary) {
        guard summary.config != identity.digest else {
            if mismatched.removeValue(forKey: peer) != nil {
                emit(.configMatched(local: local, peer: peer))
                planReturn(of: peer)
            }
            return
        }
        guard mismatched[peer] == nil else { return }
        let sections = summary.sections.map { identity.differences(from: $0) } ?? []
        mismatched[peer] = sections
        emit(.configMismatch(local: local, peer: peer, sections: sections))
        // The senior plans nothing for it any more: what it ran counts as lost.
        if senior == local, ready, state.status(of: peer) != .lost { enqueue(.nodeLost(peer)) }
        elect()
    }

    /// Notes that the engine runs; after a gap of several intervals, packets read during the next deadtime were
    /// queued while it was paused.
    private func noteActivity() {
        let now = clock.now
        if now - lastActive > spec.heartbeat.interval.value * 3 { stalledUntil = now + spec.heartbeat.deadtime.value }
        lastActive = now
    }

    private func checkClock(of packet: HeartbeatPacket) {
        // A packet that waited in the socket while this engine was paused carries an old time.
        guard clock.now >= stalledUntil else { return }
        let difference = abs(packet.timestamp.milliseconds - Self.wallClock.milliseconds)
        if difference > Self.milliseconds(Self.clockThreshold) {
            if clockWarned.insert(packet.sender).inserted {
                emit(.clockDifference(local: local, peer: packet.sender, milliseconds: difference))
            }
        } else {
            clockWarned.remove(packet.sender)
        }
    }

    private func requestState() {
        if let last = lastStateRequest, clock.now - last < spec.heartbeat.interval.value { return }
        guard let senior else { return }
        lastStateRequest = clock.now
        send(.stateRequest, [], to: senior, allLinks: false)
    }

    /// Takes the senior's state as this node's own.
    func adopt(_ received: ClusterState, version: UInt64, digest: String) {
        state = received
        self.version = version
        self.digest = digest
        source = senior
        if !ready {
            ready = true
            emit(.stateReceived(local: local, from: senior))
        }
        save()
        updateRole()
    }

    // MARK: Membership

    func handle(_ changes: [Membership.Event]) {
        for change in changes {
            switch change {
            case .linkUp(let node, let link):
                emit(.linkUp(peer: node, link: linkName(node, link)))
            case .linkLate(let node, let link):
                emit(
                    .linkLate(
                        peer: node, link: linkName(node, link), warntime: spec.heartbeat.warntime.value,
                        leaving: isLeaving(node)))
            case .linkDown(let node, let link):
                let others = membership.peer(node)?.links.contains { $0.state == .up } ?? false
                emit(
                    .linkDown(
                        peer: node, link: linkName(node, link), deadtime: spec.heartbeat.deadtime.value,
                        leaving: isLeaving(node), heardElsewhere: others))
            case .activeLinkChanged(let node, let from, let to):
                if from != nil {
                    emit(.linkSwitched(peer: node, link: linkName(node, to)))
                }
            case .nodeJoined(let node):
                emit(.nodeJoined(node))
                // Its heartbeat says whether it leads (two seniors after a partition heals): only then is it known
                // which of the two plans its return.
                if summaries[node] == nil { returning.insert(node) } else { planReturn(of: node) }
            case .nodeLost(let node):
                if summaries[node]?.role == .stopped {
                    // Its last heartbeat said its engine stopped, after handing its groups over: maintenance.
                    left.insert(node)
                    emit(.nodeLeft(node))
                } else {
                    left.remove(node)
                    emit(.nodeLost(node, deadtime: spec.heartbeat.deadtime.value))
                }
                summaries[node] = nil
                restarted.remove(node)
                returning.remove(node)
                rivals.remove(node)
                failPending(to: node, left: left.contains(node))
                if node == senior {
                    election.seniorGone()
                    elect()
                } else if senior == local, ready, state.status(of: node) != .lost {
                    enqueue(.nodeLost(node))
                }
            case .nodeRestarted(let node):
                emit(.nodeRestarted(node))
                summaries[node] = nil
                failPending(to: node)
                // Only its engine restarted, within deadtime: what it ran may still run there. No takeover; what it
                // ran counts as stopped until its probes say otherwise. The senior plans them on its first heartbeat,
                // and when it was the senior itself, so does the node that leads after it.
                restarted.insert(node)
                returning.insert(node)
                if node == senior {
                    election.seniorGone()
                    elect()
                }
            case .listeningEnded(let alone):
                emit(.listeningEnded(local, alone: alone))
                elect()
            }
        }
    }

    /// The senior's part of a peer's return: probe what runs there, and start what waited for its data. A node that
    /// meets a more senior one that leads gives way first and plans nothing.
    private func planReturn(of node: NodeName) {
        elect()
        guard mismatched[node] == nil else { return }
        // No senior decided yet (the senior's own engine restarted): the next heartbeat tries again.
        guard let senior else {
            returning.insert(node)
            return
        }
        let restarted = self.restarted.remove(node) != nil
        // Planned even when the state does not show the node lost yet: its loss may still wait in the queue, and
        // the return comes after it there. A probe of a node that was not lost only finds what runs.
        guard senior == local, ready else { return }
        if restarted { state.nodes[node, default: NodeState()].status = .lost }
        enqueue(.nodeJoined(node))
        // A group held elsewhere ends its wait when the probes of this return find it running; one that waited for
        // this node's newer data may start now.
        for (group, record) in state.groups where record.waiting != nil && record.node == node {
            guard heldElsewhere[group] == nil else { continue }
            enqueue(.startGroup(group))
        }
    }

    /// After giving way, asks the senior to plan this node's return (its probes), once at a time, each tick until
    /// the senior takes it.
    private func askToRejoin() {
        guard rejoin == .due, let senior, senior != local else { return }
        rejoin = .sent
        spawn {
            let outcome = await self.ask(senior, deadline: .seconds(5)) {
                .request(id: $0, .rejoin(node: self.local.rawValue))
            }
            await self.rejoinAnswered(accepted: outcome.code == 0)
        }
    }

    private func rejoinAnswered(accepted: Bool) {
        rejoin = accepted ? nil : .due
    }

    /// Whether the peer's last heartbeat said it is stopping: its silence is expected.
    func isLeaving(_ node: NodeName) -> Bool {
        summaries[node]?.role == .shutDown || summaries[node]?.role == .stopped
    }

    private func linkName(_ node: NodeName, _ link: Int) -> String {
        spec.node(named: node).map { "\(link + 1) (\($0.links[link].value))" } ?? "\(link + 1)"
    }

    /// Chooses the node to follow: the most senior live peer that says it is the senior (two seniors after a
    /// partition heals: the less senior gives way), else the most senior live node. When that is this node, it takes
    /// the senior's part.
    func elect() {
        guard !membership.isListening, !shuttingDown else { return }
        let alive = membership.peers.filter { $0.state == .alive }.map(\.name)
        let peers = alive.compactMap { name in
            summaries[name].map { summary in
                SeniorElection.Peer(
                    name: name, follows: summary.senior.map(NodeName.init), term: summary.term,
                    mismatched: mismatched[name] != nil)
            }
        }
        // A live peer's first packet may be an action, not a heartbeat: wait for each one's heartbeat, which says
        // whom it follows.
        switch election.decide(peers, everyPeerHeard: peers.count == alive.count) {
        case .unchanged:
            return
        case .follow(let claimant, let term, let gaveWay):
            emit(.seniorChanged(local: local, senior: claimant, term: term))
            if gaveWay { giveWay(to: claimant) }
            requestState()
        case .lead:
            becomeSenior(alive: Set(peers.filter { !$0.mismatched }.map(\.name)))
        }
    }

    private func becomeSenior(alive: Set<NodeName>) {
        rejoin = nil
        emit(.seniorChanged(local: local, senior: local, term: term))
        if !ready {
            formCluster(alive: alive)
            return
        }
        source = local
        // The state it holds may count it lost: the senior's, from before this node's return was planned (an engine
        // back within deadtime, then a stall). A node that leads runs: it plans from itself online.
        if state.status(of: local) == .lost { state.nodes[local, default: NodeState()].status = .online }
        for node in spec.nodes.map(\.name) where node != local && !alive.contains(node) {
            if state.status(of: node) != .lost { enqueue(.nodeLost(node)) }
        }
        publish()
    }

    /// This node stops being the senior: what it queued is dropped and what it asked of peers ends unanswered; its
    /// running plan stops at its next step (see `drain`), and the new senior's state replaces its own.
    private func giveWay(to claimant: NodeName) {
        // What this node started while it led is unknown to the claimant, which may never have seen it gone (the
        // partition was this node's alone): it asks to be probed.
        rejoin = .due
        queue.abandon()
        steps = []
        rivals = []
        takingOver = false
        startingAlone = false
        returning = []
        restarted = []
        // The senior's business: it retries the groups held elsewhere.
        heldElsewhere = [:]
        for (id, request) in pending {
            pending[id] = nil
            request.continuation.resume(
                returning: ActionOutcome(code: 1, message: "\(local) is no longer the senior: \(claimant) is"))
        }
    }

    /// The first senior of a cluster: builds the state from the state files (its own, and what its peers said they
    /// held), holds back groups whose newest data is on a node that is not here, and probes everything.
    private func formCluster(alive: Set<NodeName>) {
        var formed = ClusterState(time: Self.wallClock)
        for node in spec.nodes.map(\.name) {
            formed.nodes[node] = NodeState(status: node == local || alive.contains(node) ? .online : .lost)
        }
        var newest: [String: (generation: Int, owner: String?)] = stored.groups.mapValues { ($0.generation, $0.owner) }
        for (peer, summary) in summaries where alive.contains(peer) {
            for (group, generation) in summary.held ?? [:] where generation > newest[group]?.generation ?? -1 {
                newest[group] = (generation, peer.rawValue)
            }
        }
        for group in spec.groups {
            // An administrator's stop outlasts the engines: the group stays stopped until `baton start`.
            let stopped = stored.groups[group.name.rawValue]?.stopped == true
            guard let record = newest[group.name.rawValue] else {
                if stopped { formed.groups[group.name] = GroupState(stopped: true) }
                continue
            }
            var groupState = GroupState(
                node: record.owner.map(NodeName.init), generation: record.generation, stopped: stopped)
            if let owner = record.owner, record.generation > 0, formed.status(of: NodeName(owner)) != .online {
                groupState.stopped = true
                groupState.waiting =
                    "\(group.name) last ran on \(owner) (generation \(record.generation)), which holds the newest "
                    + "data and is not here"
                emit(.groupWaiting(group.name, reason: groupState.waiting!, owner: owner))
            }
            formed.groups[group.name] = groupState
        }
        for (resource, failures) in stored.failures where spec.resource(named: ResourceName(resource)) != nil {
            formed.resources[ResourceName(resource)] = ResourceState(failures: failures)
        }
        state = formed.withRoles(spec)
        startingAlone = alive.isEmpty
        ready = true
        source = local
        publish()
        enqueue(.formed)
    }

    // MARK: Roles and state

    /// This node's role: from the cluster state, except while it listens, takes over, fails or shuts down.
    var role: NodeRole {
        if stopped { return .stopped }
        if shuttingDown { return .shutDown }
        if membership.isListening || !ready { return .undefined }
        if takingOver { return .switchingToMono }
        if startingAlone { return .startMono }
        let base = state.nodes[local]?.role ?? .undefined
        return base
    }

    func updateRole() {
        let current = role
        guard current != reportedRole else { return }
        let previous = reportedRole
        reportedRole = current
        emit(.roleChanged(local, from: previous, to: current))
    }

    /// A new version of the state, from the senior: written to the state file; peers fetch it.
    func publish() {
        state = state.withRoles(spec)
        version += 1
        digest = WireCoding.digest(WireCoding.encode(state))
        save()
        updateRole()
    }

    func save() {
        stored = StoredState(state, role: role)
        do {
            try stateFile.save(stored)
        } catch {
            emit(.stateFileFailed("\(error)"))
        }
    }

    // MARK: Events

    /// Records an event, as it happens; its node is the one it is about (``ClusterEvent/subject``), else this one.
    func emit(_ event: ClusterEvent) {
        events.record(
            EventRecord(
                event: event.name.rawValue, severity: event.severity, node: (event.subject ?? local).rawValue,
                reporter: local.rawValue, group: event.group?.rawValue, resource: event.resource?.rawValue,
                role: reportedRole, message: event.message, action: event.action, time: Self.wallClock))
    }
}
