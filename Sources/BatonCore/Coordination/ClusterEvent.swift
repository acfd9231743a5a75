/// How bad an event is.
public enum EventSeverity: String, Codable, Hashable, Sendable, Comparable {
    case info, warning, error, critical

    private var rank: Int { [.info, .warning, .error, .critical].firstIndex(of: self)! }
    public static func < (lhs: EventSeverity, rhs: EventSeverity) -> Bool { lhs.rank < rhs.rank }
}

/// Something an engine tells the administrator, from the documented list: each case has one name, one severity (or
/// a rule for it), one sentence and, when there is something to do, what to do. The node it is about (``subject``)
/// is the node that acted, the node lost or that left, or else the reporting node.
public enum ClusterEvent: Hashable, Sendable {
    // The engine on this node.
    case engineStarted(NodeName, boot: String, initdead: Duration)
    case engineStopping(NodeName)
    case engineStopped(NodeName)
    case listeningEnded(NodeName, alone: Bool)
    /// `local` now follows `senior` (itself when it leads) in `term`.
    case seniorChanged(local: NodeName, senior: NodeName, term: UInt64)
    case stateReceived(local: NodeName, from: NodeName?)
    case stateFileFailed(String)
    case roleChanged(NodeName, from: NodeRole, to: NodeRole)
    case clockDifference(local: NodeName, peer: NodeName, milliseconds: Int64)

    // Peers and links. `link` names the link as `1 (10.0.1.2)`.
    case nodeJoined(NodeName)
    case nodeLost(NodeName, deadtime: Duration)
    case nodeLeft(NodeName)
    case nodeRestarted(NodeName)
    /// A lost node's links answered ICMP echoes since its heartbeats stopped (its machine runs, its engine does not),
    /// or did not (it is down): a floating address it held is probed before it is taken, or is not.
    case nodeEchoes(NodeName, answered: Bool)
    case configMismatch(local: NodeName, peer: NodeName, sections: [String])
    case configMatched(local: NodeName, peer: NodeName)
    /// `node` runs a new configuration from now on (`baton config apply`), at `epoch`; `change` says what it does.
    case configurationTaken(NodeName, epoch: UInt64, change: String)
    /// A new configuration was not applied, or not taken by `node`.
    case configurationRefused(NodeName, reason: String)
    case linkUp(peer: NodeName, link: String)
    /// `leaving`: the peer's heartbeats said it shuts down.
    case linkLate(peer: NodeName, link: String, warntime: Duration, leaving: Bool)
    /// `heardElsewhere`: another link to the peer is up.
    case linkDown(peer: NodeName, link: String, deadtime: Duration, leaving: Bool, heardElsewhere: Bool)
    case linkSwitched(peer: NodeName, link: String)

    // Plans.
    case takeoverStarted(NodeName, cause: Trigger, actions: Int)
    case takeoverFinished(cause: Trigger, waiting: [GroupName])
    case takeoverFailed(cause: Trigger, notRunning: [GroupName])
    case requestRefused(Trigger, problem: String)
    case switchoverRequested(GroupName, to: String)
    /// An administrator began (`on`) or ended a maintenance of `scope`.
    case maintenance(MaintenanceScope, on: Bool)
    case stoppingAlone(NodeName)

    // Groups and resources. `node` is where the resource is (the node that acted).
    case groupStarted(GroupName, on: NodeName)
    case groupStopped(GroupName, on: NodeName)
    /// The group waits at a cold start for `owner`, which last ran it.
    case groupWaiting(GroupName, reason: String, owner: String)
    case groupHeldElsewhere(GroupName, on: NodeName, reason: String, holder: String, retry: Duration)
    case resourceStarted(ResourceName, of: GroupName?, on: NodeName)
    case resourceStopped(ResourceName, of: GroupName?, on: NodeName)
    /// A start or the first monitor failed: `code` in words, `detail` the agent's message, if any.
    case resourceFailed(ActionKind, ResourceName, of: GroupName?, on: NodeName, code: Int, detail: String)
    case monitorFailed(ResourceName, on: NodeName, code: Int)
    case resourceFoundRunning(ResourceName, of: GroupName?, on: NodeName)
    case probeFailed(ResourceName, of: GroupName?, on: NodeName, code: Int, detail: String)
    /// A stop in a plan failed: the group starts nowhere else.
    case groupBlocked(ResourceName, of: GroupName?, on: NodeName, code: Int, fenced: Bool)
    /// A second instance, found by a probe, was stopped.
    case strayStopped(ResourceName, of: GroupName?, on: NodeName)
    case strayStopFailed(ResourceName, of: GroupName?, on: NodeName, code: Int)
    /// An engine that stops could not stop what runs on its node.
    case leftRunning(ResourceName, of: GroupName?, on: NodeName)
    /// Failures of a resource older than its `failure-timeout` stopped counting.
    case failuresExpired(ResourceName, failureTimeout: Duration)

    // Fencing. The subject is the node fenced.
    /// `fencer` begins to fence `target` (after `delay`): `label` is the plan's `fence n1 (reboot) via ipmi-n1`.
    case fenceStarted(NodeName, by: NodeName, label: String, delay: Duration)
    /// `target` is fenced: what it ran counts as stopped, and may start elsewhere.
    case fenceSucceeded(NodeName, by: NodeName, detail: String)
    /// Every level of `target`'s fence failed: its groups start nowhere until it is fenced or confirmed off.
    case fenceFailed(NodeName, by: NodeName, detail: String)
    /// An administrator swore `target` is off (`baton fence confirm`): what it ran counts as stopped.
    case fenceConfirmed(NodeName)

    // The tiebreaker. The subject is the node that pings.
    /// No target answered `node` for `timeout`.
    case tiebreakerLost(NodeName, targets: [IPAddress], timeout: Duration)
    case tiebreakerReached(NodeName)
    /// `node` hears no peer for `silence` and reaches no tiebreaker target; `stopping`: it stops what it runs.
    case cutOff(NodeName, silence: Duration, stopping: Bool)

    /// The name of each kind of event, as logs, `baton events` and the handler's `BATON_EVENT` show it.
    public enum Name: String, CaseIterable, Sendable {
        case engineStarted = "engine-started", engineStopping = "engine-stopping", engineStopped = "engine-stopped"
        case listeningEnded = "listening-ended", seniorChanged = "senior-changed", stateReceived = "state-received"
        case stateFileFailed = "state-file-failed", roleChanged = "role-changed"
        case clockDifference = "clock-difference"
        case nodeJoined = "node-joined", nodeLost = "node-lost", nodeLeft = "node-left"
        case nodeRestarted = "node-restarted", nodeDown = "node-down", nodeAnswers = "node-answers"
        case configMismatch = "config-mismatch", configMatched = "config-matched"
        case configApplied = "config-applied", configRefused = "config-refused"
        case linkUp = "link-up", linkLate = "link-late", linkDown = "link-down", linkSwitched = "link-switched"
        case takeoverStarted = "takeover-started", takeoverFinished = "takeover-finished"
        case takeoverFailed = "takeover-failed", requestRefused = "request-refused"
        case switchoverRequested = "switchover-requested", stoppingAlone = "stopping-alone"
        case maintenanceStarted = "maintenance-started", maintenanceEnded = "maintenance-ended"
        case groupStarted = "group-started", groupStopped = "group-stopped", groupWaiting = "group-waiting"
        case groupHeldElsewhere = "group-held-elsewhere", groupBlocked = "group-blocked"
        case resourceStarted = "resource-started", resourceStopped = "resource-stopped"
        case resourceFailed = "resource-failed", monitorFailed = "monitor-failed"
        case resourceFoundRunning = "resource-found-running", probeFailed = "probe-failed"
        case strayStopFailed = "stray-stop-failed", leftRunning = "left-running"
        case failuresExpired = "failures-expired"
        case fenceStarted = "fence-started", fenceSucceeded = "fence-succeeded", fenceFailed = "fence-failed"
        case fenceConfirmed = "fence-confirmed"
        case tiebreakerLost = "tiebreaker-lost", tiebreakerReached = "tiebreaker-reached", cutOff = "cut-off"
    }

    public var name: Name {
        switch self {
        case .engineStarted: .engineStarted
        case .engineStopping: .engineStopping
        case .engineStopped: .engineStopped
        case .listeningEnded: .listeningEnded
        case .seniorChanged: .seniorChanged
        case .stateReceived: .stateReceived
        case .stateFileFailed: .stateFileFailed
        case .roleChanged: .roleChanged
        case .clockDifference: .clockDifference
        case .nodeJoined: .nodeJoined
        case .nodeLost: .nodeLost
        case .nodeEchoes(_, let answered): answered ? .nodeAnswers : .nodeDown
        case .nodeLeft: .nodeLeft
        case .nodeRestarted: .nodeRestarted
        case .configMismatch: .configMismatch
        case .configMatched: .configMatched
        case .configurationTaken: .configApplied
        case .configurationRefused: .configRefused
        case .linkUp: .linkUp
        case .linkLate: .linkLate
        case .linkDown: .linkDown
        case .linkSwitched: .linkSwitched
        case .takeoverStarted: .takeoverStarted
        case .takeoverFinished: .takeoverFinished
        case .takeoverFailed: .takeoverFailed
        case .requestRefused: .requestRefused
        case .switchoverRequested: .switchoverRequested
        case .stoppingAlone: .stoppingAlone
        case .maintenance(_, let on): on ? .maintenanceStarted : .maintenanceEnded
        case .groupStarted: .groupStarted
        case .groupStopped: .groupStopped
        case .groupWaiting: .groupWaiting
        case .groupHeldElsewhere: .groupHeldElsewhere
        case .resourceStarted: .resourceStarted
        case .resourceStopped, .strayStopped: .resourceStopped
        case .resourceFailed: .resourceFailed
        case .monitorFailed: .monitorFailed
        case .resourceFoundRunning: .resourceFoundRunning
        case .probeFailed: .probeFailed
        case .groupBlocked: .groupBlocked
        case .strayStopFailed: .strayStopFailed
        case .leftRunning: .leftRunning
        case .failuresExpired: .failuresExpired
        case .fenceStarted: .fenceStarted
        case .fenceSucceeded: .fenceSucceeded
        case .fenceFailed: .fenceFailed
        case .fenceConfirmed: .fenceConfirmed
        case .tiebreakerLost: .tiebreakerLost
        case .tiebreakerReached: .tiebreakerReached
        case .cutOff: .cutOff
        }
    }

    public var severity: EventSeverity {
        switch self {
        case .engineStarted, .engineStopping, .engineStopped, .listeningEnded, .seniorChanged, .stateReceived,
            .nodeJoined, .nodeLeft, .configMatched, .configurationTaken, .linkUp, .switchoverRequested, .groupStarted,
            .groupStopped,
            .resourceStarted, .resourceStopped, .failuresExpired, .tiebreakerReached, .maintenance(_, on: false):
            .info
        case .nodeEchoes(_, let answered): answered ? .warning : .info
        case .roleChanged(_, _, let role): role == .mainFailed || role == .slaveFailed ? .error : .info
        case .linkLate(_, _, _, let leaving): leaving ? .info : .warning
        case .linkDown(_, _, _, let leaving, let elsewhere): leaving ? .info : elsewhere ? .warning : .error
        case .clockDifference, .nodeRestarted, .linkSwitched, .takeoverStarted, .takeoverFinished, .requestRefused,
            .stoppingAlone, .groupWaiting, .resourceFoundRunning, .strayStopped, .fenceSucceeded, .fenceConfirmed,
            .tiebreakerLost, .maintenance(_, on: true):
            .warning
        case .stateFileFailed, .configMismatch, .configurationRefused, .groupHeldElsewhere, .resourceFailed,
            .monitorFailed, .probeFailed,
            .fenceStarted:
            .error
        case .groupBlocked(_, _, _, _, let fenced): fenced ? .error : .critical
        case .cutOff(_, _, let stopping): stopping ? .critical : .error
        case .nodeLost, .takeoverFailed, .strayStopFailed, .leftRunning, .fenceFailed:
            .critical
        }
    }

    /// The node the event is about; `nil`: the reporting node.
    public var subject: NodeName? {
        switch self {
        case .nodeJoined(let node), .nodeLost(let node, _), .nodeLeft(let node), .nodeRestarted(let node),
            .nodeEchoes(let node, _),
            .configMismatch(_, let node, _), .configMatched(_, let node), .groupStarted(_, let node),
            .groupStopped(_, let node), .groupHeldElsewhere(_, let node, _, _, _),
            .resourceStarted(_, _, let node), .resourceStopped(_, _, let node),
            .resourceFailed(_, _, _, let node, _, _), .resourceFoundRunning(_, _, let node),
            .probeFailed(_, _, let node, _, _), .groupBlocked(_, _, let node, _, _), .strayStopped(_, _, let node),
            .strayStopFailed(_, _, let node, _), .monitorFailed(_, let node, _), .leftRunning(_, _, let node),
            .fenceStarted(let node, _, _, _), .fenceSucceeded(let node, _, _), .fenceFailed(let node, _, _),
            .fenceConfirmed(let node), .tiebreakerLost(let node, _, _), .tiebreakerReached(let node),
            .cutOff(let node, _, _), .maintenance(.node(let node), _), .configurationTaken(let node, _, _),
            .configurationRefused(let node, _):
            node
        default:
            nil
        }
    }

    /// The group it concerns, if any.
    public var group: GroupName? {
        switch self {
        case .switchoverRequested(let group, _), .groupStarted(let group, _), .groupStopped(let group, _),
            .groupWaiting(let group, _, _), .groupHeldElsewhere(let group, _, _, _, _),
            .maintenance(.group(let group), _):
            group
        case .resourceStarted(_, let group, _), .resourceStopped(_, let group, _),
            .resourceFailed(_, _, let group, _, _, _), .resourceFoundRunning(_, let group, _),
            .probeFailed(_, let group, _, _, _), .groupBlocked(_, let group, _, _, _), .strayStopped(_, let group, _),
            .strayStopFailed(_, let group, _, _), .leftRunning(_, let group, _):
            group
        default:
            nil
        }
    }

    /// The resource it concerns, if any.
    public var resource: ResourceName? {
        switch self {
        case .resourceStarted(let name, _, _), .resourceStopped(let name, _, _),
            .resourceFailed(_, let name, _, _, _, _), .monitorFailed(let name, _, _),
            .resourceFoundRunning(let name, _, _), .probeFailed(let name, _, _, _, _),
            .groupBlocked(let name, _, _, _, _), .strayStopped(let name, _, _), .strayStopFailed(let name, _, _, _),
            .leftRunning(let name, _, _), .failuresExpired(let name, _):
            name
        default:
            nil
        }
    }

    /// What happened, in one sentence.
    public var message: String {
        let names = { (groups: [GroupName]) in groups.map(\.rawValue).joined(separator: ", ") }
        let detail = { (text: String) in text.isEmpty ? "" : " (\(text))" }
        switch self {
        case .engineStarted(let node, let boot, let initdead):
            return "engine started on \(node) (boot \(boot)); listening for peers for up to \(initdead.configText)"
        case .engineStopping(let node): return "\(node) is stopping: its groups go to a peer, or stop"
        case .engineStopped(let node): return "\(node) stopped"
        case .listeningEnded(let node, let alone):
            return alone ? "no peer answered within initdead: \(node) acts alone" : "every peer answered"
        case .seniorChanged(let local, let senior, let term):
            return senior == local
                ? "\(local) is the senior node (term \(term)): it plans for the cluster"
                : "\(senior) is the senior node (term \(term)): \(local) follows its plans"
        case .stateReceived(let local, let source):
            return "\(local) holds the cluster state of \(source?.rawValue ?? "?")"
        case .stateFileFailed(let error): return "cannot write the state file: \(error)"
        case .roleChanged(let node, let previous, let current):
            return "\(node) is now \(current.rawValue) (\(current.summary)), was \(previous.rawValue)"
        case .clockDifference(let local, let peer, let milliseconds):
            return "the clocks of \(local) and \(peer) differ by \(milliseconds) ms"
        case .nodeJoined(let node): return "\(node) is heard"
        case .nodeLost(let node, let deadtime):
            return "\(node) is lost: silent on every link for deadtime \(deadtime.configText)"
        case .nodeLeft(let node): return "\(node) left the cluster: its engine stopped"
        case .nodeEchoes(let node, false):
            return "\(node) is down: its links answered no ICMP echo since its heartbeats stopped; what it ran is "
                + "taken over without probing for its floating addresses"
        case .nodeEchoes(let node, true):
            return "\(node) still answers ICMP echoes on its links, but its engine is silent: what it ran may still "
                + "run, so its floating addresses are probed before they are taken"
        case .nodeRestarted(let node): return "the engine on \(node) restarted: it runs with a new boot identifier"
        case .configMismatch(let local, let peer, let sections):
            return "\(peer) runs another configuration than \(local)"
                + (sections.isEmpty ? "" : ": \(sections.joined(separator: ", ")) differ")
                + "; it takes no part in plans"
        case .configMatched(let local, let peer): return "\(peer) now runs the same configuration as \(local)"
        case .configurationTaken(let node, let epoch, let change):
            return "\(node) runs configuration epoch \(epoch): \(change)"
        case .configurationRefused(_, let reason): return "a new configuration is not taken: \(reason)"
        case .linkUp(let peer, let link): return "link \(link) to \(peer) is up"
        case .linkLate(let peer, let link, let warntime, _):
            return "link \(link) to \(peer) is late: silent for warntime \(warntime.configText)"
        case .linkDown(let peer, let link, let deadtime, _, _):
            return "link \(link) to \(peer) is down: silent for deadtime \(deadtime.configText)"
        case .linkSwitched(let peer, let link): return "traffic to \(peer) now uses link \(link)"
        case .takeoverStarted(let node, let cause, let actions):
            return "\(cause): \(node) takes over, \(actions) actions"
        case .takeoverFinished(let cause, let waiting):
            return "takeover after \(cause) finished" + (waiting.isEmpty ? "" : "; \(names(waiting)) wait")
        case .takeoverFailed(let cause, let notRunning):
            return "takeover after \(cause) left \(names(notRunning)) not running"
        case .requestRefused(let trigger, let problem): return "\(trigger) cannot be planned: \(problem)"
        case .switchoverRequested(let group, let node): return "an administrator moves \(group) to \(node)"
        case .maintenance(let scope, true):
            return "\(scope) is in maintenance: Baton neither starts, stops, monitors nor fences what it covers"
        case .maintenance(let scope, false):
            return "the maintenance of \(scope) ended: what it covered is probed before anything is done"
        case .stoppingAlone(let node):
            return "no senior node took \(node)'s groups: \(node) stops its resources itself"
        case .groupStarted(let group, let node): return "\(group) runs on \(node)"
        case .groupStopped(let group, let node): return "\(group) stopped on \(node)"
        case .groupWaiting(_, let reason, _): return reason
        case .groupHeldElsewhere(let group, let node, let reason, _, _):
            return "\(group) does not start on \(node): \(reason)"
        case .resourceStarted(let name, _, let node): return "\(name) started on \(node)"
        case .resourceStopped(let name, _, let node): return "\(name) stopped on \(node)"
        case .resourceFailed(let kind, let name, _, let node, let code, let text):
            return "\(kind.rawValue) of \(name) failed on \(node): \(OCFExitCode.describe(code))\(detail(text))"
        case .monitorFailed(let name, let node, let code):
            return "the monitor of \(name) failed on \(node): \(OCFExitCode.describe(code))"
        case .resourceFoundRunning(let name, _, let node): return "the probe found \(name) running on \(node)"
        case .probeFailed(let name, _, let node, let code, let text):
            return "the probe of \(name) failed on \(node): \(OCFExitCode.describe(code))\(detail(text))"
        case .groupBlocked(let name, let group, let node, let code, let fenced):
            return "stop of \(name) failed on \(node): \(OCFExitCode.describe(code)); "
                + (fenced
                    ? "\(node) is fenced before \(group?.rawValue ?? "its group") starts elsewhere"
                    : "\(group?.rawValue ?? "its group") starts nowhere else while it may still run there")
        case .strayStopped(let name, _, let node): return "\(name) also ran on \(node); that second instance is stopped"
        case .strayStopFailed(let name, _, let node, let code):
            return "\(name) also runs on \(node), and stopping it there failed: \(OCFExitCode.describe(code))"
        case .leftRunning(let name, _, let node):
            return "\(name) may still run on \(node), whose engine stops: its stop failed"
        case .failuresExpired(let name, let timeout):
            return "failures of \(name) older than failure-timeout \(timeout.configText) no longer count: it may run "
                + "again where they kept it off"
        case .fenceStarted(_, let fencer, let label, let delay):
            return "\(fencer) begins to \(label)" + (delay > .zero ? " after a delay of \(delay.configText)" : "")
        case .fenceSucceeded(let target, let fencer, let text):
            return "\(target) is fenced by \(fencer)\(detail(text)): what it ran may start elsewhere"
        case .fenceFailed(let target, let fencer, let text):
            return "the fence of \(target) by \(fencer) failed\(detail(text)): what it ran starts nowhere else"
        case .fenceConfirmed(let target):
            return "an administrator confirms \(target) is off: what it ran counts as stopped"
        case .tiebreakerLost(let node, let targets, let timeout):
            return "no tiebreaker target (\(targets.map(\.description).joined(separator: ", "))) answered \(node) "
                + "for \(timeout.configText): it takes nothing over, and what it runs moves to a node that reaches one"
        case .tiebreakerReached(let node): return "\(node) reaches the tiebreaker again"
        case .cutOff(let node, let silence, let stopping):
            return "\(node) hears no peer for \(silence.configText) and reaches no tiebreaker target: "
                + (stopping
                    ? "it stops its resources, so that a peer that reaches the tiebreaker takes them over"
                    : "it starts nothing")
        }
    }

    /// What the administrator should do, if anything.
    public var action: String? {
        switch self {
        case .stateFileFailed: "free space or fix permissions in the state directory"
        case .clockDifference: "synchronize the clocks (NTP): restart windows and event times use them"
        case .nodeLost(let node, _): "find out why \(node) stopped; its groups move to the next node"
        case .nodeEchoes(let node, true):
            "find out why the engine on \(node) stopped; run it under systemd with Restart=always, or configure fencing"
        case .configMismatch:
            "give every node the same cluster.yaml, then restart the engine of the node that differs"
        case .linkDown(let peer, _, _, _, true): "check that link: \(peer) is still heard on another"
        case .takeoverFailed: "read the failures in `baton status` and `baton events`"
        case .groupWaiting(let group, _, let owner):
            "start \(owner), or check the data and run `baton start \(group) --force`"
        case .groupHeldElsewhere(let group, _, _, let holder, let retry):
            "find out whether \(holder) still runs \(group) (an engine that died leaves its resources running); "
                + "start its engine, or stop it there; Baton tries again every \(retry.configText)"
        case .groupBlocked(let name, _, let node, _, false):
            "stop \(name) on \(node) by hand (or power the node off), then run `baton cleanup \(name)`"
        case .strayStopFailed(let name, _, let node, _):
            "stop \(name) on \(node) by hand: it runs on two nodes; then run `baton cleanup \(name)`"
        case .leftRunning(let name, _, let node):
            "stop \(name) on \(node) by hand, then run `baton cleanup \(name)`"
        case .maintenance(let scope, true):
            "end it with `baton maintenance off\(scope.arguments)` when the work is done"
        case .tiebreakerLost(let node, _, _): "check \(node)'s network and the tiebreaker targets"
        case .cutOff(let node, _, _):
            "check \(node)'s links; its groups run on a peer that reaches the tiebreaker, or nowhere until it is heard"
        case .fenceFailed(let target, _, _):
            "fix the fence device and run `baton fence \(target)`, or make sure \(target) is off and run "
                + "`baton fence confirm \(target)`"
        default: nil
        }
    }
}
