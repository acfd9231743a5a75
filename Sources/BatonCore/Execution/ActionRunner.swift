/// Performs one planned action: the seam between the pure core and the machine.
///
/// The agents' runner performs real agent actions; ``SimulatingRunner`` pretends, for dry-runs and tests.
public protocol ActionRunner: Sendable {
    /// Runs `action` and reports what the agent answered. Must not throw: every problem is an outcome.
    func run(_ action: PlannedAction) async -> ActionOutcome
    /// The runner for a new configuration (`baton config apply`), sharing what runs now.
    func reconfigured(_ spec: ClusterSpec) -> any ActionRunner
}

extension ActionRunner {
    /// Itself: a runner that does not read the configuration.
    public func reconfigured(_ spec: ClusterSpec) -> any ActionRunner { self }
}

/// What an agent answered for one action.
public struct ActionOutcome: Hashable, Sendable, Codable {
    /// The OCF exit code.
    public var code: Int
    /// The action ran out of time and was killed; `code` is then 1.
    public var timedOut: Bool
    /// The exit reason or the tail of the output, for people.
    public var message: String
    /// A start refused because the resource answers from another machine (a floating address that still answers):
    /// the node that held it may still run it. Not a failure of this node, so it does not keep the resource off it.
    public var heldElsewhere: Bool
    /// The node did not run the action because it is leaving the cluster (shutting down), or was lost before it
    /// answered: nothing ran that the cluster counts on, nothing failed.
    public var declined: Bool

    /// Creates an outcome.
    public init(
        code: Int, timedOut: Bool = false, message: String = "", heldElsewhere: Bool = false, declined: Bool = false
    ) {
        self.code = code
        self.timedOut = timedOut
        self.message = message
        self.heldElsewhere = heldElsewhere
        self.declined = declined
    }
}

extension ActionKind {
    /// Whether an exit code lets the actions waiting for this one go ahead.
    ///
    /// A probe succeeds when the resource is not running (7): finding it running (0) is news the planner must act
    /// on before anything that waited for the probe, so it stops them like a failure does.
    public func succeeds(with code: Int) -> Bool {
        self == .probe ? code == 7 : code == 0
    }
}
