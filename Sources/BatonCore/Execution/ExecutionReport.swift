/// What became of one action of a plan.
public struct ActionResult: Hashable, Sendable {
    /// What the executor did with the action.
    public enum Status: Hashable, Sendable {
        /// It ran and succeeded.
        case succeeded
        /// It ran and failed (or timed out).
        case failed
        /// It never ran, because the action with this number, which it waited for, did not succeed.
        case skipped(because: Int)
    }

    /// The action's number in its plan.
    public var action: Int
    /// Succeeded, failed or skipped.
    public var status: Status
    /// The agent's answer, for actions that ran.
    public var outcome: ActionOutcome?

    /// Creates a result.
    public init(action: Int, status: Status, outcome: ActionOutcome?) {
        self.action = action
        self.status = status
        self.outcome = outcome
    }
}

/// Every result of one run of a plan, by action number.
public struct ExecutionReport: Hashable, Sendable {
    /// One result per action, in the plan's order.
    public var results: [ActionResult]

    /// Creates a report.
    public init(results: [ActionResult]) {
        self.results = results
    }

    /// Whether every action succeeded.
    public var succeeded: Bool { results.allSatisfy { $0.status == .succeeded } }

    /// The actions that ran and failed.
    public var failures: [ActionResult] { results.filter { $0.status == .failed } }
}
