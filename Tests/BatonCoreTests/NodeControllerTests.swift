import BatonCore
import Testing

/// The node controller, input sequence in and actions out, with no engine: two nodes `n1` (the more senior) and `n2`,
/// one link each and one spare on n1's side, interval 100 ms (warntime 300 ms, deadtime 500 ms, initdead 1 s), one
/// group `g` of `r1` then `r2`. Plans run as a simulation would (probes find nothing unless told).
@Suite struct NodeControllerTests {
    typealias V = ValidationTests

    static let spec: ClusterSpec = {
        var spec = V.spec(
            nodes: [
                V.node("n1", 20, links: ["10.0.0.1", "192.168.0.1"]),
                V.node("n2", 10, links: ["10.0.0.2", "192.168.0.2"]),
            ],
            groups: [
                GroupSpec(
                    name: GroupName("g"),
                    resources: ["r1", "r2"].map { name in
                        ResourceSpec(
                            name: ResourceName(name), agent: Located(.builtin(.process), at: V.here),
                            parameters: [Parameter(name: "command", value: "/bin/true", at: V.here, valueAt: V.here)],
                            at: V.here)
                    }, at: V.here)
            ])
        spec.heartbeat = HeartbeatSettings(at: V.here, interval: Located(.milliseconds(100), at: V.here))
        return spec
    }()

    static let n1 = NodeName("n1")
    static let n2 = NodeName("n2")
    static let g = GroupName("g")
    static let r1 = ResourceName("r1")
    static let r2 = ResourceName("r2")
    static let firstBoot = BootIdentifier(high: 1, low: 1)
    static let secondBoot = BootIdentifier(high: 2, low: 2)

    /// One step of a script.
    enum Step: Sendable {
        /// An input at a time (milliseconds since the engine started).
        case input(Int64, NodeInput)
        /// Every plan and second instance the controller gives, run until none is left: probes answer `found` (0)
        /// for the resources on their node named there, else 7; starts in `failing` fail with 1, those in
        /// `elsewhere` are refused because the resource answers from another machine; the rest succeed.
        case drain(
            Int64, found: Set<String> = [], failing: Set<String> = [], elsewhere: Set<String> = [],
            strayStopCode: Int = 0)
        /// The report of the last plan given, without asking for the next step: starts in `failing` fail, the rest
        /// succeeds.
        case finish(Int64, failing: Set<String> = [])
    }

    /// What the script must have done, looked at once every step ran.
    enum Expectation: Sendable, CustomStringConvertible {
        case emits(ClusterEvent.Name)
        case never(ClusterEvent.Name)
        case senior(String?)
        case term(UInt64)
        case role(NodeRole)
        /// A plan for this trigger ran.
        case ran(Trigger)
        /// No plan for this trigger ran.
        case notRan(Trigger)
        /// No plan ran.
        case ranNoPlan
        /// The group's record, after every step: its node (`nil`: none) and whether it runs there.
        case group(on: String?, running: Bool)
        /// The last input's reply has this code.
        case replied(Int)
        /// An action of this kind was asked for.
        case asked(String, @Sendable (NodeAction) -> Bool)
        /// An action of this kind was asked for this many times.
        case askedTimes(String, Int, @Sendable (NodeAction) -> Bool)
        /// An action of this kind was not asked for.
        case notAsked(String, @Sendable (NodeAction) -> Bool)
        /// A fact of the controller.
        case holds(String, @Sendable (NodeController) -> Bool)

        var description: String {
            switch self {
            case .emits(let name): "emits \(name.rawValue)"
            case .never(let name): "never emits \(name.rawValue)"
            case .senior(let node): "follows \(node ?? "no one")"
            case .term(let term): "term \(term)"
            case .role(let role): "role \(role.rawValue)"
            case .ran(let trigger): "runs a plan for \(trigger)"
            case .notRan(let trigger): "runs no plan for \(trigger)"
            case .ranNoPlan: "runs no plan"
            case .group(let node, let running): "g \(running ? "runs" : "recorded") on \(node ?? "no node")"
            case .replied(let code): "replies \(code)"
            case .asked(let what, _): "asks to \(what)"
            case .askedTimes(let what, let count, _): "asks \(count) times to \(what)"
            case .notAsked(let what, _): "does not ask to \(what)"
            case .holds(let what, _): what
            }
        }
    }

    struct Case: Sendable, CustomStringConvertible {
        var name: String
        var spec = NodeControllerTests.spec
        var local: NodeName = NodeControllerTests.n1
        var stored = StoredState()
        var steps: [Step]
        var expect: [Expectation]
        var description: String { name }
    }

    /// What a script did.
    struct Run {
        var controller: NodeController
        var actions: [NodeAction] = []
        var last: [NodeAction] = []
        var plans: [Plan] = []

        init(_ test: Case) {
            controller = NodeController(
                spec: test.spec, local: test.local, stored: test.stored, now: Timestamp(milliseconds: 0))
            for step in test.steps { play(step) }
        }

        mutating func input(_ input: NodeInput, at time: Int64) -> [NodeAction] {
            last = controller.handle(
                input, now: Timestamp(milliseconds: time), wall: Timestamp(milliseconds: 1_000_000 + time))
            actions += last
            return last
        }

        mutating func play(_ step: Step) {
            switch step {
            case .input(let time, let input):
                _ = self.input(input, at: time)
            case .drain(let time, let found, let failing, let elsewhere, let strayStopCode):
                for _ in 0..<50 {
                    switch self.input(.nextStep, at: time).last {
                    case .runPlan(let plan, _):
                        plans.append(plan)
                        let report = Self.report(plan, found: found, failing: failing, elsewhere: elsewhere)
                        _ = self.input(.planFinished(plan, report), at: time)
                    case .stopSecondInstance(let probe):
                        _ = self.input(.secondInstanceStopped(probe, ActionOutcome(code: strayStopCode)), at: time)
                    default:
                        return
                    }
                }
                Issue.record("the drain did not end")
            case .finish(let time, let failing):
                let plan = actions.reversed().lazy.compactMap { action -> Plan? in
                    if case .runPlan(let plan, _) = action { plan } else { nil }
                }.first
                guard let plan else {
                    Issue.record("no plan was given")
                    return
                }
                let report = Self.report(plan, found: [], failing: failing, elsewhere: [])
                _ = self.input(.planFinished(plan, report), at: time)
            }
        }

        static func report(_ plan: Plan, found: Set<String>, failing: Set<String>, elsewhere: Set<String>)
            -> ExecutionReport
        {
            ExecutionReport(
                results: plan.actions.map { action in
                    let name = action.resource?.rawValue ?? ""
                    let outcome: ActionOutcome
                    switch action.kind {
                    case .probe:
                        outcome = ActionOutcome(code: found.contains("\(name)@\(action.node)") ? 0 : 7)
                    case .start where elsewhere.contains(name):
                        outcome = ActionOutcome(code: 1, message: "answers elsewhere", heldElsewhere: true)
                    case .start where failing.contains(name):
                        outcome = ActionOutcome(code: 1)
                    default:
                        outcome = ActionOutcome(code: 0)
                    }
                    return ActionResult(
                        action: action.id, status: action.kind.succeeds(with: outcome.code) ? .succeeded : .failed,
                        outcome: outcome)
                })
        }

        var events: [ClusterEvent.Name] {
            actions.compactMap { if case .emit(let event, _) = $0 { event.name } else { nil } }
        }

        func check(_ expectation: Expectation) -> Bool {
            let state = controller.state
            switch expectation {
            case .emits(let name): return events.contains(name)
            case .never(let name): return !events.contains(name)
            case .senior(let node): return controller.senior?.rawValue == node
            case .term(let term): return controller.term == term
            case .role(let role): return controller.role == role
            case .ran(let trigger): return plans.contains { $0.trigger == trigger }
            case .notRan(let trigger): return !plans.contains { $0.trigger == trigger }
            case .ranNoPlan: return plans.isEmpty
            case .group(let node, let running):
                let record = state.state(of: NodeControllerTests.g)
                let members = [NodeControllerTests.r1, NodeControllerTests.r2].map { state.state(of: $0) }
                let runs = members.allSatisfy { $0.status == .started && $0.node?.rawValue == node }
                return record.node?.rawValue == node && runs == running
            case .replied(let code):
                for case .reply(let outcome) in last { return outcome.code == code }
                return code == 0
            case .asked(_, let matches): return actions.contains(where: matches)
            case .askedTimes(_, let count, let matches): return actions.filter(matches).count == count
            case .notAsked(_, let matches): return !actions.contains(where: matches)
            case .holds(_, let fact): return fact(controller)
            }
        }
    }

    // MARK: Inputs

    /// A heartbeat from `peer` that says whom it follows.
    static func heartbeat(
        _ time: Int64, from peer: NodeName = n2, link: Int = 0, boot: BootIdentifier = firstBoot,
        role: NodeRole = .undefined, follows: NodeName? = nil, term: UInt64 = 0, digest: String = "",
        held: [String: Int]? = [:], differences: [String]? = nil, tiebreaker: Bool? = nil
    ) -> Step {
        .input(
            time,
            .heard(
                peer, link: link, boot: boot,
                PeerSummary(
                    role: role, senior: follows, term: term, digest: digest, held: held, differences: differences,
                    tiebreaker: tiebreaker)))
    }

    static func tick(_ time: Int64) -> Step { .input(time, .tick) }

    /// n2's heartbeat as its follower, with the configuration it runs (`differences` from n1's) and what it staged.
    static func configurationHeartbeat(
        _ time: Int64, runs configuration: String, staged: String?, differences: [String]? = nil
    ) -> Step {
        var summary = PeerSummary(
            role: .slaveOK, senior: n1, term: 1, digest: "", held: [:], differences: differences)
        summary.configuration = configuration
        summary.staged = staged
        return .input(time, .heard(n2, link: 0, boot: firstBoot, summary))
    }

    /// The spec with r2's command changed: `baton config apply` restarts r2.
    static let changed: ClusterSpec = {
        var spec = NodeControllerTests.spec
        spec.groups[0].resources[1].parameters = [
            Parameter(name: "command", value: "/bin/sleep 1", at: V.here, valueAt: V.here)
        ]
        return spec
    }()

    /// Ticks every 100 ms from `start` through `end`.
    static func ticks(_ start: Int64, _ end: Int64) -> [Step] {
        stride(from: start, through: end, by: 100).map(tick)
    }

    /// n1 and n2 form the cluster (seen from n1) and g starts on n1.
    static let formedOnN1: [Step] = [heartbeat(50), drain(60)]

    /// n2 follows n1, which runs g: n1 claims the lead and sends its state.
    static let followingN1 = following(runningOn(n1))

    /// n2 follows n1, which sends this state.
    static func following(_ state: ClusterState) -> [Step] {
        [
            heartbeat(50, from: n1), heartbeat(150, from: n1, role: .main, follows: n1, term: 1, digest: "d1"),
            .input(160, .stateReceived(state, version: 1, digest: "d1", from: n1)),
        ]
    }

    static func drain(_ time: Int64) -> Step { .drain(time) }

    /// The cluster state with g running on `node` and both nodes online.
    static func runningOn(_ node: NodeName) -> ClusterState {
        var state = ClusterState()
        for node in [n1, n2] { state.nodes[node] = NodeState(status: .online) }
        for resource in [r1, r2] { state.resources[resource] = ResourceState(status: .started, node: node) }
        state.groups[g] = GroupState(node: node, generation: 1)
        return state.withRoles(spec)
    }

    static func isDrain(_ action: NodeAction) -> Bool { action == .startDrain }

    /// `state` with `node` in maintenance.
    static func inMaintenance(_ state: ClusterState, _ node: NodeName) -> ClusterState {
        var state = state
        state.nodes[node]?.maintenance = true
        return state
    }

    /// The spec with g preferring n2 and going back to it 2 s after it returns.
    static let failingBack: ClusterSpec = {
        var spec = NodeControllerTests.spec
        spec.groups[0].nodes = [Located(n2, at: V.here), Located(n1, at: V.here)]
        spec.groups[0].failback = .auto
        spec.groups[0].failbackDelay = Located(.seconds(2), at: V.here)
        return spec
    }()

    /// n2's heartbeats (following n1) and n1's ticks, every 100 ms from `start` through `end`.
    static func heardWhileTicking(_ start: Int64, _ end: Int64) -> [Step] {
        stride(from: start, through: end, by: 100).flatMap { time in
            [heartbeat(time, role: .slaveOK, follows: n1, term: 1), tick(time)]
        }
    }

    /// The spec with failures of r1 expiring after 5 s.
    static let expiring: ClusterSpec = {
        var spec = NodeControllerTests.spec
        spec.groups[0].resources[0].failureTimeout = Located(.seconds(5), at: V.here)
        return spec
    }()

    // MARK: Cases

    static let cases: [Case] = [
        // Election and cold start
        Case(
            name: "a node that hears no one by initdead forms the cluster alone and starts its groups (STARTMONO)",
            steps: ticks(100, 1000),
            expect: [.emits(.listeningEnded), .senior("n1"), .term(1), .role(.startMono), .asked("drain", isDrain)]),
        Case(
            name: "alone, its first plan probes and starts everything; then it is MONO",
            steps: ticks(100, 1000) + [drain(1000), tick(1100)],
            expect: [.ran(.formed), .group(on: "n1", running: true), .role(.mono)]),
        Case(
            name: "two nodes that hear each other form the cluster at once; the more senior leads and starts g",
            steps: formedOnN1,
            expect: [
                .senior("n1"), .term(1), .ran(.formed), .group(on: "n1", running: true),
                .never(.takeoverStarted),
            ]),
        Case(
            name: "while it listens a node's role is UNDEFINED and it leads nothing",
            steps: ticks(100, 500),
            expect: [.role(.undefined), .senior(nil), .ranNoPlan]),
        Case(
            name: "the less senior node waits for the more senior one's claim, then follows it and asks for its state",
            local: n2,
            steps: [heartbeat(50, from: n1), heartbeat(150, from: n1, follows: n1, term: 1, digest: "d1")],
            expect: [
                .senior("n1"), .term(1), .emits(.seniorChanged), .ranNoPlan,
                .asked("request n1's state", { $0 == .requestState(from: NodeControllerTests.n1) }),
            ]),
        Case(
            name: "a follower takes the senior's state as its own and saves it",
            local: n2, steps: followingN1,
            expect: [
                .emits(.stateReceived), .holds("ready", { $0.ready }), .role(.slaveOK),
                .asked("save", { if case .save = $0 { true } else { false } }),
            ]),
        Case(
            name: "a state from a node it does not follow is not taken",
            local: n2,
            steps: [
                heartbeat(50, from: n1), .input(60, .stateReceived(runningOn(n1), version: 1, digest: "d1", from: n1)),
            ],
            expect: [.never(.stateReceived), .holds("not ready", { !$0.ready })]),
        Case(
            name: "the newest-data rule: a group last run on a node that is not here waits, and does not start",
            stored: StoredState(groups: ["g": .init(generation: 2, owner: "n2")]),
            steps: ticks(100, 1000) + [drain(1000)],
            expect: [
                .emits(.groupWaiting), .group(on: "n2", running: false),
                .holds("g waits", { $0.state.state(of: NodeControllerTests.g).waiting != nil }),
            ]),
        Case(
            name: "a peer that says it holds a newer generation is the group's owner when the cluster forms",
            stored: StoredState(groups: ["g": .init(generation: 1, owner: "n1")]),
            steps: [heartbeat(50, held: ["g": 5])],
            expect: [
                .never(.groupWaiting),
                .holds(
                    "g's record names n2, generation 5",
                    {
                        $0.state.state(of: NodeControllerTests.g).node == NodeControllerTests.n2
                            && $0.state.state(of: NodeControllerTests.g).generation == 5
                    }),
            ]),
        Case(
            name: "a group an administrator stopped stays stopped when the cluster forms again",
            stored: StoredState(groups: ["g": .init(generation: 3, owner: "n1", stopped: true)]),
            steps: formedOnN1,
            expect: [
                .group(on: "n1", running: false),
                .holds("stopped", { $0.state.state(of: NodeControllerTests.g).stopped }),
            ]),
        Case(
            name: "a node that led alone gives way to the more senior one that leads, and asks to be probed",
            local: n2,
            steps: ticks(100, 1000) + [
                heartbeat(1050, from: n1, role: .mono, follows: n1, term: 1, digest: "d1"), tick(1100),
            ],
            expect: [
                .senior("n1"), .emits(.seniorChanged),
                .asked("end its requests", { if case .abandonRequests = $0 { true } else { false } }),
                .asked("rejoin n1", { $0 == .askToRejoin(NodeControllerTests.n1) }),
            ]),
        Case(
            name: "a refused rejoin is asked again on the next tick",
            local: n2,
            steps: ticks(100, 1000) + [
                heartbeat(1050, from: n1, role: .mono, follows: n1, term: 1, digest: "d1"), tick(1100),
                .input(1150, .rejoinAnswered(accepted: false)), tick(1200),
            ],
            expect: [.askedTimes("rejoin n1", 2, { $0 == .askToRejoin(NodeControllerTests.n1) })]),
        Case(
            name: "the more senior node does not give way to a less senior rival, and probes it once it follows",
            steps: formedOnN1 + [
                heartbeat(200, role: .mono, follows: n2, term: 2), tick(300),
                heartbeat(400, role: .slave, follows: n1, term: 1), drain(400),
            ],
            expect: [.senior("n1"), .ran(.nodeJoined(n2)), .group(on: "n1", running: true)]),
        Case(
            name: "a follower takes its senior's higher term",
            local: n2,
            steps: followingN1 + [heartbeat(300, from: n1, role: .main, follows: n1, term: 3, digest: "d1")],
            expect: [.senior("n1"), .term(3)]),
        Case(
            name: "a node runs actions only from its senior in its current term",
            local: n2, steps: followingN1,
            expect: [
                .holds("obeys n1 in term 1", { $0.obeys(NodeControllerTests.n1, term: 1) }),
                .holds("not in term 0", { !$0.obeys(NodeControllerTests.n1, term: 0) }),
                .holds("not from n2", { !$0.obeys(NodeControllerTests.n2, term: 1) }),
            ]),
        // Configuration identity
        Case(
            name: "a peer with another configuration is named, and no one leads",
            steps: [heartbeat(50, differences: ["groups"])] + ticks(100, 400),
            expect: [.emits(.configMismatch), .senior(nil), .ranNoPlan]),
        Case(
            name: "once the configurations match again the cluster forms",
            steps: [heartbeat(50, differences: ["groups"]), tick(100), heartbeat(200), drain(200)],
            expect: [.emits(.configMatched), .senior("n1"), .ran(.formed)]),
        Case(
            name: "only heartbeats of a peer with another configuration are read",
            steps: [heartbeat(50, differences: ["nodes"]), .input(60, .heard(n2, link: 1, boot: firstBoot, nil))],
            expect: [
                .holds(
                    "link 2 not heard", { $0.membership.peer(NodeControllerTests.n2)?.links[1].state == .unknown })
            ]),
        Case(
            name: "the senior that meets a peer with another configuration counts what that peer ran as lost",
            steps: formedOnN1 + [
                heartbeat(200, role: .slaveOK, follows: n1, term: 1, differences: ["groups"]), drain(200),
            ],
            expect: [.emits(.configMismatch), .ran(.nodeLost(n2))]),
        // Losses, restarts and links
        Case(
            name: "the senior's loss is taken over by its follower: SW_TO_MONO, then g runs on n2",
            local: n2,
            steps: followingN1 + ticks(200, 800) + [drain(800), tick(900)],
            expect: [
                .emits(.nodeLost), .emits(.takeoverStarted), .emits(.takeoverFinished), .senior("n2"), .term(2),
                .group(on: "n2", running: true), .role(.mono),
            ]),
        Case(
            name: "a peer whose last heartbeat said it stopped has left: informational, no takeover",
            local: n2,
            steps: followingN1 + [heartbeat(250, from: n1, role: .stopped, follows: n1, term: 1, digest: "d1")]
                + ticks(300, 900) + [drain(900)],
            expect: [.emits(.nodeLeft), .never(.nodeLost), .never(.takeoverStarted)]),
        Case(
            name: "a takeover whose start fails says which group does not run",
            local: n2,
            steps: followingN1 + ticks(200, 800) + [.drain(800, failing: ["r1"])],
            expect: [.emits(.takeoverFailed), .never(.takeoverFinished)]),
        Case(
            name: "a peer whose engine restarted within deadtime is probed, not taken over",
            steps: formedOnN1 + [heartbeat(200, boot: secondBoot, role: .undefined), drain(200)],
            expect: [
                .emits(.nodeRestarted), .never(.nodeLost), .ran(.nodeJoined(n2)),
                .asked("end requests to n2", { $0 == .endRequests(to: NodeControllerTests.n2, left: false) }),
            ]),
        Case(
            name: "a follower whose senior restarted waits for it to lead again, and does not lead itself",
            local: n2,
            steps: followingN1 + [
                heartbeat(200, from: n1, boot: secondBoot), tick(300),
                heartbeat(400, from: n1, boot: secondBoot, role: .main, follows: n1, term: 2, digest: "d2"),
            ],
            expect: [.emits(.nodeRestarted), .senior("n1"), .term(2), .never(.takeoverStarted)]),
        Case(
            name: "a silent link is late, then down, and up again when heard; the node is never lost",
            steps: formedOnN1 + [heartbeat(100, link: 1)]
                + (2...9).map { heartbeat(Int64($0) * 100, link: 0) }
                .flatMap { [$0, tick(($0.time) + 1)] } + [heartbeat(1000, link: 1)],
            expect: [.emits(.linkLate), .emits(.linkDown), .emits(.linkUp), .never(.nodeLost)]),
        Case(
            name: "when the link in use goes down, traffic moves to the spare",
            steps: formedOnN1
                + (1...9).map { heartbeat(Int64($0) * 100, link: 1) }.flatMap { [$0, tick($0.time + 1)] },
            expect: [
                .emits(.linkSwitched), .never(.nodeLost),
                .holds("link 2 in use", { $0.membership.peer(NodeControllerTests.n2)?.activeLink == 1 }),
            ]),
        // Shutting down
        Case(
            name: "a follower that stops with g running asks the senior to hand it over, and declines starts",
            local: n2,
            steps: followingN1 + [
                .input(200, .localActionEnded(.start, r1, code: 0)), .input(300, .shutdownBegan),
                .input(310, .localAction(.start, r2)),
            ],
            expect: [
                .emits(.engineStopping), .role(.shutDown), .replied(1),
                .asked("ask n1 for a standby", { $0 == .askStandby(NodeControllerTests.n1) }),
            ]),
        Case(
            name: "a node that stops still runs the stops it is sent",
            local: n2,
            steps: followingN1 + [.input(300, .shutdownBegan), .input(310, .localAction(.stop, r2))],
            expect: [.replied(0)]),
        Case(
            name: "the senior that stops plans its own standby: g moves to n2, and nothing is left to wait for",
            steps: formedOnN1 + [
                heartbeat(100, role: .slaveOK, follows: n1, term: 1), .input(200, .shutdownBegan), drain(200),
            ],
            expect: [
                .ran(.standby(n1)), .group(on: "n2", running: true),
                .holds("handed over", { $0.handedOver && !$0.awaitsHandover }),
                .holds("waited for at most each start and stop and 2 deadtimes", { $0.handoverLimit == .seconds(81) }),
            ]),
        Case(
            name: "a node that stops with no senior to hand over to stops what runs here itself",
            local: n2,
            steps: following(runningOn(n2)) + [.input(210, .shutdownBegan), .input(900, .handoverEnded)],
            expect: [
                .emits(.stoppingAlone),
                .asked("stop alone", { if case .runAlone = $0 { true } else { false } }),
            ]),
        Case(
            name: "what only this node's agents know runs here is stopped with the rest, last member first",
            local: n2,
            steps: followingN1 + [
                .input(200, .localActionEnded(.start, r1, code: 0)), .input(210, .shutdownBegan),
                .input(900, .handoverEnded),
            ],
            expect: [
                .never(.stoppingAlone),
                .holds("r1 remains", { $0.remainingHere.map(\.resource.name) == [NodeControllerTests.r1] }),
            ]),
        Case(
            name: "a node in maintenance that stops leaves what runs there alone: nothing to hand over or stop",
            local: n2,
            steps: following(inMaintenance(runningOn(n2), n2)) + [
                .input(200, .localActionEnded(.start, r1, code: 0)), .input(210, .shutdownBegan),
                .input(900, .handoverEnded),
            ],
            expect: [
                .never(.stoppingAlone),
                .holds("nothing held", { $0.onlyBlockedHere }),
                .holds("nothing remains", { $0.remainingHere.isEmpty }),
                .holds("in maintenance", { $0.state.inMaintenance(NodeControllerTests.n2) }),
            ]),
        Case(
            name: "the senior puts a node in maintenance: an event, its monitors cancelled, its failures ignored",
            steps: formedOnN1 + [
                .input(200, .request(.maintenance(on: true, node: "n1", group: nil))), drain(200),
                .input(300, .monitorFailed(r2, code: 7)), drain(300),
            ],
            expect: [
                .emits(.maintenanceStarted), .ran(.maintenance(.node(n1), on: true)), .group(on: "n1", running: true),
                .never(.monitorFailed), .never(.takeoverStarted),
            ]),
        Case(
            name: "what remains here is stopped last member first; a stop that fails is said to leave it running",
            local: n2,
            steps: [
                .input(10, .localActionEnded(.start, r1, code: 0)), .input(20, .localActionEnded(.start, r2, code: 0)),
                .input(30, .remainingStopped(r2, of: g, succeeded: false)),
            ],
            expect: [
                .emits(.leftRunning),
                .holds(
                    "r2 then r1",
                    { $0.remainingHere.map(\.resource.name) == [NodeControllerTests.r2, NodeControllerTests.r1] }),
            ]),
        Case(
            name: "a stopped engine runs nothing and says it stopped",
            local: n2,
            steps: [.input(10, .stopped), .input(20, .localAction(.probe, r1))],
            expect: [.emits(.engineStopped), .role(.stopped), .replied(1)]),
        // Monitor failures
        Case(
            name: "a monitor failure while no senior is known is kept, then reported once the senior is known",
            local: n2,
            steps: [.input(10, .monitorFailed(r1, code: 7))] + followingN1 + [tick(200)],
            expect: [
                .emits(.monitorFailed),
                .asked(
                    "report r1 to n1",
                    { $0 == .reportMonitorFailure(NodeControllerTests.r1, code: 7, to: NodeControllerTests.n1) }),
            ]),
        Case(
            name: "a monitor failure the senior did not take is reported again; one it took is not",
            local: n2,
            steps: followingN1 + [
                .input(200, .monitorFailed(r1, code: 7)),
                .input(210, .monitorFailureReported(r1, code: 7, accepted: false)),
                tick(300), .input(310, .monitorFailureReported(r1, code: 7, accepted: true)), tick(400),
            ],
            expect: [
                .askedTimes(
                    "report r1 to n1", 2,
                    { $0 == .reportMonitorFailure(NodeControllerTests.r1, code: 7, to: NodeControllerTests.n1) })
            ]),
        Case(
            name: "the senior plans the on-fail of its own monitor failure",
            steps: formedOnN1 + [.input(200, .monitorFailed(r1, code: 7)), drain(200)],
            expect: [.ran(.resourceFailed(r1, node: n1, code: 7)), .group(on: "n1", running: true)]),
        Case(
            name: "a node that is not the senior refuses a peer's monitor failure, which the peer keeps",
            local: n2, steps: followingN1 + [.input(200, .peerMonitorFailed(r1, on: n1, code: 7))],
            expect: [.replied(1), .ranNoPlan]),
        Case(
            name: "failures older than failure-timeout are forgotten by the senior, which places the groups again",
            spec: expiring,
            steps: ticks(100, 1000) + [.drain(1000, failing: ["r1"]), tick(5900), tick(6100), drain(6100)],
            expect: [
                .emits(.failuresExpired), .ran(.replan(failed: [])), .group(on: "n1", running: true),
                .holds("no failure left", { $0.state.state(of: NodeControllerTests.r1).failures.isEmpty }),
            ]),
        Case(
            name: "with failback-delay, a returning preferred node does not get g back before it was heard that long",
            spec: failingBack,
            steps: ticks(100, 1000) + [drain(1000)] + heardWhileTicking(1100, 3000) + [drain(3000)],
            expect: [.never(.takeoverStarted), .group(on: "n1", running: true), .notRan(.replan(failed: []))]),
        Case(
            name: "with failback-delay, the senior places g again when the delay ends: it goes back to n2",
            spec: failingBack,
            steps: ticks(100, 1000) + [drain(1000)] + heardWhileTicking(1100, 3400) + [drain(3400)],
            expect: [.ran(.replan(failed: [])), .group(on: "n2", running: true)]),
        Case(
            name: "without failure-timeout, failures keep the group off until a cleanup",
            steps: ticks(100, 1000) + [.drain(1000, failing: ["r1"]), tick(60_000), drain(60_000)],
            expect: [
                .never(.failuresExpired),
                .holds("r1 does not run", { $0.state.state(of: NodeControllerTests.r1).status != .started }),
            ]),
        // A new configuration on a running cluster
        Case(
            name: "the senior applies a configuration once every peer staged it: r2 stops, then it asks to take it",
            steps: formedOnN1 + [
                .input(100, .configurationStaged(digest: "new", changed)),
                .input(110, .request(.applyConfiguration(digest: "new", node: "n1"))),
                configurationHeartbeat(200, runs: "old", staged: nil), tick(200),
                configurationHeartbeat(300, runs: "old", staged: "new"), tick(300), drain(300),
            ],
            expect: [
                .ran(.reconfiguration(ConfigurationChange(from: spec, to: changed))),
                .holds(
                    "r2 stopped, r1 runs",
                    {
                        $0.state.state(of: NodeControllerTests.r2).status == .stopped
                            && $0.state.state(of: NodeControllerTests.r1).status == .started
                    }),
                .asked("take it", { $0 == .takeConfiguration(digest: "new", epoch: 1) }),
                .notRan(.reconfigured),
            ]),
        Case(
            name: "once it took the configuration and so did n2, the senior starts r2 again with it, where it ran",
            steps: formedOnN1 + [
                .input(100, .configurationStaged(digest: "new", changed)),
                .input(110, .request(.applyConfiguration(digest: "new", node: "n1"))),
                configurationHeartbeat(300, runs: "old", staged: "new"), tick(300), drain(300),
                .input(310, .configurationTaken(digest: "new", changed, epoch: 1)),
                // n2 still runs the old one for a moment: catching up, not a mismatch.
                configurationHeartbeat(350, runs: "old", staged: "new", differences: ["groups"]), tick(350),
                configurationHeartbeat(400, runs: "new", staged: nil), tick(400), drain(400),
            ],
            expect: [
                .ran(.reconfigured), .group(on: "n1", running: true), .never(.configMismatch),
                .never(.takeoverStarted), .emits(.configApplied),
                .holds("epoch 1", { $0.configurationEpoch == 1 && $0.spec == NodeControllerTests.changed }),
            ]),
        Case(
            name: "a peer that does not stage the configuration in time: nothing stops, the apply ends refused",
            steps: formedOnN1 + [
                .input(100, .configurationStaged(digest: "new", changed)),
                .input(110, .awaitedRequest(.applyConfiguration(digest: "new", node: "n1"), id: 7)),
            ]
                + stride(from: 200, through: 5400, by: 200).flatMap { time -> [Step] in
                    [configurationHeartbeat(Int64(time), runs: "old", staged: nil), tick(Int64(time))]
                },
            expect: [
                .emits(.configRefused), .notRan(.reconfiguration(ConfigurationChange(from: spec, to: changed))),
                .asked(
                    "answer the request",
                    {
                        if case .requestEnded(7, let outcome) = $0 { outcome.code == 1 } else { false }
                    }),
            ]),
        Case(
            name: "a node that returns with an older configuration fetches the senior's, then takes it",
            local: n2,
            steps: [
                .input(
                    50,
                    .heard(
                        n1, link: 0, boot: firstBoot,
                        {
                            var summary = PeerSummary(
                                role: .main, senior: n1, term: 1, digest: "d1", differences: ["groups"])
                            summary.configuration = "new"
                            summary.epoch = 2
                            return summary
                        }())),
                .input(60, .configurationStaged(digest: "new", changed)),
            ],
            expect: [
                .asked("fetch it from n1", { $0 == .fetchConfiguration(digest: "new", from: NodeControllerTests.n1) }),
                .asked("take it", { $0 == .takeConfiguration(digest: "new", epoch: 2) }),
            ]),
        // Administrator requests and routing
        Case(
            name: "an administrator's request reaching a follower is refused: only the senior plans",
            local: n2, steps: followingN1 + [.input(200, .request(.switchover(group: "g", to: "n2")))],
            expect: [.replied(1)]),
        Case(
            name: "a switchover on the senior is said, planned and run",
            steps: formedOnN1 + [
                heartbeat(100, role: .slaveOK, follows: n1, term: 1),
                .input(200, .request(.switchover(group: "g", to: "n2"))),
                drain(200),
            ],
            expect: [.emits(.switchoverRequested), .ran(.switchover(g, to: n2)), .group(on: "n2", running: true)]),
        Case(
            name: "a request that names nothing is refused with the planner's reason",
            steps: formedOnN1 + [.input(200, .request(.switchover(group: "nope", to: "n2")))],
            expect: [.replied(1), .never(.switchoverRequested), .emits(.requestRefused)]),
        Case(
            name: "a switch with --wait is answered once its plans ran, saying the group runs where asked",
            steps: formedOnN1 + [
                heartbeat(100, role: .slaveOK, follows: n1, term: 1),
                .input(200, .awaitedRequest(.switchover(group: "g", to: "n2"), id: 7)), drain(200),
            ],
            expect: [
                .asked(
                    "answer request 7: done",
                    { $0 == .requestEnded(id: 7, ActionOutcome(code: 0, message: "g runs on n2")) }),
                .askedTimes("answer it once", 1, { if case .requestEnded = $0 { true } else { false } }),
            ]),
        Case(
            name: "a switch with --wait whose start fails is answered with a failure",
            steps: formedOnN1 + [
                heartbeat(100, role: .slaveOK, follows: n1, term: 1),
                .input(200, .awaitedRequest(.switchover(group: "g", to: "n2"), id: 7)), .drain(200, failing: ["r1"]),
            ],
            expect: [
                .asked(
                    "answer request 7: failed",
                    { if case .requestEnded(7, let outcome) = $0 { outcome.code == 1 } else { false } })
            ]),
        Case(
            name: "a request with --wait that cannot be planned is answered at once",
            steps: formedOnN1 + [.input(200, .awaitedRequest(.switchover(group: "g", to: "n9"), id: 3))],
            expect: [
                .asked(
                    "answer request 3",
                    { if case .requestEnded(3, let outcome) = $0 { outcome.code == 1 } else { false } })
            ]),
        Case(
            name: "a senior that gives way answers the requests that wait: it cannot know how they end",
            local: n2,
            steps: ticks(100, 1000) + [
                .input(1010, .awaitedRequest(.stop(group: "g"), id: 5)),
                heartbeat(1050, from: n1, role: .mono, follows: n1, term: 1, digest: "d1"),
            ],
            expect: [
                .asked(
                    "answer request 5",
                    { if case .requestEnded(5, let outcome) = $0 { outcome.code == 1 } else { false } })
            ]),
        Case(
            name: "unmove forgets a switchover's preference and places the group again",
            steps: formedOnN1 + [
                heartbeat(100, role: .slaveOK, follows: n1, term: 1),
                .input(200, .request(.switchover(group: "g", to: "n2"))), drain(200),
                .input(300, .request(.unmove(group: "g"))), drain(300),
            ],
            expect: [
                .replied(0), .ran(.replan(failed: [])), .group(on: "n2", running: true),
                .holds("no pin", { $0.state.state(of: NodeControllerTests.g).pinned == nil }),
            ]),
        Case(
            name: "unmove of a group that was not switched changes nothing",
            steps: formedOnN1 + [.input(200, .request(.unmove(group: "g"))), drain(300)],
            expect: [
                .group(on: "n1", running: true),
                .notAsked(
                    "run a re-plan",
                    { if case .runPlan(let plan, _) = $0 { plan.trigger == .replan(failed: []) } else { false } }),
            ]),
        Case(
            name: "a plain start of a group that waits for newer data is refused; --force starts it",
            stored: StoredState(groups: ["g": .init(generation: 2, owner: "n2")]),
            steps: ticks(100, 1000) + [drain(1000), .input(1100, .request(.start(group: "g")))],
            expect: [.replied(1), .group(on: "n2", running: false)]),
        Case(
            name: "a forced start of a group that waits for newer data starts it here",
            stored: StoredState(groups: ["g": .init(generation: 2, owner: "n2")]),
            steps: ticks(100, 1000) + [drain(1000), .input(1100, .request(.forceStart(group: "g"))), drain(1100)],
            expect: [.ran(.startGroup(g)), .group(on: "n1", running: true)]),
        Case(
            name: "actions go here, to a live peer in the current term, or are answered for a lost one",
            steps: formedOnN1,
            expect: [
                .holds(
                    "routes",
                    { controller in
                        let here = PlannedAction.probe(NodeControllerTests.r1, on: NodeControllerTests.n1)
                        let there = PlannedAction.probe(NodeControllerTests.r1, on: NodeControllerTests.n2)
                        return controller.route(here) == .here && controller.route(there) == .peer(term: 1)
                    }),
                .holds(
                    "a lost node's probe finds nothing",
                    { _ in NodeController.onLostNode(.probe, NodeControllerTests.n2).code == 7 }),
            ]),
        // Plans
        Case(
            name: "a start refused because the resource answers elsewhere holds the group back, then tries again",
            steps: ticks(100, 1000) + [.drain(1000, elsewhere: ["r1"]), tick(10_900), drain(10_900)]
                + [tick(11_000), drain(11_000)],
            expect: [
                .emits(.groupHeldElsewhere), .ran(.startGroup(g)), .group(on: "n1", running: true),
            ]),
        Case(
            name: "a second instance found by a probe is stopped; when its stop fails the resource is blocked",
            steps: [heartbeat(50), .drain(60, found: ["r1@n1", "r1@n2"], strayStopCode: 1)],
            expect: [
                .emits(.strayStopFailed),
                .holds("r1 blocked", { $0.state.state(of: NodeControllerTests.r1).status == .blocked }),
            ]),
        Case(
            name: "a node that gave way applies no report of the plan it ran as the senior",
            local: n2,
            steps: ticks(100, 1000) + [
                .input(1000, .nextStep), heartbeat(1050, from: n1, role: .mono, follows: n1, term: 1, digest: "d1"),
                .finish(1060),
            ],
            expect: [.senior("n1"), .group(on: nil, running: false)]),
        Case(
            name:
                "a node that led again on its own state probes itself; the report of its abandoned plan is not applied",
            local: n2,
            steps: ticks(100, 1000) + [
                .input(1000, .nextStep), heartbeat(1050, from: n1, role: .mono, follows: n1, term: 1, digest: "d1"),
            ] + ticks(1100, 1700) + [.finish(1700, failing: ["r1", "r2"]), drain(1700)],
            expect: [
                .senior("n2"), .term(2), .ran(.nodeJoined(n2)), .group(on: "n2", running: true),
            ]),
    ]

    @Test(arguments: cases) func controller(_ test: Case) {
        let run = Run(test)
        for expectation in test.expect {
            let holds = run.check(expectation)
            #expect(holds, "\(expectation); events: \(run.events.map(\.rawValue))")
        }
    }

    @Test func thereAreAtLeastThirtyCases() {
        #expect(Self.cases.count >= 30)
    }
}

extension NodeControllerTests.Step {
    var time: Int64 {
        switch self {
        case .input(let time, _), .drain(let time, _, _, _, _), .finish(let time, _): time
        }
    }
}

extension PlannedAction {
    static func probe(_ resource: ResourceName, on node: NodeName) -> PlannedAction {
        PlannedAction(
            id: 0, kind: .probe, node: node, group: GroupName("g"), resource: resource, target: nil,
            timeout: .seconds(20), interval: nil, reason: "", waits: [], step: 0)
    }
}
