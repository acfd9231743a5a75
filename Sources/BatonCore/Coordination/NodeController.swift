/// One node's part in the cluster, as a pure state machine: membership, the senior election, the cold start's
/// newest-data rule, the node's role, and (on the senior) the cluster's ``TransitionQueue``.
///
/// The engine drives it: it passes each input with the time from a monotonic clock (`now`, for membership and
/// retries) and the wall clock (`wall`, for the cluster state), and performs the ``NodeAction``s returned, in order.
/// How nodes talk (packets, requests and their answers, retransmits), agents, monitors' timers and the state file
/// stay with the engine; every decision about cluster facts is made here, so a test can reach it without root,
/// sockets or real time.
public struct NodeController: Sendable {
    /// How long a group whose resource answers from another machine waits before the senior tries it again.
    public static let defaultHeldRetry = Duration.seconds(10)

    /// The configuration, until a new one is taken (``configurationTaken(_:_:epoch:)``).
    public internal(set) var spec: ClusterSpec
    /// This node.
    public let local: NodeName
    /// How long a group held elsewhere waits before it is tried again.
    public let heldRetry: Duration

    /// What this node knows of its peers' links and lives.
    public internal(set) var membership: Membership
    /// Which node plans for the cluster, and its term.
    public internal(set) var election: SeniorElection
    /// The cluster's one loop of plans, and the cluster state this node holds; the senior's is the reference.
    public internal(set) var queue: TransitionQueue
    /// The version of ``state``: raised by the senior at each publication, taken from it by the others.
    public internal(set) var version: UInt64 = 0
    /// The digest of ``state`` as last published or received, which heartbeats carry; the driver computes it (see
    /// ``published(digest:)``).
    public internal(set) var digest = ""
    /// The node whose state ``state`` is.
    public internal(set) var source: NodeName?
    /// What this node's state file holds: read at start, rewritten at each ``NodeAction/save(_:)``.
    public internal(set) var stored: StoredState
    /// What each live peer's last heartbeat said.
    public internal(set) var summaries: [NodeName: PeerSummary] = [:]
    /// Peers whose configuration differs from this node's, with the sections that differ (empty when unknown):
    /// they take no part in election or plans, and nothing but their heartbeats is read.
    public internal(set) var mismatched: [NodeName: [String]] = [:]
    /// This node holds a cluster state: it formed the cluster, or received the senior's.
    public internal(set) var ready = false
    /// The engine stops: it hands its groups over and declines every start.
    public internal(set) var shuttingDown = false
    /// The engine stopped.
    public internal(set) var stopped = false
    /// What this node's agents started or found running and did not stop since: what it stops itself when it
    /// leaves with no senior to hand over to, whatever the cluster state it last received says.
    public internal(set) var runsHere: Set<ResourceName> = []
    /// Whether plans run (the driver takes steps with ``NodeInput/nextStep``).
    public internal(set) var draining = false
    /// The role last announced (``ClusterEvent/roleChanged(_:from:to:)``).
    public internal(set) var reportedRole: NodeRole = .undefined
    /// Whether a tiebreaker target answered within the tiebreaker's timeout, as the engine last said; `nil` before
    /// it said, or without a tiebreaker.
    public internal(set) var tiebreakerReached: Bool?
    /// This node hears no peer for half the deadtime and reaches no tiebreaker target: it stopped what it ran, and
    /// declines every start, until it hears a peer or reaches the tiebreaker again.
    public internal(set) var cutOff = false

    /// Peers whose engine stopped on purpose when they were last lost: their loss is no takeover.
    var left: Set<NodeName> = []
    /// Peers heard claiming to lead while this node leads, until they give way.
    var rivals: Set<NodeName> = []
    /// Peers whose engine restarted within deadtime, until their return is planned.
    var restarted: Set<NodeName> = []
    /// Peers heard again whose return the senior plans once their first heartbeat says whom they follow.
    var returning: Set<NodeName> = []
    /// This node gave way to another senior and asks it to plan its return; `nil` once the senior took it, or when
    /// there is nothing to ask.
    var rejoin: Rejoin?
    enum Rejoin { case due, sent }
    var lastStateRequest: Timestamp?
    /// What the queue said to do that the driver has not taken yet.
    var steps: [TransitionQueue.Step] = []
    var takingOver = false
    /// This node formed the cluster alone and starts its groups (LINTER's STARTMONO).
    var startingAlone = false
    /// Groups that wait because a resource answers from another machine, with when that was found.
    var heldElsewhere: [GroupName: Timestamp] = [:]
    /// The wall time up to which ``placeAfterFailbackDelays()`` has looked for a `failback-delay` that ended.
    var failbacksCheckedUntil: Timestamp?
    /// The digest of the configuration file this node runs, as the driver computes it.
    public internal(set) var configuration: String
    /// Its epoch: raised by every `baton config apply`, kept in the state file.
    public internal(set) var configurationEpoch: UInt64
    /// A valid configuration ready to take, by the digest of its file: fetched from a peer, or read from a file.
    public internal(set) var staged: (digest: String, spec: ClusterSpec)?
    /// On the senior: the configuration change under way.
    var application: Application?
    /// The configuration the driver was asked to take, until it did.
    var taking: String?
    var lastConfigurationRequest: Timestamp?
    /// Administrators' requests that wait for their transition (`--wait`), by the driver's number.
    var awaited: [(id: UInt64, trigger: Trigger)] = []
    /// The reach of the tiebreaker the senior last put in the queue for each node.
    var tiebreakerQueued: [NodeName: Bool] = [:]
    /// Since when a target answers again while no peer is heard, until that counts.
    var tiebreakerReturned: Timestamp?
    /// Monitor failures on this node that the senior has not acknowledged yet, with their codes.
    var unreported: [ResourceName: Int] = [:]
    /// Those on their way to the senior now.
    var reporting: Set<ResourceName> = []

    /// The time of the input being handled: monotonic, and the wall clock.
    var now = Timestamp(milliseconds: 0)
    var wall = Timestamp(milliseconds: 0)
    /// What the input being handled asks the driver to do.
    var out: [NodeAction] = []

    /// A controller for `local` that starts listening at `now`, with what its state file held.
    public init(
        spec: ClusterSpec, local: NodeName, stored: StoredState, now: Timestamp,
        heldRetry: Duration = NodeController.defaultHeldRetry, configuration: String = ""
    ) {
        self.spec = spec
        self.configuration = configuration
        configurationEpoch = stored.configurationEpoch ?? 0
        self.local = local
        self.stored = stored
        self.heldRetry = heldRetry
        self.now = now
        membership = Membership(spec: spec, local: local, now: now)
        election = SeniorElection(local: local, seniority: spec.nodesBySeniority.map(\.name))
        queue = TransitionQueue(spec: spec, state: ClusterState())
    }

    /// The cluster state this node holds.
    public var state: ClusterState {
        get { queue.state }
        set { queue.state = newValue }
    }

    /// The node this one follows (itself when it leads), once known.
    public var senior: NodeName? { election.senior }
    /// The senior's term.
    public var term: UInt64 { election.term }
    /// Whether this node leads.
    public var isSenior: Bool { senior == local }

    /// Handles one input at `now` (monotonic) and `wall` (the wall clock).
    /// - Returns: what the driver does, in order.
    public mutating func handle(_ input: NodeInput, now: Timestamp, wall: Timestamp) -> [NodeAction] {
        self.now = now
        self.wall = wall
        out = []
        switch input {
        case .tick: tick()
        case .heard(let peer, let link, let boot, let summary): heard(peer, link: link, boot: boot, summary)
        case .stateReceived(let received, let version, let digest, let sender):
            adopt(received, version: version, digest: digest, from: sender)
        case .nextStep: nextStep()
        case .planFinished(let plan, let report): planFinished(plan, report)
        case .secondInstanceStopped(let probe, let outcome): secondInstanceStopped(probe, outcome)
        case .actionEnded(let action, let outcome): record(action, outcome)
        case .localAction(let kind, let resource): localAction(kind, resource)
        case .fenceStarting(let action): fenceStarting(action)
        case .localActionEnded(let kind, let resource, let code): localActionEnded(kind, resource, code: code)
        case .monitorFailed(let resource, let code): monitorFailedHere(resource, code: code)
        case .monitorFailureReported(let resource, let code, let accepted):
            reporting.remove(resource)
            if accepted, unreported[resource] == code { unreported[resource] = nil }
        case .peerMonitorFailed(let resource, let node, let code): peerMonitorFailed(resource, on: node, code: code)
        case .request(let wish): out.append(.reply(administer(wish)))
        case .awaitedRequest(let wish, let id): administer(wish, awaited: id)
        case .rejoinAnswered(let accepted): rejoin = accepted ? nil : .due
        case .shutdownBegan: shutdownBegan()
        case .handoverEnded: handoverEnded()
        case .aloneFinished(let plan, let report):
            state = state.applying(.standby(local), in: spec).applying(report, of: plan, in: spec)
        case .remainingStopped(let resource, let group, let succeeded):
            remainingStopped(resource, of: group, succeeded: succeeded)
        case .tiebreaker(let reached): tiebreakerChanged(reached)
        case .configurationStaged(let digest, let new): configurationStaged(digest, new)
        case .configurationRejected(let digest, let reason): configurationRejected(digest, reason: reason)
        case .configurationTaken(let digest, let new, let epoch): configurationTaken(digest, new, epoch: epoch)
        case .stopped:
            stopped = true
            save()
            emit(.engineStopped(local))
        }
        return out
    }

    /// The digest of the state just published (``NodeAction/publish``), which heartbeats carry from now on.
    public mutating func published(digest: String) {
        self.digest = digest
    }

    private mutating func tick() {
        handle(membership.tick(at: now))
        checkCutOff()
        expireFailures()
        placeAfterFailbackDelays()
        retryHeldGroups()
        reportMonitorFailures()
        advanceApplication()
        askToRejoin()
        elect()
        updateRole()
    }

    // MARK: Roles and state

    /// This node's role: from the cluster state, except while it listens, takes over, fails or shuts down.
    public var role: NodeRole {
        if stopped { return .stopped }
        if shuttingDown { return .shutDown }
        if membership.isListening || !ready { return .undefined }
        if takingOver { return .switchingToMono }
        if startingAlone { return .startMono }
        return state.nodes[local]?.role ?? .undefined
    }

    /// What this node's heartbeats say of it.
    public var summary: PeerSummary {
        var summary = PeerSummary(
            role: role, senior: senior, term: term, digest: digest,
            held: stored.held(by: local), tiebreaker: tiebreakerReached)
        summary.configuration = configuration
        summary.epoch = configurationEpoch
        summary.staged = staged?.digest
        return summary
    }

    mutating func updateRole() {
        let current = role
        guard current != reportedRole else { return }
        let previous = reportedRole
        reportedRole = current
        emit(.roleChanged(local, from: previous, to: current))
    }

    /// A new version of the state, from the senior: written to the state file; peers fetch it.
    mutating func publish() {
        state = state.withRoles(spec)
        version += 1
        out.append(.publish)
        save()
        updateRole()
    }

    mutating func save() {
        stored = StoredState(state, role: role)
        stored.configurationEpoch = configurationEpoch == 0 ? nil : configurationEpoch
        out.append(.save(stored))
    }

    /// Takes the senior's state as this node's own.
    private mutating func adopt(_ received: ClusterState, version: UInt64, digest: String, from sender: NodeName) {
        guard sender == senior, !isSenior else { return }
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

    /// Says what happened, as it happens, with the role this node has now.
    mutating func emit(_ event: ClusterEvent) {
        out.append(.emit(event, role: reportedRole))
    }
}

/// What a heartbeat says of its sender, as the controller reads it.
public struct PeerSummary: Hashable, Sendable {
    /// The sender's role.
    public var role: NodeRole
    /// The node the sender follows (itself when it leads), once it knows one.
    public var senior: NodeName?
    /// That senior's term.
    public var term: UInt64
    /// The digest of the sender's cluster state.
    public var digest: String
    /// The groups the sender's state file says it ran last, with their generations; `nil` when left out (the
    /// heartbeat was full).
    public var held: [String: Int]?
    /// `nil` when the sender's configuration is this node's; else the sections that differ (empty when unknown).
    public var differences: [String]?
    /// Whether the sender reaches the tiebreaker; `nil` when it does not know yet, or the cluster has none.
    public var tiebreaker: Bool?
    /// The digest of the sender's configuration file.
    public var configuration: String = ""
    /// Its epoch: raised by every `baton config apply`.
    public var epoch: UInt64 = 0
    /// The digest of a configuration the sender holds ready to take, if any.
    public var staged: String?

    /// Creates a summary.
    public init(
        role: NodeRole, senior: NodeName?, term: UInt64, digest: String, held: [String: Int]? = nil,
        differences: [String]? = nil, tiebreaker: Bool? = nil
    ) {
        self.role = role
        self.senior = senior
        self.term = term
        self.digest = digest
        self.held = held
        self.differences = differences
        self.tiebreaker = tiebreaker
    }
}

/// What the driver tells a ``NodeController``.
public enum NodeInput: Hashable, Sendable {
    /// A heartbeat interval passed: links and peers age, retries fall due, the election is decided again.
    case tick
    /// A verified packet from a peer's link; `summary` when it was a heartbeat.
    case heard(NodeName, link: Int, boot: BootIdentifier, PeerSummary?)
    /// The senior's cluster state, whole, with its version and digest.
    case stateReceived(ClusterState, version: UInt64, digest: String, from: NodeName)
    /// The driver is ready for the next plan or second instance to stop (after ``NodeAction/startDrain``).
    case nextStep
    /// The report of a plan a ``NodeAction/runPlan(_:round:)`` gave.
    case planFinished(Plan, ExecutionReport)
    /// The stop of a second instance (``NodeAction/stopSecondInstance(_:)``) ended so.
    case secondInstanceStopped(PlannedAction, ActionOutcome)
    /// An action of a plan, or of a node leaving alone, ended so: its events.
    case actionEnded(PlannedAction, ActionOutcome)
    /// An action on this node is about to run: ``NodeAction/reply(_:)`` when it must not (this node leaves).
    case localAction(ActionKind, ResourceName?)
    /// A fence is about to run on this node: its event, and ``NodeAction/reply(_:)`` when it must not run.
    case fenceStarting(PlannedAction)
    /// An action on this node ended with `code`.
    case localActionEnded(ActionKind, ResourceName, code: Int)
    /// A recurring monitor on this node failed with `code`.
    case monitorFailed(ResourceName, code: Int)
    /// The senior took (or did not take) a monitor failure reported to it.
    case monitorFailureReported(ResourceName, code: Int, accepted: Bool)
    /// A peer says a recurring monitor there failed: answered with ``NodeAction/reply(_:)``.
    case peerMonitorFailed(ResourceName, on: NodeName, code: Int)
    /// An administrator's request, here or from a peer: answered with ``NodeAction/reply(_:)``.
    case request(AdministratorRequest)
    /// An administrator's request that waits for its transition's end (`--wait`), numbered by the driver: answered
    /// with ``NodeAction/requestEnded(id:_:)``.
    case awaitedRequest(AdministratorRequest, id: UInt64)
    /// The senior took (or did not take) this node's request to plan its return.
    case rejoinAnswered(accepted: Bool)
    /// The engine begins to stop: it hands its groups over.
    case shutdownBegan
    /// The handover is over, or its time is: what runs here now is stopped by this node.
    case handoverEnded
    /// The plan of a node that stops alone (``NodeAction/runAlone(_:)``) ran.
    case aloneFinished(Plan, ExecutionReport)
    /// A stop of what remained on this node (``NodeController/remainingHere``) ended.
    case remainingStopped(ResourceName, of: GroupName, succeeded: Bool)
    /// Whether a tiebreaker target answered within the tiebreaker's timeout: said at the first answer or timeout,
    /// then whenever it changes.
    case tiebreaker(reached: Bool)
    /// The engine stopped: nothing runs here any more.
    case stopped
    /// A configuration file fetched from a peer or read here is valid: staged, by its digest
    /// (``NodeAction/fetchConfiguration(digest:from:)``).
    case configurationStaged(digest: String, ClusterSpec)
    /// A configuration could not be fetched, is invalid, or could not be written.
    case configurationRejected(digest: String, reason: String)
    /// The driver took a staged configuration (``NodeAction/takeConfiguration(digest:epoch:)``): written over the
    /// file, in use by its agents and heartbeats.
    case configurationTaken(digest: String, ClusterSpec, epoch: UInt64)
}

/// What a ``NodeController`` asks its driver to do.
public enum NodeAction: Hashable, Sendable {
    /// Record this event (with the node's role as it is now).
    case emit(ClusterEvent, role: NodeRole)
    /// A new version of the state is out: compute its digest (``NodeController/published(digest:)``).
    case publish
    /// Write this to the state file.
    case save(StoredState)
    /// Ask the senior for its state.
    case requestState(from: NodeName)
    /// Plans wait: take steps with ``NodeInput/nextStep`` until none comes.
    case startDrain
    /// Run this plan (this node's actions here, the others on their node), then ``NodeInput/planFinished(_:_:)``.
    case runPlan(Plan, round: Int)
    /// Stop this second instance outside any plan, then ``NodeInput/secondInstanceStopped(_:_:)``.
    case stopSecondInstance(PlannedAction)
    /// Run this node's own actions of this plan (no senior to hand over to), then ``NodeInput/aloneFinished(_:_:)``.
    case runAlone(Plan)
    /// End every request to this node that waits: it is gone (`left` when on purpose).
    case endRequests(to: NodeName, left: Bool)
    /// End every request that waits, with this message: this node no longer leads.
    case abandonRequests(String)
    /// Ask the senior to plan this node's return (``AdministratorRequest/rejoin(node:)``), then
    /// ``NodeInput/rejoinAnswered(accepted:)``.
    case askToRejoin(NodeName)
    /// Ask the senior to hand this node's groups over (``AdministratorRequest/standby(node:)``).
    case askStandby(NodeName)
    /// Tell the senior of this monitor failure, then ``NodeInput/monitorFailureReported(_:code:accepted:)``.
    case reportMonitorFailure(ResourceName, code: Int, to: NodeName)
    /// Stop what may still run here (``NodeController/remainingHere``), last member first, each with
    /// ``NodeInput/remainingStopped(_:of:succeeded:)``: this node is cut off.
    case stopHere
    /// The answer to the input (a request, a peer's monitor failure, an action that must not run).
    case reply(ActionOutcome)
    /// The answer to an awaited request (``NodeInput/awaitedRequest(_:id:)``): whether what was asked holds now.
    case requestEnded(id: UInt64, ActionOutcome)
    /// Fetch the configuration file of this digest from the peer, check it, then ``NodeInput/configurationStaged``
    /// (or ``NodeInput/configurationRejected(digest:reason:)``).
    case fetchConfiguration(digest: String, from: NodeName)
    /// Take the staged configuration: write it over the configuration file, run with it, then
    /// ``NodeInput/configurationTaken(digest:_:epoch:)``.
    case takeConfiguration(digest: String, epoch: UInt64)
}
