import BatonCore

/// `service`: a systemd unit, or where no systemd runs, a command that starts a daemon writing a pid file.
///
/// With `unit`, start and stop go through the systemd agent (with its wait while the unit settles). With `command`,
/// start runs it and waits until the pid file names a running process; stop runs `stop_command` when given, else
/// signals that process (SIGTERM, then SIGKILL). Either way, `health` (such as `pg_isready`) must succeed for the
/// service to count as running.
struct ServiceAgent {
    let work: BuiltinWork

    init(_ work: BuiltinWork) {
        self.work = work
    }

    func perform() async -> AgentResult {
        if let unit = work.request.parameter("unit") {
            var request = work.request
            request.timeout = work.remaining
            let result = await SystemdAgent(unit: unit).perform(request)
            if case .stop = work.verb { return result }
            return result.code == 0 ? await healthy(result) : result
        }
        let daemon = Daemon(
            pidfile: work.parameter("pidfile", work.stateDirectory + "/" + work.request.instance + ".pid"))
        switch work.verb {
        case .start:
            if daemon.runningPID() != nil { return await healthy(AgentResult(action: work.request.action, code: 0)) }
            guard let words = try? CommandWords(configText: work.parameter("command", "")).words else {
                return .failure(work.request.action, code: 6, "parameter 'command' is not a command")
            }
            let launch = await work.tool(words)
            guard launch.succeeded else { return work.failure(1, "the start command failed", launch) }
            while work.remaining > .zero {
                if daemon.runningPID() != nil {
                    let state = await healthy(AgentResult(action: work.request.action, code: 0))
                    if state.code == 0 { return state }
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            return .failure(
                work.request.action, code: 1, "no running process in \(daemon.pidfile), or not healthy, in time")
        case .stop:
            if let stop = work.request.parameter("stop_command"), let words = try? CommandWords(configText: stop).words,
                daemon.runningPID() != nil
            {
                _ = await work.tool(words)
            }
            return await daemon.stop(patience: max(.milliseconds(100), work.remaining - .seconds(2)))
                ? AgentResult(action: work.request.action, code: 0)
                : .failure(work.request.action, code: 1, "the service survived SIGKILL")
        case .monitor:
            guard let pid = daemon.runningPID() else {
                return .failure(work.request.action, code: 7, "not running (pid file \(daemon.pidfile))")
            }
            return await healthy(AgentResult(action: work.request.action, code: 0, output: "running, pid \(pid)\n"))
        }
    }

    /// `result`, unless the health command fails.
    private func healthy(_ result: AgentResult) async -> AgentResult {
        guard let health = work.request.parameter("health"), let words = try? CommandWords(configText: health).words
        else {
            return result
        }
        let check = await work.tool(words)
        return check.succeeded ? result : work.failure(1, "health command failed", check)
    }
}
