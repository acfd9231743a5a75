import BatonAgents
import BatonControl
import BatonCore
import BatonNet
import Crypto

#if canImport(Glibc)
    import Glibc
#endif
import Logging

/// Baton on one node: the driver of its ``NodeController``. It sends and reads heartbeats on every link, passes what
/// it hears and the clock's ticks to the controller, and carries out what the controller decides: plans run (this
/// node's actions here, the others on their node), requests to peers and their answers, recurring monitors, the state
/// file, events, and the control socket's answers.
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
        /// Where the configuration file is: a new configuration that the cluster takes is written there. `nil`: it
        /// is taken, and written nowhere.
        public var configurationPath: String?
        /// Binds this node's links: UDP sockets on its addresses, unless a test gives another transport.
        public var transport: @Sendable (_ addresses: [IPAddress], _ port: Int) async throws -> any LinkTransport
        /// What performs this node's actions: the resources' agents, unless a test gives another runner.
        public var runner: any ActionRunner
        /// Where this node's state is kept between runs: `state.json` in ``stateDirectory`` unless set.
        var store: any StateStore
        /// The time the engine runs on: the machine's, unless a test gives its own.
        var clock: any EngineClock = SystemClock()
        /// How this node talks to its peers over the links ``transport`` bound, in its run `boot`: Baton's own
        /// protocol (``PeerCoordinator``) unless another is given.
        var coordinator:
            (
                @Sendable (_ links: any LinkTransport, _ boot: BootIdentifier, _ clock: any EngineClock) ->
                    any Coordinator
            )?
        /// How long a group whose resource answers from another machine waits before the senior tries it again.
        var heldRetry = NodeController.defaultHeldRetry
        /// Whether ICMP echoes go to the links of a peer whose heartbeats stopped (``EchoWatch``); off for tests whose
        /// addresses are not on this machine.
        var echoesPeers = true

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

    var spec: ClusterSpec
    var identity: ConfigurationIdentity
    /// The bytes of the configuration file this node runs.
    var configuration: [UInt8]
    let configurationPath: String?
    /// Configuration files staged here (`baton config apply`), by digest: at most one.
    var stagedFiles: [String: [UInt8]] = [:]
    /// The HTTP endpoint, bound at ``run()`` when the configuration has one.
    var httpServer: HTTPEndpoint.Server?
    /// What the endpoint's `/metrics` says, and the packet counts it last said.
    let metrics = EngineMetrics()
    var acceptedScraped = 0
    var rejectedScraped: [String: Int] = [:]
    /// What systemd is told (`Type=notify`), when it runs the engine.
    let notifier = SystemdNotifier.fromProcess()
    var lastWatchdog = Duration.zero
    let local: NodeName
    let boot: BootIdentifier
    var runner: any ActionRunner
    let stateFile: any StateStore
    let transport: @Sendable ([IPAddress], Int) async throws -> any LinkTransport
    let clock: any EngineClock
    /// How this node talks to its peers, once ``run()`` bound its links.
    var coordinator: (any Coordinator)?
    let makeCoordinator: @Sendable (any LinkTransport, BootIdentifier, any EngineClock) -> any Coordinator
    /// ``run()`` ended (the engine was stopped, or its task cancelled as a kill would): nothing more runs here.
    var halted = false
    /// Until when the loops stand still (``pause(until:)``).
    var pausedUntil: Duration?
    /// Work the engine starts besides its two loops (a plan's drain, an action served to a peer, a recurring
    /// monitor, a failure on its way to the senior): each runs as a child of ``run()``'s task group, so none
    /// outlives the engine.
    private let jobs: AsyncStream<Job>
    let jobSink: AsyncStream<Job>.Continuation
    typealias Job = @Sendable () async -> Void
    /// Runs of the administrator's event handler, each a child of ``run()``'s outer task group: they outlast the
    /// engine's loops (the handler of `engine-stopped` runs to its end), never the engine's task.
    private let handlerRuns: AsyncStream<ProcessRequest>

    /// Every decision about the cluster: membership, election, roles, the cold start, the plans.
    var controller: NodeController
    /// The recurring monitor of each resource, by the token of its loop: a loop whose token is gone ends.
    var monitors: [ResourceName: Int] = [:]
    var monitorResults: [ResourceName: Int] = [:]
    /// Administrators' requests waiting for their transition's end (`--wait`), by number.
    var awaiting: [UInt64: CheckedContinuation<ActionOutcome, Never>] = [:]
    var nextAwaited: UInt64 = 0
    var nextMonitorToken = 0
    var events: EventLog
    /// The tiebreaker's pings, once ``run()`` opened them; with how many answers it had counted, the time of the
    /// last one and when the pings began.
    var pinger: EchoPinger?
    var tiebreakerAnswers: UInt64 = 0
    var lastTiebreakerAnswer: Duration?
    var pingsBegan = Duration.zero
    /// Echoes to the links of peers whose heartbeats stopped, and what they said.
    var peerPinger: EchoPinger?
    var echoWatch: EchoWatch
    let echoesPeers: Bool

    /// Creates the engine; nothing is sent or bound until ``run()``.
    /// - Throws: ``EngineError`` when the state file cannot be read.
    public init(_ settings: Settings, logger: Logger) throws {
        spec = settings.spec
        identity = ConfigurationIdentity(settings.configuration)
        configuration = settings.configuration
        configurationPath = settings.configurationPath
        local = settings.node
        var generator = SystemRandomNumberGenerator()
        boot = BootIdentifier(high: generator.next(), low: generator.next())
        runner = settings.runner
        stateFile = settings.store
        transport = settings.transport
        let (spec, node, key) = (settings.spec, settings.node, SymmetricKey(data: settings.key))
        makeCoordinator =
            settings.coordinator ?? { links, boot, clock in
                PeerCoordinator(spec: spec, local: node, boot: boot, key: key, links: links, clock: clock)
            }
        clock = settings.clock
        echoWatch = EchoWatch(spec: settings.spec)
        echoesPeers = settings.echoesPeers
        controller = NodeController(
            spec: settings.spec, local: settings.node, stored: try settings.store.load(),
            now: Timestamp(milliseconds: settings.clock.now.wholeMilliseconds), heldRetry: settings.heldRetry,
            configuration: ConfigurationIdentity(settings.configuration).digest)
        (jobs, jobSink) = AsyncStream.makeStream(of: Job.self)
        let (handlerRuns, handlerSink) = AsyncStream.makeStream(of: ProcessRequest.self)
        self.handlerRuns = handlerRuns
        events = EventLog(
            logger: logger, handler: settings.spec.events, runs: handlerSink,
            history: EventHistory(directory: settings.stateDirectory))
    }

    // MARK: Time

    /// Monotonic time, for membership.
    var now: Timestamp { Timestamp(milliseconds: clock.now.wholeMilliseconds) }

    // MARK: Running

    /// Binds every link of this node and runs until ``shutDown()`` finishes or the task is cancelled.
    public func run() async throws {
        let addresses = spec.node(named: local)!.links.map(\.value)
        let port = spec.heartbeat.port.value
        do {
            coordinator = makeCoordinator(try await transport(addresses, port), boot, clock)
        } catch {
            let links = addresses.map(\.description).joined(separator: ", ")
            throw EngineError("cannot listen on \(links) port \(port): \(systemReason(error))")
        }
        if let tiebreaker = spec.tiebreaker {
            do {
                pinger = try EchoPinger(targets: tiebreaker.targets.map(\.value))
                pingsBegan = clock.now
            } catch {
                await coordinator?.close()
                throw EngineError("cannot ping the tiebreaker: \(error)")
            }
        }
        if echoesPeers {
            // Without ICMP sockets, no lost peer is ever confirmed down: its floating addresses are probed before
            // they are taken.
            peerPinger = try? EchoPinger(
                targets: spec.nodes.filter { $0.name != local }.flatMap { $0.links.map(\.value) })
        }
        if let http = spec.http {
            do {
                httpServer = try await HTTPEndpoint.bind(address: http.address.value, port: http.port.value)
            } catch {
                await coordinator?.close()
                throw EngineError(
                    "cannot serve HTTP on \(http.address.value) port \(http.port.value): \(systemReason(error))")
            }
        }
        emit(.engineStarted(local, boot: "\(boot)", initdead: spec.heartbeat.initdead.value))
        await withDiscardingTaskGroup { outer in
            outer.addTask {
                await self.runLoops()
                await self.events.runs.finish()
            }
            for await request in handlerRuns { outer.addTask { _ = await ProcessRunner().run(request) } }
        }
    }

    /// Both loops and the engine's jobs, until a loop ends or the task is cancelled (as a kill would).
    private func runLoops() async {
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
            if let server = httpServer { group.addTask { await HTTPEndpoint.serve(server, self) } }
            for await job in jobs { group.addTask { await job() } }
            halt()
            group.cancelAll()
        }
        pinger?.close()
        peerPinger?.close()
        await coordinator?.close()
    }

    /// Stops both loops until `instant`, as `SIGSTOP` would (for in-process fault tests): nothing is sent or read,
    /// links are not aged, and what arrives meanwhile waits to be read with the time it was sent.
    func pause(until instant: Duration) {
        pausedUntil = instant
    }

    private func waitWhilePaused() async {
        while let until = pausedUntil, clock.now < until, !Task.isCancelled {
            try? await clock.sleep(until: until)
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
        coordinator?.endAllRequests(Self.stoppedEngine(local))
        for (id, waiter) in awaiting {
            awaiting[id] = nil
            waiter.resume(returning: Self.stoppedEngine(local))
        }
    }

    /// What an action or a request to a peer comes to once the engine halted: nothing ran.
    static func stoppedEngine(_ node: NodeName) -> ActionOutcome {
        ActionOutcome(code: 1, message: "the engine of \(node) stopped", declined: true)
    }

    private func receiveLoop() async {
        guard let arrivals = coordinator?.arrivals else { return }
        for await datagram in arrivals {
            await waitWhilePaused()
            if Task.isCancelled { return }
            receive(datagram)
        }
    }

    /// Every interval: heartbeats out, the tiebreaker pinged, a tick, retransmits. Between them, a tick at each of
    /// the controller's deadlines, so that a link is late or down, and a peer lost, at exactly its last heartbeat plus
    /// warntime or deadtime rather than at the next interval.
    private func tickLoop() async {
        let interval = spec.heartbeat.interval.value
        var beat = clock.now
        while !Task.isCancelled, !controller.stopped {
            await waitWhilePaused()
            if clock.now >= beat {
                let coordinator = coordinator
                await coordinator?.restore()
                sendHeartbeats()
                pingTiebreaker()
                handle(.tick)
                self.coordinator?.retransmit(at: clock.now)
                if let every = notifier.watchdogInterval, clock.now - lastWatchdog >= every {
                    lastWatchdog = clock.now
                    notifier.notify(["WATCHDOG=1"])
                }
                // A fixed rate; after a pause (or a stall), the next beat is an interval from now.
                beat = beat + interval > clock.now ? beat + interval : clock.now + interval
            } else {
                handle(.tick)
            }
            pingSilentPeers()
            var wake = beat
            if let due = controller.nextDeadline.map({ Duration.milliseconds($0.milliseconds) }) {
                wake = min(wake, max(due, clock.now + .milliseconds(1)))
            }
            try? await clock.sleep(until: wake)
        }
    }

    /// Pings the tiebreaker's targets, and tells the controller whether one answered within the timeout (once one
    /// answered, or the timeout passed since the pings began).
    private func pingTiebreaker() {
        guard let pinger, let timeout = spec.tiebreaker?.timeout.value else { return }
        let answers = pinger.answers
        if answers != tiebreakerAnswers {
            tiebreakerAnswers = answers
            lastTiebreakerAnswer = clock.now
        }
        pinger.ping()
        let reached = lastTiebreakerAnswer.map { clock.now - $0 < timeout } ?? false
        if reached || clock.now - pingsBegan >= timeout { handle(.tiebreaker(reached: reached)) }
    }

    /// Echoes to the links of every peer whose heartbeats stopped (``EchoWatch``).
    private func pingSilentPeers() {
        guard let peerPinger else { return }
        let due = echoWatch.update(controller.membership, answers: echoAnswers, now: now)
        let targets = due.flatMap { spec.node(named: $0)?.links.map(\.value) ?? [] }
        if !targets.isEmpty { peerPinger.ping(targets) }
        for (peer, verdict) in echoWatch.newVerdicts(controller.membership, answers: echoAnswers, now: now) {
            emit(.nodeEchoes(peer, answered: verdict == .answers))
        }
    }

    /// How many echo replies `peer`'s link addresses gave so far.
    private func echoAnswers(_ peer: NodeName) -> UInt64 {
        peerPinger?.answers(from: spec.node(named: peer)?.links.map(\.value) ?? []) ?? 0
    }

    /// Whether `node`, lost, is gone with what it ran: with fencing on, a start that replaces it follows its fence;
    /// without, its links answered no echo since its heartbeats stopped.
    func isGone(_ node: NodeName) -> Bool {
        spec.fences || echoWatch.verdict(node, in: controller.membership, answers: echoAnswers, now: now) == .down
    }

    // MARK: Packets

    func sendHeartbeats() {
        let own = controller.summary
        coordinator?.announce(
            Summary(
                role: own.role, senior: own.senior?.rawValue, term: own.term, digest: own.digest,
                held: own.held, config: identity.digest, sections: identity.sections, tiebreaker: own.tiebreaker,
                epoch: own.epoch == 0 ? nil : own.epoch, staged: own.staged))
    }

    /// The link in use to `peer`, for what goes on one link only.
    func activeLink(_ peer: NodeName) -> Int? {
        controller.membership.peer(peer)?.activeLink
    }

    func receive(_ datagram: Datagram) {
        guard let incoming = coordinator?.read(datagram, at: clock.now) else { return }
        for item in incoming {
            switch item {
            case .heard(let peer, let link, let boot, let summary):
                handle(.heard(peer, link: link, boot: boot, summary.map(read)))
                // A peer with another configuration is heard (membership, its heartbeats) but never obeyed or served,
                // except for configuration files: that is how one that was away takes the cluster's. Its request is
                // forgotten, not left running: a copy sent once the configurations match is taken.
                if controller.mismatched[peer] != nil, summary == nil,
                    !incoming.contains(where: \.isConfigurationTransfer)
                {
                    for case .request(let request, _) in incoming { coordinator?.ignore(request) }
                    return
                }
            case .clockDifference(let peer, let milliseconds):
                emit(.clockDifference(local: local, peer: peer, milliseconds: milliseconds))
            case .stateRequested(let peer):
                guard controller.isSenior, controller.ready else { continue }
                coordinator?.sendState(
                    WireCoding.encode(state), version: controller.version, to: peer, link: activeLink(peer))
            case .configurationRequested(let digest, let peer):
                guard let bytes = configurationFile(digest) else { continue }
                coordinator?.sendConfiguration(bytes, to: peer, link: activeLink(peer))
            case .configuration(let bytes, let peer):
                received(configuration: bytes, from: peer)
            case .state(let json, let version, let peer):
                guard peer == senior, !controller.isSenior, let received = WireCoding.decode(ClusterState.self, json)
                else { continue }
                handle(.stateReceived(received, version: version, digest: WireCoding.digest(json), from: peer))
            case .request(let request, let message):
                receive(message, request)
            }
        }
    }

    /// A heartbeat's summary as the controller reads it: with what differs between the sender's configuration and
    /// this node's.
    private func read(_ summary: Summary) -> PeerSummary {
        var read = PeerSummary(
            role: summary.role, senior: summary.senior.map(NodeName.init), term: summary.term, digest: summary.digest,
            held: summary.held,
            differences: summary.config == identity.digest
                ? nil : summary.sections.map { identity.differences(from: $0) } ?? [], tiebreaker: summary.tiebreaker)
        read.configuration = summary.config
        read.epoch = summary.epoch ?? 0
        read.staged = summary.staged
        return read
    }

    // MARK: The controller

    /// The cluster state this node holds.
    var state: ClusterState { controller.state }
    /// The node this one follows (itself when it leads), once known.
    var senior: NodeName? { controller.senior }
    /// The senior's term.
    var term: UInt64 { controller.term }
    /// This node's role.
    var role: NodeRole { controller.role }

    /// Passes `input` to the controller and carries out what it decides.
    /// - Returns: what is left for the caller: a reply, a plan to run, a request to make.
    @discardableResult
    func handle(_ input: NodeInput) -> [NodeAction] {
        carryOut(controller.handle(input, now: now, wall: clock.wall))
    }

    /// The controller's answer to `input` (``NodeAction/reply(_:)``); success when it has none.
    func answer(_ input: NodeInput) -> ActionOutcome {
        Self.reply(in: handle(input)) ?? ActionOutcome(code: 0)
    }

    static func reply(in actions: [NodeAction]) -> ActionOutcome? {
        for case .reply(let outcome) in actions { return outcome }
        return nil
    }

    /// Carries out the controller's actions, in order; returns those that are the caller's to carry out.
    private func carryOut(_ actions: [NodeAction]) -> [NodeAction] {
        var left: [NodeAction] = []
        for action in actions {
            switch action {
            case .emit(let event, let role):
                record(event, role: role)
            case .publish:
                controller.published(digest: WireCoding.digest(WireCoding.encode(controller.state)))
            case .save(let stored):
                do {
                    try stateFile.save(stored)
                } catch {
                    emit(.stateFileFailed("\(error)"))
                }
            case .requestState(let senior):
                coordinator?.requestState(from: senior, link: activeLink(senior))
            case .fetchConfiguration(let digest, let peer):
                coordinator?.requestConfiguration(digest, from: peer, link: activeLink(peer))
            case .takeConfiguration(let digest, let epoch):
                takeConfiguration(digest, epoch: epoch)
            case .startDrain:
                spawn { await self.drain() }
            case .endRequests(let node, let left):
                failPending(to: node, left: left)
            case .abandonRequests(let message):
                coordinator?.endAllRequests(ActionOutcome(code: 1, message: message))
            case .askToRejoin(let senior):
                spawn {
                    let outcome = await self.ask(senior, deadline: .seconds(5)) {
                        .request(id: $0, .rejoin(node: self.local.rawValue))
                    }
                    await self.handle(.rejoinAnswered(accepted: outcome.code == 0))
                }
            case .reportMonitorFailure(let name, let code, let senior):
                spawn {
                    let outcome = await self.ask(senior, deadline: .seconds(5)) {
                        .monitorFailed(id: $0, resource: name.rawValue, code: code)
                    }
                    await self.handle(.monitorFailureReported(name, code: code, accepted: outcome.code == 0))
                }
            case .requestEnded(let id, let outcome):
                awaiting.removeValue(forKey: id)?.resume(returning: outcome)
            case .stopHere:
                spawn { await self.stopHere() }
            case .runPlan, .stopSecondInstance, .runAlone, .askStandby, .reply:
                left.append(action)
            }
        }
        return left
    }

    // MARK: Events

    /// Records an event of the engine's own (its start, a peer's clock, the state file), with the role it has now.
    func emit(_ event: ClusterEvent) {
        record(event, role: controller.reportedRole)
    }

    /// Records an event, as it happens; its node is the one it is about (``ClusterEvent/subject``), else this one.
    private func record(_ event: ClusterEvent, role: NodeRole) {
        let lines = SystemdNotifier.lines(for: event)
        if !lines.isEmpty { notifier.notify(lines) }
        metrics.count(event.name.rawValue)
        events.record(
            EventRecord(
                event: event.name.rawValue, severity: event.severity, node: (event.subject ?? local).rawValue,
                reporter: local.rawValue, group: event.group?.rawValue, resource: event.resource?.rawValue,
                role: role, message: event.message, action: event.action, time: clock.wall))
    }
}
