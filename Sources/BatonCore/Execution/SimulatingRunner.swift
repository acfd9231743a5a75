/// Pretends to run actions: everything succeeds, probes find nothing running, except the actions named to fail.
///
/// Dry-runs and tests use it on the real ``Executor``, so a simulation exercises the same graph walk as the engine.
public struct SimulatingRunner: ActionRunner {
    /// Exit codes for actions that must fail, by ``PlannedAction/label`` ("start db on node2").
    public var failures: [String: Int]

    /// Creates a runner that fails the named actions with the given codes.
    public init(failing failures: [String: Int] = [:]) {
        self.failures = failures
    }

    /// Succeeds, or fails with the configured code; probes answer "not running".
    public func run(_ action: PlannedAction) async -> ActionOutcome {
        if let code = failures[action.label] {
            return ActionOutcome(code: code, message: "injected failure")
        }
        return ActionOutcome(code: action.kind == .probe ? 7 : 0)
    }
}
