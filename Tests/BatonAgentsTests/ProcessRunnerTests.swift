import BatonAgents
import BatonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("Process runner")
struct ProcessRunnerTests {
    @Test("a hanging agent and its grandchild are gone within timeout + grace, and the result says timed out")
    func hangingAgent() async throws {
        let directory = try TemporaryDirectory()
        let pidfile = directory.path + "/grandchild.pid"
        let agent = OCFAgent.script(Fixtures.path("hang"))
        let clock = ContinuousClock()
        let start = clock.now
        let result = await agent.perform(
            AgentRequest(
                instance: "hung", action: .start, parameters: [("pidfile", pidfile)], timeout: .milliseconds(500)))
        let elapsed = clock.now - start
        #expect(result.timedOut)
        #expect(result.meaning == "timed out")
        #expect(!result.succeeded)
        #expect(result.outcome.timedOut && result.outcome.code == 1)
        // SIGKILL goes to the group at timeout + grace. The wide slack is for the full suite on two loaded cores
        // (the tests wait for their child processes off the cooperative pool since a test that blocked it delayed
        // this timer by 3 to 16 s). Without the kill this call never returns.
        #expect(elapsed >= .milliseconds(1500) && elapsed < .milliseconds(1500) + .seconds(15), "took \(elapsed)")
        let pid = try #require(Int32(try directory.read("grandchild.pid").trimmingSpaces))
        #expect(!isRunning(pid), "grandchild \(pid) survived")
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
