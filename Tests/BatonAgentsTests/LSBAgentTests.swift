import BatonAgents
import BatonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// An init script, run for real, through `lsb:NAME` and the LSB status mapping.
@Suite("LSB agents", .serialized)
struct LSBAgentTests {
    /// An init directory holding a copy of the `lsb-script` fixture, and the agent for it.
    static func install() async throws -> (TemporaryDirectory, any Agent) {
        let directory = try TemporaryDirectory()
        let copied = await run("/bin/cp", [Fixtures.path("lsb-script"), directory.path + "/lsb-script"])
        guard copied.termination == .exited(0) else { throw TestFailure("cp: \(copied.errorText)") }
        let catalog = AgentCatalog(initDirectory: directory.path, stateDirectory: directory.path)
        return (directory, catalog.agent(for: .lsb("lsb-script")))
    }

    static func request(_ action: AgentAction) -> AgentRequest {
        AgentRequest(instance: "svc", action: action, timeout: .seconds(10))
    }

    static let monitor = AgentAction.monitor(interval: .seconds(10), depth: 0)

    @Test("start, status and stop through the catalog's lsb: agent")
    func lifecycle() async throws {
        let (directory, agent) = try await Self.install()
        #expect(await agent.perform(Self.request(.probe)).code == 7, "status 3 is stopped")
        #expect(await agent.perform(Self.request(.start)).code == 0)
        #expect(directory.exists("running"))
        #expect(await agent.perform(Self.request(Self.monitor)).code == 0)
        #expect(await agent.perform(Self.request(.stop)).code == 0)
        #expect(!directory.exists("running"))
        #expect(await agent.perform(Self.request(Self.monitor)).code == 7)
        #expect(await agent.perform(Self.request(.validateAll(depth: 0))).code == 0)
        let metadata = try #require(await agent.metadata())
        #expect(metadata.parameters.isEmpty && metadata.actions.map(\.name).contains("monitor"))
    }

    @Test(
        "status codes map as Pacemaker maps them",
        arguments: [(0, 0), (1, 7), (2, 7), (3, 7), (4, 1), (150, 5), (151, 4), (200, 1)])
    func statusMapping(status: Int, code: Int) async throws {
        let (directory, agent) = try await Self.install()
        try directory.write("status-code", "\(status)\n")
        let result = await agent.perform(Self.request(Self.monitor))
        #expect(result.exitStatus == status)
        #expect(result.code == code, "status \(status)")
    }

    @Test("a missing init script is not installed")
    func missingScript() async throws {
        let directory = try TemporaryDirectory()
        let agent = AgentCatalog(initDirectory: directory.path).agent(for: .lsb("absent"))
        #expect(await agent.perform(Self.request(.start)).code == 5)
        #expect(await agent.perform(Self.request(.validateAll(depth: 0))).code == 5)
    }
}
