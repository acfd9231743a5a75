import BatonAgents
import BatonCore
import Dispatch
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Process runner")
struct ProcessRunnerTests {
    @Test(
        "a hanging agent and its grandchild are gone within timeout + grace, and the result says timed out",
        .timeLimit(.minutes(2)))
    func hangingAgent() async throws {
        let directory = try TemporaryDirectory()
        let pidfile = directory.path + "/grandchild.pid"
        let agent = OCFAgent.script(Fixtures.path("hang"))
        let clock = ContinuousClock()
        let start = clock.now
        async let died = Self.death(of: pidfile, after: start)
        let result = await agent.perform(
            AgentRequest(
                instance: "hung", action: .start, parameters: [("pidfile", pidfile)], timeout: .milliseconds(500)))
        let elapsed = clock.now - start
        #expect(result.timedOut)
        #expect(result.meaning == "timed out")
        #expect(!result.succeeded)
        #expect(result.outcome.timedOut && result.outcome.code == 1)
        // Both ignore SIGTERM: SIGKILL goes to the group at timeout + grace (500 ms + 1 s). When the grandchild died is
        // read off the cooperative pool, which the whole suite keeps busy on two cores: the signals come from timers
        // that do not wait for it, while this call's return does.
        #expect(elapsed >= .milliseconds(1500), "the call returned after the kill, after \(elapsed)")
        let pid = try #require(firstLine(of: pidfile).flatMap { Int32($0.trimmingSpaces) })
        #expect(!isRunning(pid), "grandchild \(pid) survived the call")
        let death = try #require(await died, "the grandchild is still running")
        #expect(death >= .milliseconds(1500) && death < .milliseconds(1500) + .seconds(2), "died after \(death)")
    }

    /// When the process whose number `pidfile` will hold dies, from `start`: read on a thread of its own, every 5 ms,
    /// for up to 60 s.
    static func death(of pidfile: String, after start: ContinuousClock.Instant) async -> Duration? {
        await withCheckedContinuation { continuation in
            DispatchQueue(label: "death of \(pidfile)").async {
                var pid: Int32?
                while ContinuousClock.now - start < .seconds(60) {
                    pid = pid ?? firstLine(of: pidfile).flatMap { Int32($0.trimmingSpaces) }
                    if let pid, !isRunning(pid) { return continuation.resume(returning: ContinuousClock.now - start) }
                    usleep(5_000)
                }
                continuation.resume(returning: nil)
            }
        }
    }

    @Test(
        "parameters reach the agent byte for byte and execute nothing",
        arguments: [
            "$(touch MARK)", "`touch MARK`", "'; touch MARK; '", "\"quoted\" and 'single'", "line one\nline two",
            "a; touch MARK", "$HOME ${PATH} * ? [a] ~ \\ | & > <", "  leading and trailing spaces  ", "ünïcødé ✓",
        ])
    func parametersAreNotInterpreted(value: String) async throws {
        let directory = try TemporaryDirectory()
        let value = value.replacingOccurrences(of: "MARK", with: directory.path + "/executed")
        let agent = OCFAgent.script(Fixtures.path("echo-env"))
        let result = await agent.perform(
            AgentRequest(
                instance: "echo", action: .start,
                parameters: [("value", value), ("file", directory.path + "/value")]))
        #expect(result.code == 0)
        #expect(try directory.readBytes("value") == Array(value.utf8))
        #expect(!directory.exists("executed"))
    }

    @Test(
        "the last exit reason, the output, and codes outside OCF mapped to 1",
        arguments: [(0, 0), (7, 7), (127, 1), (42, 1), (190, 190)])
    func exitCodes(status: Int, code: Int) async throws {
        let directory = try TemporaryDirectory()
        let agent = OCFAgent.script(Fixtures.path("echo-env"))
        let result = await agent.perform(
            AgentRequest(
                instance: "echo", action: .monitor(interval: .seconds(10), depth: 0),
                parameters: [("value", "x"), ("file", directory.path + "/value"), ("code", String(status))]))
        #expect(result.exitStatus == status)
        #expect(result.code == code)
        #expect(result.exitReason == "last reason")
        #expect(result.output == "action monitor\n")
    }

    @Test("a recurring monitor's 7 is a failure; a probe's 7 means not running here")
    func notRunning() {
        let recurring = AgentResult(action: .monitor(interval: .seconds(10), depth: 0), code: 7)
        let probe = AgentResult(action: .probe, code: 7)
        #expect(!recurring.succeeded && probe.succeeded)
    }

    @Test("a missing agent is 'not installed'")
    func missingAgent() async {
        let result = await OCFAgent.script("/nonexistent/agent").perform(AgentRequest(instance: "x", action: .probe))
        #expect(result.code == 5)
        #expect(result.exitReason?.contains("does not exist") == true)
    }

    @Test("output beyond the limit keeps its tail")
    func outputLimit() async {
        let result = await ProcessRunner().run(
            ProcessRequest(
                executable: "/usr/bin/seq", arguments: ["1", "100000"], timeout: .seconds(10), outputLimit: 100))
        #expect(result.termination == .exited(0))
        #expect(result.standardOutput.count == 100)
        #expect(result.outputText.hasSuffix("99999\n100000\n"))
    }
}
