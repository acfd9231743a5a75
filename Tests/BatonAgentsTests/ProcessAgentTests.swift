import BatonAgents
import BatonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `process` agent with real commands: a TCP server it waits for, a group that ignores SIGTERM, a command
/// with shell syntax in its words.
@Suite("process agent", .serialized)
struct ProcessAgentTests {
    static func request(
        _ action: AgentAction, _ parameters: [(String, String)], timeout: Duration = .seconds(10)
    ) -> AgentRequest {
        AgentRequest(
            instance: "proc", action: action, parameters: parameters.map { (name: $0.0, value: $0.1) },
            timeout: timeout)
    }

    static let monitor = AgentAction.monitor(interval: .seconds(10), depth: 0)

    /// The pid in a file, if any.
    static func pid(in directory: TemporaryDirectory, _ name: String) -> Int32? {
        (try? directory.read(name)).flatMap { Int32($0.trimmingSpaces) }
    }

    /// The session a process leads or belongs to, from `/proc/PID/stat`.
    static func session(of pid: Int32) throws -> Int32? {
        let stat = try TemporaryDirectory.read(atPath: "/proc/\(pid)/stat")
        let fields = stat[stat.lastIndex(of: ")")!...].dropFirst(2).split(separator: " ")
        return Int32(fields[3])
    }

    @Test("a TCP server: start waits for its port, monitor checks it, stop ends it; start and stop are idempotent")
    func serverWithPort() async throws {
        guard prerequisite(access("/usr/bin/python3", X_OK) == 0, "python3 is not installed") else { return }
        let directory = try TemporaryDirectory()
        let port = String(try unusedLoopbackPort())
        let parameters = [
            ("command", "/usr/bin/python3 -m http.server \(port) --bind 127.0.0.1 --directory \(directory.path)"),
            ("port", port), ("host", "127.0.0.1"),
        ]
        let agent = SwiftAgent(.process, stateDirectory: directory.path)
        defer { Self.pid(in: directory, "proc.pid").map { _ = kill(-$0, SIGKILL) } }

        #expect(await agent.perform(Self.request(.probe, parameters)).code == 7)
        // Python's server needs a moment to listen, more on a machine busy with the whole suite (a CI run's first
        // seconds held every test for 12 s): the start waits for the port, so a long timeout costs nothing.
        let started = await agent.perform(Self.request(.start, parameters, timeout: .seconds(40)))
        #expect(started.code == 0, "\(started.exitReason ?? "")")
        let pid = try #require(Self.pid(in: directory, "proc.pid"))
        #expect(try Self.session(of: pid) == pid, "the process leads its own session")
        #expect(await agent.perform(Self.request(Self.monitor, parameters)).code == 0)
        #expect(await agent.perform(Self.request(.start, parameters)).code == 0)
        #expect(Self.pid(in: directory, "proc.pid") == pid, "a second start leaves the running process alone")

        // Alive but not answering on the port: a failure, not "stopped".
        let elsewhere = parameters.map { $0.0 == "port" ? ($0.0, String(Int(port)! + 1)) : $0 }
        let deaf = await agent.perform(Self.request(Self.monitor, elsewhere))
        #expect(deaf.code == 1 && deaf.exitReason?.contains("refuses connections") == true)

        #expect(await agent.perform(Self.request(.stop, parameters)).code == 0)
        #expect(!isRunning(pid))
        #expect(await agent.perform(Self.request(Self.monitor, parameters)).code == 7)
        #expect(await agent.perform(Self.request(.stop, parameters)).code == 0)
    }

    @Test("stop ends the whole group, a child that ignores SIGTERM included; a killed process monitors as stopped")
    func stubbornGroup() async throws {
        let directory = try TemporaryDirectory()
        let child = directory.path + "/child.pid"
        // The leader obeys SIGTERM; its child ignores it.
        let parameters = [("command", "/bin/sh -c \"(trap '' TERM; exec sleep 600) & echo $! > \(child); wait\"")]
        let agent = SwiftAgent(.process, stateDirectory: directory.path)
        defer {
            Self.pid(in: directory, "child.pid").map { _ = kill($0, SIGKILL) }
            Self.pid(in: directory, "proc.pid").map { _ = kill(-$0, SIGKILL) }
        }

        #expect(await agent.perform(Self.request(.start, parameters)).code == 0)
        let leader = try #require(Self.pid(in: directory, "proc.pid"))
        var grandchild: Int32?
        for _ in 0..<50 where grandchild == nil {
            grandchild = Self.pid(in: directory, "child.pid")
            if grandchild == nil { try await Task.sleep(for: .milliseconds(20)) }
        }
        let stubborn = try #require(grandchild)
        #expect(isRunning(stubborn))
        let stopped = await agent.perform(Self.request(.stop, parameters, timeout: .seconds(3)))
        #expect(stopped.code == 0)
        #expect(!isRunning(leader) && !isRunning(stubborn), "SIGKILL reached the child that ignored SIGTERM")
        if isRunning(stubborn) { kill(stubborn, SIGKILL) }

        #expect(await agent.perform(Self.request(.start, parameters)).code == 0)
        let second = try #require(Self.pid(in: directory, "proc.pid"))
        kill(-second, SIGKILL)
        var code = 0
        for _ in 0..<50 where code != 7 {
            code = await agent.perform(Self.request(Self.monitor, parameters)).code
            if code != 7 { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(code == 7)
    }

    @Test("shell syntax in the command's words reaches the program as text and runs nothing")
    func noShell() async throws {
        let directory = try TemporaryDirectory()
        let payload = "$(touch \(directory.path)/pwned); `touch \(directory.path)/pwned` && echo ;"
        let parameters = [
            ("command", "/bin/sh -c 'echo \"$1\"; exec sleep 600' sh '\(payload)'"),
            ("log_file", directory.path + "/out.log"),
        ]
        let agent = SwiftAgent(.process, stateDirectory: directory.path)
        defer { Self.pid(in: directory, "proc.pid").map { _ = kill(-$0, SIGKILL) } }
        #expect(await agent.perform(Self.request(.start, parameters)).code == 0)
        var log = ""
        for _ in 0..<50 where log.isEmpty {
            log = (try? directory.read("out.log")) ?? ""
            if log.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(log == payload + "\n")
        #expect(!directory.exists("pwned"))
        #expect(await agent.perform(Self.request(.stop, parameters)).code == 0)
    }
}
