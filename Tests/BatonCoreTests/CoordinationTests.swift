import BatonCore
import Testing

/// The senior election and the transition queue: inputs in, decisions and steps out, no I/O.
@Suite struct SeniorElectionTests {
    static let nodes = ["n1", "n2", "n3"].map(NodeName.init)

    static func peer(_ name: String, follows: String?, term: UInt64 = 0, mismatched: Bool = false)
        -> SeniorElection.Peer
    {
        SeniorElection.Peer(
            name: NodeName(name), follows: follows.map(NodeName.init), term: term, mismatched: mismatched)
    }

    /// One case: the node deciding, whom it followed before (and in which term), what its live peers say, and the
    /// decision expected.
    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var local: String
        var before: (senior: String, term: UInt64)?
        var peers: [SeniorElection.Peer]
        var heard = true
        var expected: SeniorElection.Decision
    }

    static let cases: [Case] = [
        Case(
            description: "alone, the most senior node leads in term 1", local: "n1", peers: [],
            expected: .lead(term: 1)),
        Case(
            description: "a less senior node alone leads too", local: "n3", peers: [], expected: .lead(term: 1)),
        Case(
            description: "the most senior of those heard leads, above every term heard", local: "n1",
            peers: [peer("n2", follows: nil, term: 4)], expected: .lead(term: 5)),
        Case(
            description: "a less senior node waits for the most senior's claim", local: "n2",
            peers: [peer("n1", follows: nil)], expected: .unchanged),
        Case(
            description: "and follows it once it claims, in its term", local: "n2",
            peers: [peer("n1", follows: "n1", term: 3)], expected: .follow(NodeName("n1"), term: 3, gaveWay: false)),
        Case(
            description: "a more senior node that returns follows the senior that leads", local: "n1",
            peers: [peer("n2", follows: "n2", term: 2)], expected: .follow(NodeName("n2"), term: 2, gaveWay: false)),
        Case(
            description: "two seniors after a heal: the less senior gives way, taking the other's lower term",
            local: "n2", before: ("n2", 5), peers: [peer("n1", follows: "n1", term: 1)],
            expected: .follow(NodeName("n1"), term: 1, gaveWay: true)),
        Case(
            description: "two seniors after a heal: the more senior stays", local: "n1", before: ("n1", 1),
            peers: [peer("n2", follows: "n2", term: 5)], expected: .unchanged),
        Case(
            description: "no decision before every live peer's first heartbeat", local: "n1", peers: [], heard: false,
            expected: .unchanged),
        Case(
            description: "a peer with another configuration keeps a node from leading", local: "n1",
            peers: [peer("n2", follows: nil, mismatched: true)], expected: .unchanged),
        Case(
            description: "and is never followed", local: "n2", peers: [peer("n1", follows: "n1", mismatched: true)],
            expected: .unchanged),
        Case(
            description: "a senior that leads keeps leading beside a peer with another configuration", local: "n1",
            before: ("n1", 2), peers: [peer("n2", follows: nil, mismatched: true)], expected: .unchanged),
        Case(
            description: "the most senior claimant is followed when two claim", local: "n3",
            peers: [peer("n1", follows: "n1", term: 2), peer("n2", follows: "n2", term: 3)],
            expected: .follow(NodeName("n1"), term: 2, gaveWay: false)),
    ]

    @Test(arguments: cases) func decides(_ test: Case) {
        var election = SeniorElection(local: NodeName(test.local), seniority: Self.nodes)
        if let before = test.before {
            // Reach the state before: lead alone, or follow a claimant, in the given term.
            if before.senior == test.local {
                _ = election.decide(
                    [Self.peer("n9", follows: nil, term: before.term - 1)], everyPeerHeard: true)
            } else {
                _ = election.decide(
                    [Self.peer(before.senior, follows: before.senior, term: before.term)], everyPeerHeard: true)
            }
            #expect(election.senior == NodeName(before.senior) && election.term == before.term)
        }
        #expect(election.decide(test.peers, everyPeerHeard: test.heard) == test.expected)
    }

    @Test func aFollowerTakesItsSeniorsHigherTermAndNoOnesElse() {
        var election = SeniorElection(local: NodeName("n2"), seniority: Self.nodes)
        _ = election.decide([Self.peer("n1", follows: "n1", term: 1)], everyPeerHeard: true)
        election.heard(term: 4, from: NodeName("n3"))
        #expect(election.term == 1)
        election.heard(term: 4, from: NodeName("n1"))
        #expect(election.term == 4)
        election.seniorGone()
        #expect(election.senior == nil)
        #expect(election.decide([], everyPeerHeard: true) == .lead(term: 5), "a new senior's term is above the last")
    }
}

@Suite struct TransitionQueueTests {
    static let spec = PlannerTests.threeNodes()!
    static let now = Timestamp(milliseconds: 1_000)

    /// The next plan the steps ask to run, and the other steps.
    static func plan(in steps: [TransitionQueue.Step]) -> Plan? {
        for case .run(let plan, _) in steps { return plan }
        return nil
    }

    /// A report in which every action of `plan` ends as a simulation would, except those labelled in `failing`.
    static func report(_ plan: Plan, failing: Set<String> = [], code: (PlannedAction) -> Int? = { _ in nil })
        -> ExecutionReport
    {
        ExecutionReport(
            results: plan.actions.map { action in
                let outcome = ActionOutcome(
                    code: code(action) ?? (failing.contains(action.label) ? 1 : action.kind == .probe ? 7 : 0))
                return ActionResult(
                    action: action.id, status: action.kind.succeeds(with: outcome.code) ? .succeeded : .failed,
                    outcome: outcome)
            })
    }

    @Test func aTriggerRunsItsPlanAndEnds() throws {
        var queue = TransitionQueue(spec: Self.spec, state: ResultsTests.running(on: nil))
        let plan = try #require(Self.plan(in: queue.enqueue(.startGroup(GroupName("g")), at: Self.now)))
        #expect(queue.isBusy)
        let steps = queue.finished(Self.report(plan), at: Self.now)
        guard case .finished(let transition) = try #require(steps.first) else { Issue.record("\(steps)"); return }
        #expect(transition.rounds == 1 && transition.notRunning.isEmpty)
        #expect(!queue.isBusy)
        #expect(queue.state.state(of: ResourceName("r1")).status == .started)
    }

    @Test(arguments: [false, true]) func aPlanThatKeepsFailingEnds(stopsFailToo: Bool) throws {
        var queue = TransitionQueue(spec: Self.spec, state: ResultsTests.running(on: "n1"))
        var steps = queue.enqueue(.resourceFailed(ResourceName("r2"), node: NodeName("n1"), code: 7), at: Self.now)
        var plans = 0
        while let plan = Self.plan(in: steps), plans < 20 {
            plans += 1
            // Every start fails on every node (and every stop too): each re-plan tries the next node, or gives up.
            steps = queue.finished(
                Self.report(plan, code: { $0.kind == .start || (stopsFailToo && $0.kind == .stop) ? 1 : nil }),
                at: Self.now)
        }
        #expect(plans >= 2 && plans <= 1 + TransitionQueue.maximumReplans, "\(plans) plans")
        guard case .finished(let transition) = steps.last else { Issue.record("\(steps)"); return }
        #expect(transition.rounds == plans && transition.notRunning == [GroupName("g")])
        #expect(!queue.isBusy)
    }

    @Test func aTriggerQueuedWhileAPlanRunsIsPlannedAfterIt() throws {
        var queue = TransitionQueue(spec: Self.spec, state: ResultsTests.running(on: "n1"))
        let first = try #require(Self.plan(in: queue.enqueue(.standby(NodeName("n1")), at: Self.now)))
        #expect(queue.enqueue(.online(NodeName("n1")), at: Self.now).isEmpty, "one plan at a time")
        let steps = queue.finished(Self.report(first), at: Self.now)
        #expect(steps.count == 2)
        let second = try #require(Self.plan(in: steps))
        #expect(second.trigger == .online(NodeName("n1")))
    }

    @Test func anAbandonedQueueAppliesNoLateReport() throws {
        let state = ResultsTests.running(on: "n1")
        var queue = TransitionQueue(spec: Self.spec, state: state)
        let plan = try #require(Self.plan(in: queue.enqueue(.standby(NodeName("n1")), at: Self.now)))
        _ = queue.enqueue(.online(NodeName("n1")), at: Self.now)
        queue.abandon()
        queue.state = state
        #expect(queue.finished(Self.report(plan), at: Self.now).isEmpty)
        #expect(queue.state == state && !queue.isBusy)
    }

    @Test func aTriggerThatCannotBePlannedIsRefused() {
        var queue = TransitionQueue(spec: Self.spec, state: ResultsTests.running(on: "n1"))
        let steps = queue.enqueue(.standby(NodeName("n9")), at: Self.now)
        #expect(steps == [.refused(.standby(NodeName("n9")), "unknown node 'n9'")])
    }

    @Test func aSecondInstanceFoundByAProbeIsStoppedAndTheFirstKept() throws {
        var state = ResultsTests.running(on: "n1")
        state.nodes[NodeName("n2")]?.status = .lost
        var queue = TransitionQueue(spec: Self.spec, state: state)
        let plan = try #require(Self.plan(in: queue.enqueue(.nodeJoined(NodeName("n2")), at: Self.now)))
        let steps = queue.finished(
            Self.report(
                plan,
                code: { $0.kind == .probe && $0.resource == ResourceName("r1") && $0.node == NodeName("n2") ? 0 : nil }),
            at: Self.now)
        let stops = steps.compactMap { step -> PlannedAction? in
            if case .stopSecondInstance(let probe) = step { return probe } else { return nil }
        }
        #expect(stops.map(\.label) == ["probe r1 on n2"])
        #expect(queue.state.state(of: ResourceName("r1")) == ResourceState(status: .started, node: NodeName("n1")))
        #expect(queue.state.state(of: GroupName("g")).node == NodeName("n1"))
    }

    /// A cleanup forgets where the resource ran, then probes every node: found on two, it is kept where the report
    /// put it and the other instance is stopped.
    @Test func aCleanupThatFindsTheResourceOnTwoNodesStopsOne() throws {
        var state = ResultsTests.running(on: "n1")
        state.resources[ResourceName("r1")] = ResourceState(status: .failed, node: NodeName("n1"))
        var queue = TransitionQueue(spec: Self.spec, state: state)
        let plan = try #require(Self.plan(in: queue.enqueue(.cleanup(ResourceName("r1")), at: Self.now)))
        let steps = queue.finished(
            Self.report(
                plan,
                code: { $0.kind == .probe && $0.resource == ResourceName("r1") && $0.node != NodeName("n3") ? 0 : nil }),
            at: Self.now)
        let stops = steps.compactMap { step -> PlannedAction? in
            if case .stopSecondInstance(let probe) = step { return probe } else { return nil }
        }
        let kept = try #require(queue.state.state(of: ResourceName("r1")).activeNode)
        #expect(stops.count == 1 && stops.first?.node != kept && stops.first?.resource == ResourceName("r1"))
    }

    /// Whatever order the probes answer in, the instance beside the group's other members is the one kept.
    @Test(arguments: [false, true]) func aCleanupKeepsTheInstanceOnTheGroupsNode(reversed: Bool) throws {
        var state = ResultsTests.running(on: "n2")
        state.resources[ResourceName("r1")] = ResourceState(status: .failed, node: NodeName("n2"))
        var queue = TransitionQueue(spec: Self.spec, state: state)
        let plan = try #require(Self.plan(in: queue.enqueue(.cleanup(ResourceName("r1")), at: Self.now)))
        var report = Self.report(
            plan,
            code: { $0.kind == .probe && $0.resource == ResourceName("r1") && $0.node != NodeName("n3") ? 0 : nil })
        if reversed { report.results.reverse() }
        let steps = queue.finished(report, at: Self.now)
        let stops = steps.compactMap { step -> PlannedAction? in
            if case .stopSecondInstance(let probe) = step { return probe } else { return nil }
        }
        #expect(queue.state.state(of: ResourceName("r1")).activeNode == NodeName("n2"))
        #expect(stops.map(\.node) == [NodeName("n1")])
    }

    @Test func aNodeThatDeclinesAStartIsPutInStandbyBeforeTheRePlan() throws {
        var queue = TransitionQueue(spec: Self.spec, state: ResultsTests.running(on: "n1"))
        let plan = try #require(Self.plan(in: queue.enqueue(.standby(NodeName("n1")), at: Self.now)))
        let target = try #require(plan.actions.first { $0.kind == .start }?.node)
        let report = ExecutionReport(
            results: plan.actions.map { action in
                let outcome =
                    action.kind == .start && action.node == target
                    ? ActionOutcome(code: 1, declined: true) : ActionOutcome(code: action.kind == .probe ? 7 : 0)
                return ActionResult(
                    action: action.id, status: action.kind.succeeds(with: outcome.code) ? .succeeded : .failed,
                    outcome: outcome)
            })
        let steps = queue.finished(report, at: Self.now)
        #expect(queue.state.status(of: target) == .standby)
        let replan = try #require(Self.plan(in: steps))
        #expect(!replan.actions.contains { $0.kind == .start && $0.node == target }, "nothing more for it")
        #expect(queue.state.state(of: ResourceName("r1")).failures.isEmpty, "declining is no failure")
    }
}
