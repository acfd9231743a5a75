import BatonCore

/// What an agent answered for one action.
public struct AgentResult: Sendable, Hashable {
    /// The action performed.
    public var action: AgentAction
    /// The program's own exit status, before mapping; `nil` when it did not exit by itself (a signal, a timeout,
    /// a program that could not start) or for a built-in agent.
    public var exitStatus: Int?
    /// The OCF exit code: the status mapped as the agent's class defines (unknown codes are 1).
    public var code: Int
    /// The action ran out of time and its process group was killed; distinct from a failure the agent reported.
    public var timedOut: Bool
    /// The agent's last `ocf-exit-reason:` line, or Baton's own explanation.
    public var exitReason: String?
    /// The tail of standard output.
    public var output: String
    /// The tail of standard error.
    public var errorOutput: String
    /// How long the action took.
    public var duration: Duration
    /// A start refused because another machine answers for the resource (see ``ActionOutcome/heldElsewhere``).
    public var heldElsewhere = false

    /// Creates a result.
    public init(
        action: AgentAction, exitStatus: Int? = nil, code: Int, timedOut: Bool = false, exitReason: String? = nil,
        output: String = "", errorOutput: String = "", duration: Duration = .zero
    ) {
        self.action = action
        self.exitStatus = exitStatus
        self.code = code
        self.timedOut = timedOut
        self.exitReason = exitReason
        self.output = output
        self.errorOutput = errorOutput
        self.duration = duration
    }

    /// The code's meaning in words; "timed out" for an action that ran out of time.
    public var meaning: String { timedOut ? "timed out" : OCFExitCode.meaning(code) }

    /// Whether the action did what was asked: 0 for most actions, 0 or 7 for a probe (7: not running here), and
    /// 0 or 190 (degraded) for a monitor.
    public var succeeded: Bool {
        guard !timedOut else { return false }
        switch action {
        case .monitor(let interval, _): return code == 0 || code == 190 || (interval == .zero && code == 7)
        default: return code == 0
        }
    }

    /// The outcome the executor records.
    public var outcome: ActionOutcome {
        let words = exitReason ?? errorOutput.lastLine ?? ""
        return ActionOutcome(
            code: timedOut ? 1 : code, timedOut: timedOut, message: words, heldElsewhere: heldElsewhere)
    }

    /// A result Baton makes itself, when the agent could not be run at all.
    static func failure(_ action: AgentAction, code: Int, _ reason: String, duration: Duration = .zero) -> Self {
        AgentResult(action: action, code: code, exitReason: reason, duration: duration)
    }
}

extension String {
    /// The last line that is not blank.
    var lastLine: String? {
        split(whereSeparator: \.isNewline).last { !$0.allSatisfy(\.isWhitespace) }.map { String($0).trimmingSpaces }
    }
}
