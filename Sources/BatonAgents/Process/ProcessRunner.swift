import Dispatch
import Subprocess
import Synchronization
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Runs programs for agents: each in its own session and process group, with a timeout that no descendant survives.
///
/// On timeout the whole process group gets SIGTERM, then SIGKILL after the grace period, so a hung agent and every
/// child it forked are gone. Output is read as it comes and only its tail is kept. Arguments and environment go to
/// `execve` as they are: no shell ever parses them.
public struct ProcessRunner: Sendable {
    /// Creates a runner.
    public init() {}

    /// Runs the request's program and waits for it, its output and, on timeout, its process group.
    public func run(_ request: ProcessRequest) async -> ProcessResult {
        let clock = ContinuousClock()
        let start = clock.now
        var options = PlatformOptions()
        // A new session makes the program the leader of its own process group, which the timeout signals as a whole.
        options.createSession = true
        var environment: [Environment.Key: String] = [:]
        for (name, value) in request.completeEnvironment {
            guard let key = Environment.Key(rawValue: name) else { continue }
            environment[key] = value
        }
        do {
            let configuration = Configuration(
                executable: .path(FilePath(request.executable)), arguments: Arguments(request.arguments),
                environment: .custom(environment), workingDirectory: FilePath(request.workingDirectory),
                platformOptions: options)
            let result =
                request.input.isEmpty
                ? try await launch(configuration, request, input: .none)
                : try await launch(configuration, request, input: .array(request.input))
            var outcome = result.closureResult
            switch result.terminationStatus {
            case .exited(let status): outcome.termination = .exited(status)
            case .signaled(let signal): outcome.termination = .signalled(signal)
            }
            outcome.duration = clock.now - start
            return outcome
        } catch {
            return ProcessResult(
                termination: .notStarted("cannot run \(request.executable): \(error)"), duration: clock.now - start)
        }
    }
}

extension ProcessRunner {
    private func launch(_ configuration: Configuration, _ request: ProcessRequest, input: some InputProtocol)
        async throws -> ExecutionResult<ProcessResult, SequenceOutput, SequenceOutput>
    {
        try await Subprocess.run(configuration, input: input, output: .sequence, error: .sequence) { execution in
            await Supervision(request: request, pid: execution.processIdentifier)
                .watch(output: execution.standardOutput, error: execution.standardError)
        }
    }
}

/// The watch over one running program: its two output streams, its exit, and the timeout.
private struct Supervision: Sendable {
    let request: ProcessRequest
    let pid: ProcessIdentifier

    private enum Event: Sendable {
        case output(OutputTail)
        case error(OutputTail)
        case exited
        case idle
    }

    /// Reads both streams to their end, waits for the program to exit, and signals its group on timeout.
    func watch(output: SubprocessOutputSequence, error: SubprocessOutputSequence) async -> ProcessResult {
        let deadline = Deadline(group: pid.value, grace: request.grace)
        deadline.arm(after: request.timeout)
        var result = ProcessResult(termination: .exited(0))
        var streamsOpen = 2
        var exited = false
        var waitingForExit = false
        await withTaskGroup(of: Event.self) { group in
            group.addTask { .output(await read(output, prefix: nil)) }
            group.addTask { .error(await read(error, prefix: request.reasonPrefix)) }
            for await event in group {
                switch event {
                case .output(let tail):
                    result.standardOutput = tail.bytes
                    streamsOpen -= 1
                case .error(let tail):
                    result.standardError = tail.bytes
                    result.exitReason = tail.prefixedLine
                    streamsOpen -= 1
                case .exited: exited = true
                case .idle: break
                }
                // Both streams closed: the program is exiting (or closed them on purpose); wait for its exit.
                if streamsOpen == 0, !exited, !waitingForExit {
                    waitingForExit = true
                    group.addTask { await waitForExit() }
                }
                if streamsOpen == 0, exited { group.cancelAll() }
            }
        }
        result.timedOut = deadline.disarm()
        return result
    }

    private func read(_ stream: SubprocessOutputSequence, prefix: String?) async -> OutputTail {
        var tail = OutputTail(limit: request.outputLimit, prefix: prefix)
        do {
            for try await chunk in stream { chunk.withUnsafeBytes { tail.append($0) } }
        } catch {
            // A read error ends the stream; what was read is kept.
        }
        tail.finish()
        return tail
    }

    /// Waits until the program has exited, without reaping it (Subprocess does that).
    private func waitForExit() async -> Event {
        var pause = Duration.microseconds(200)
        while !Task.isCancelled {
            var info = siginfo_t()
            // WNOWAIT leaves the zombie for Subprocess's own wait; a pid of 0 in the answer means "still running".
            let status = waitid(P_PIDFD, id_t(pid.processDescriptor), &info, WEXITED | WNOHANG | WNOWAIT)
            if status != 0 || info._sifields._sigchld.si_pid != 0 { return .exited }
            try? await Task.sleep(for: pause)
            pause = min(pause * 2, .milliseconds(50))
        }
        return .idle
    }
}

/// The timeout of one program: SIGTERM to its process group when it passes, SIGKILL after the grace period.
///
/// The signals go from Dispatch timers on a queue of their own, not from tasks: a cooperative pool kept busy by other
/// work (the engine's, or a test suite's), or global queues whose threads all block, cannot delay them.
private final class Deadline: Sendable {
    private enum Phase { case armed, terminated, done }

    /// A serial queue of its own: Dispatch gives it a thread even when every worker of the global queues is busy.
    private static let timers = DispatchQueue(label: "baton.process-deadlines")

    private let group: pid_t
    private let grace: Duration
    private let phase = Mutex(Phase.armed)

    init(group: pid_t, grace: Duration) {
        self.group = group
        self.grace = grace
    }

    func arm(after timeout: Duration) {
        Self.timers.asyncAfter(deadline: .now() + Self.interval(timeout)) { [self] in
            let terminated = phase.withLock { phase in
                guard phase == .armed else { return false }
                // The leader is not reaped before ``disarm()``, so the group's number is still this program's.
                kill(-group, SIGTERM)
                phase = .terminated
                return true
            }
            guard terminated else { return }
            Self.timers.asyncAfter(deadline: .now() + Self.interval(grace)) { [self] in
                phase.withLock { phase in
                    guard phase == .terminated else { return }
                    kill(-group, SIGKILL)
                    phase = .done
                }
            }
        }
    }

    /// Ends the watch once the program exited and its output closed; returns whether the timeout had passed. After a
    /// SIGTERM the group gets its SIGKILL now: a descendant that ignored SIGTERM may still hold the group.
    func disarm() -> Bool {
        phase.withLock { phase in
            defer { phase = .done }
            switch phase {
            case .armed: return false
            case .terminated:
                kill(-group, SIGKILL)
                return true
            case .done: return true
            }
        }
    }

    private static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        let (nanoseconds, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .never : .nanoseconds(Int(clamping: nanoseconds + attoseconds / 1_000_000_000))
    }
}
