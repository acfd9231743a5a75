/// Performs one planned action: the seam between the pure core and the machine.
///
/// The agents' runner performs real agent actions; ``SimulatingRunner`` pretends, for dry-runs and tests.
public protocol ActionRunner: Sendable {
    /// Runs `action` and reports what the agent answered. Must not throw: every problem is an outcome.
    func run(_ action: PlannedAction) async -> ActionOutcome
}

/// What an agent answered for one action.
public struct ActionOutcome: Hashable, Sendable {
    /// The OCF exit code.
    public var code: Int
    /// The action ran out of time and was killed; `code` is then 1.
    public var timedOut: Bool
    /// The exit reason or the tail of the output, for people.
    public var message: String

    /// Creates an outcome.
    public init(code: Int, timedOut: Bool = false, message: String = "") {
        self.code = code
        self.timedOut = timedOut
        self.message = message
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
