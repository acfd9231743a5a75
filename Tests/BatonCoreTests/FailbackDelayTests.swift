import BatonCore
import Foundation
import Testing

/// `failback-delay` with `failback: auto`: a returning node gets its group back only once it has been heard for the
/// delay, so a node that flaps is not handed the group each time it answers.
@Suite struct FailbackDelayTests {
    static let n1 = NodeName("n1")
    static let n2 = NodeName("n2")
    static let g = GroupName("g")

    static let spec: ClusterSpec = {
        var spec = PlannerTests.threeNodes()!
        spec.groups[0].failback = .auto
        spec.groups[0].failbackDelay = Located(.seconds(30), at: PlannerTests.here)
        return spec
    }()

    /// g runs on n2 after n1 was lost; n1 returns at 100 s.
    static func returned() -> ClusterState {
        var state = ResultsTests.running(on: "n2").applying(.nodeLost(n1), in: spec)
        state.time = Timestamp(milliseconds: 100_000)
        return state.applying(.nodeJoined(n1), in: spec)
    }

    @Test func theGroupStaysUntilTheReturningNodeWasHeardForTheDelay() {
        let state = Self.returned()
        #expect(state.nodes[Self.n1]?.heardSince == Timestamp(milliseconds: 100_000))
        let early = Planner.plan(Self.spec, from: state, trigger: .replan(failed: []))
        #expect(!early.actions.contains { $0.kind == .start || $0.kind == .stop }, "\(early.actions.map(\.label))")
        #expect(early.placement[Self.g] == Self.n2)
        #expect(early.notes.contains("g goes back to n1 once it has been heard for failback-delay 30s (30s from now)"))
        var later = state
        later.time = Timestamp(milliseconds: 130_000)
        let back = Planner.plan(Self.spec, from: later, trigger: .replan(failed: []))
        #expect(back.placement[Self.g] == Self.n1)
        #expect(back.actions.contains { $0.kind == .start && $0.node == Self.n1 })
    }

    @Test func aFailoverIsNotDelayed() {
        // n2, which runs g, is lost 5 s after n1 returned: g goes to n1 at once.
        var state = Self.returned()
        state.time = Timestamp(milliseconds: 105_000)
        let lost = state.applying(.nodeLost(Self.n2), in: Self.spec)
        let plan = Planner.plan(Self.spec, from: lost, trigger: .nodeLost(Self.n2))
        #expect(plan.placement[Self.g] == Self.n1)
    }

    @Test func aNodeThatFlapsStartsItsDelayAgain() {
        var state = Self.returned().applying(.nodeLost(Self.n1), in: Self.spec)
        state.time = Timestamp(milliseconds: 125_000)
        state = state.applying(.nodeJoined(Self.n1), in: Self.spec)
        state.time = Timestamp(milliseconds: 131_000)
        #expect(Planner.plan(Self.spec, from: state, trigger: .replan(failed: [])).placement[Self.g] == Self.n2)
    }

    @Test func theStateFileFormKeepsWhenANodeWasHeardAgain() throws {
        let state = Self.returned()
        let decoded = try JSONDecoder().decode(ClusterState.self, from: JSONEncoder().encode(state))
        #expect(decoded.nodes[Self.n1]?.heardSince == Timestamp(milliseconds: 100_000))
    }
}
