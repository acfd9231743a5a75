import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// `process`: a long-running command Baton starts detached in its own session and supervises by pid file.
struct ProcessAgent {
    let work: BuiltinWork
    let daemon: Daemon

    init(_ work: BuiltinWork) {
        self.work = work
        let base = work.stateDirectory + "/" + work.request.instance
        self.daemon = Daemon(pidfile: work.parameter("pidfile", base + ".pid"))
    }

    func perform() async -> AgentResult {
        switch work.verb {
        case .start: await start()
        case .stop: await stop()
        case .monitor: await monitor()
        }
    }

    private func start() async -> AgentResult {
        if daemon.runningPID() != nil { return await monitor() }
        guard let command = try? CommandWords(configText: work.parameter("command", "")) else {
            return .failure(work.request.action, code: 6, "parameter 'command' is not a command")
        }
        let logFile = work.parameter("log_file", work.stateDirectory + "/" + work.request.instance + ".log")
        for file in [daemon.pidfile, logFile] where !FileText.makeDirectory(file.parentDirectory) {
            return .failure(work.request.action, code: 5, "cannot create the directory of \(file)")
        }
        switch daemon.start(command.words, logFile: logFile, environment: [("BATON_RESOURCE", work.request.instance)]) {
        case .failure(let error):
            return .failure(work.request.action, code: 5, error.reason)
        case .success:
            break
        }
        // Started is running and, with a port or a health command, answering: wait for that within the timeout.
        while true {
            let state = await monitor()
            if state.code == 0 { return state }
            if daemon.runningPID() == nil {
                let said = FileText.read(logFile)?.lastLine.map { ": \($0)" } ?? ""
                return .failure(work.request.action, code: 1, "did not start: the process exited (\(logFile))\(said)")
            }
            if work.remaining == .zero {
                return .failure(work.request.action, code: 1, "did not start: \(state.exitReason ?? state.meaning)")
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func stop() async -> AgentResult {
        let patience = max(.milliseconds(100), work.remaining - .seconds(2))
        return await daemon.stop(patience: patience)
            ? AgentResult(action: work.request.action, code: 0)
            : .failure(work.request.action, code: 1, "the process survived SIGKILL")
    }

    private func monitor() async -> AgentResult {
        guard let pid = daemon.runningPID() else {
            return .failure(work.request.action, code: 7, "not running (pid file \(daemon.pidfile))")
        }
        if let port = work.request.parameter("port").flatMap({ UInt16($0) }) {
            let host = work.parameter("host", "127.0.0.1")
            guard await blocking({ TCPCheck.accepts(host: host, port: port, within: .seconds(1)) }) else {
                return .failure(
                    work.request.action, code: 1, "process \(pid) runs but \(host):\(port) refuses connections")
            }
        }
        if let health = work.request.parameter("health"), let words = try? CommandWords(configText: health).words {
            let result = await work.tool(words)
            guard result.succeeded else { return work.failure(1, "health command failed", result) }
        }
        return AgentResult(action: work.request.action, code: 0, exitReason: nil, output: "running, pid \(pid)\n")
    }
}
