import CSpawn

#if canImport(Glibc)
    import Glibc
#endif

/// A long-running process of a built-in agent: started in its own session, found again through its pid file.
struct Daemon {
    /// The pid file.
    let pidfile: String

    /// The pid the pid file names, if it names a process that still runs.
    func runningPID() -> pid_t? {
        guard let text = FileText.read(pidfile), let pid = pid_t(text.trimmingSpaces), pid > 1 else { return nil }
        return Self.isRunning(pid) ? pid : nil
    }

    /// Starts `words` detached in a new session, output appended to `logFile`, and records its pid.
    /// - Returns: the pid, or why it could not start.
    func start(_ words: [String], logFile: String, environment: [(String, String)]) -> Result<pid_t, DaemonError> {
        guard let program = ProcessRequest.executable(words[0]) else {
            return .failure(DaemonError("program '\(words[0])' not found in \(ProcessRequest.standardPath)"))
        }
        let log = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard log >= 0 else { return .failure(DaemonError("cannot open log file \(logFile): \(Self.errorText())")) }
        defer { close(log) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, log, 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        // Nothing of the engine's: its sockets and files stay with it, so an engine started again after a crash can
        // bind its links and control socket while the service still runs.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own session: Baton's terminal, process group and signals do not reach it, and stop signals its group.
        posix_spawnattr_setflags(&attributes, Int16(Self.spawnSetSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        let arguments = words.map { strdup($0) } + [nil]
        let variables =
            (environment + [("PATH", ProcessRequest.standardPath)]).map { strdup("\($0.0)=\($0.1)") } + [nil]
        defer {
            arguments.forEach { free($0) }
            variables.forEach { free($0) }
        }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, program, &actions, &attributes, arguments, variables)
        guard status == 0 else {
            return .failure(DaemonError("cannot start \(program): \(String(cString: strerror(status)))"))
        }
        do {
            try AtomicFile.write(Array("\(pid)\n".utf8), to: pidfile)
        } catch {
            kill(-pid, SIGKILL)
            return .failure(DaemonError("the pid file: \(error.description)"))
        }
        return .success(pid)
    }

    /// Signals the process group, then kills what is left of it once `patience` has passed; removes the pid file.
    /// The whole group counts, not only its leader: a child that ignores SIGTERM outlives a leader that obeyed.
    /// - Returns: whether every process of the group is gone.
    func stop(patience: Duration) async -> Bool {
        guard let pid = runningPID() else {
            unlink(pidfile)
            return true
        }
        kill(-pid, SIGTERM)
        kill(pid, SIGTERM)
        if await Self.waitUntilGone(group: pid, for: patience) == false {
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            guard await Self.waitUntilGone(group: pid, for: .seconds(2)) else { return false }
        }
        unlink(pidfile)
        return true
    }

    /// Whether `pid` runs. A child of Baton that exited is reaped here, so its zombie does not count as running.
    static func isRunning(_ pid: pid_t) -> Bool {
        var status: Int32 = 0
        let waited = waitpid(pid, &status, WNOHANG)
        if waited == pid { return false }
        if waited == 0 { return true }
        // Not Baton's child (Baton restarted since): ask /proc, where a zombie is not running either.
        guard let stat = FileText.read("/proc/\(pid)/stat"), let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[close...].dropFirst(2).first
        return state != "Z" && state != "X"
    }

    /// Waits until the leader `group` and every other live process of its group are gone.
    static func waitUntilGone(group: pid_t, for patience: Duration) async -> Bool {
        let deadline = ContinuousClock.now + patience
        while isRunning(group) || groupHasMembers(group) {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// Whether a process that is not a zombie belongs to process group `group`, from `/proc/PID/stat`.
    static func groupHasMembers(_ group: pid_t) -> Bool {
        guard kill(-group, 0) == 0 else { return false }
        return AgentCatalog.names(in: "/proc").contains { name in
            guard Int32(name) != nil, let stat = FileText.read("/proc/\(name)/stat"),
                let close = stat.lastIndex(of: ")")
            else { return false }
            // After the command's closing parenthesis: state, parent, process group.
            let fields = stat[close...].dropFirst(2).split(separator: " ", maxSplits: 3)
            return fields.count >= 3 && fields[0] != "Z" && fields[0] != "X" && Int32(fields[2]) == group
        }
    }


    /// glibc's `POSIX_SPAWN_SETSID` (since 2.26), a GNU extension Swift's Glibc module does not import.
    private static let spawnSetSID: Int32 = 0x80

    static func errorText() -> String { String(cString: strerror(errno)) }
}

/// Why a daemon could not start.
struct DaemonError: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
