import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// A systemd unit (`systemd:UNIT`), driven with `systemctl`.
///
/// `systemctl start` returns once its job is done, but a unit can still be activating (or deactivating after stop),
/// so Baton asks `is-active` until the unit settles or the action's time runs out. The unit should not be enabled:
/// Baton, not the boot, decides where it runs.
public struct SystemdAgent: Agent {
    /// The agent as the configuration names it.
    public var reference: AgentReference
    /// The unit.
    public var unit: String
    /// Where systemd marks that it runs; tests point it elsewhere.
    public var runtimeDirectory: String

    /// Creates an agent for a unit.
    public init(unit: String, runtimeDirectory: String = "/run/systemd/system") {
        self.reference = .systemd(unit)
        self.unit = unit
        self.runtimeDirectory = runtimeDirectory
    }

    /// Starts, stops or checks the unit.
    public func perform(_ request: AgentRequest) async -> AgentResult {
        let clock = ContinuousClock()
        let start = clock.now
        if request.action == .metaData {
            return AgentResult(
                action: .metaData, code: 0, output: LSBAgent.metadata(for: reference.description, timeout: "100s"))
        }
        // sd_booted(3): systemd runs as init when this directory exists. Without systemd no unit runs, so a stop
        // has nothing to do and succeeds: a failed stop would block the group on this node for nothing.
        guard access(runtimeDirectory, F_OK) == 0 else {
            if request.action == .stop {
                return AgentResult(
                    action: .stop, code: 0,
                    exitReason: "systemd is not running on this machine; \(unit) cannot be running",
                    duration: clock.now - start)
            }
            return .failure(
                request.action, code: 5,
                "systemd is not running on this machine (no \(runtimeDirectory)); use the service agent with a command")
        }
        let deadline = start + request.timeout
        switch request.action {
        case .start, .stop:
            let result = await systemctl([request.action.name, unit], until: deadline)
            guard result.code == 0 else { return result.finished(request.action, since: start) }
            let state = await settledState(until: deadline)
            let running = state == "active" || state == "reloading"
            let code = request.action == .start ? (running ? 0 : 1) : (running ? 1 : 0)
            return AgentResult(
                action: request.action, code: code,
                exitReason: code == 0 ? nil : "unit \(unit) is \(state) after systemctl \(request.action.name)",
                duration: clock.now - start)
        case .monitor:
            let state = await settledState(until: deadline)
            return AgentResult(
                action: request.action, code: state == "active" || state == "reloading" ? 0 : 7,
                exitReason: "unit \(unit) is \(state)", duration: clock.now - start)
        default:
            return AgentResult(action: request.action, code: 0, duration: clock.now - start)
        }
    }

    /// Asks `is-active` until the unit is neither activating nor deactivating, or the deadline passes.
    private func settledState(until deadline: ContinuousClock.Instant) async -> String {
        var state = "unknown"
        while ContinuousClock.now < deadline {
            let result = await systemctl(["is-active", unit], until: deadline)
            state = result.output.trimmingSpaces.split(whereSeparator: \.isNewline).first.map(String.init) ?? "unknown"
            guard state == "activating" || state == "deactivating" else { return state }
            try? await Task.sleep(for: .milliseconds(200))
        }
        return state
    }

    private func systemctl(_ arguments: [String], until deadline: ContinuousClock.Instant) async -> AgentResult {
        let process = ProcessRequest(
            executable: "/usr/bin/systemctl", arguments: arguments, environment: [("LC_ALL", "C")],
            timeout: max(.milliseconds(1), deadline - .now), grace: .seconds(1))
        return AgentResult(.start, from: await ProcessRunner().run(process)) { status, _ in status == 0 ? 0 : 1 }
    }
}

extension AgentResult {
    fileprivate func finished(_ action: AgentAction, since start: ContinuousClock.Instant) -> AgentResult {
        var result = self
        result.action = action
        result.exitReason = exitReason ?? errorOutput.lastLine
        result.duration = .now - start
        return result
    }
}
