/// Baton's planner: from a configuration, a state and a trigger to a plan. Pure and deterministic; the running
/// engine, `baton plan` and `baton simulate` all call it.
public enum Planner {
    /// The plan that `trigger` causes in `state`.
    ///
    /// The trigger is applied to the state first (``ClusterState/applying(_:in:)``); then every group is placed and
    /// the difference between where resources run and where they should run becomes actions.
    /// - Precondition: `spec` is valid (its `order` has no cycle) and `trigger` has no ``Trigger/problem(in:state:)``.
    public static func plan(_ spec: ClusterSpec, from state: ClusterState, trigger: Trigger) -> Plan {
        let next = state.applying(trigger, in: spec)
        let index = SpecIndex(spec)
        var builder = PlanBuilder(
            spec: spec, state: next, trigger: trigger, index: index, placement: Placement(spec, next, index: index))
        builder.build()
        return builder.finish()
    }
}
