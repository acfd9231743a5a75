import BatonControl
import BatonCore
import Foundation
import Testing

/// Built-in agents of different resources editing one file at once: six aliases of six groups in one hosts file,
/// started in parallel by a real engine (`baton run`, one node on loopback, no root) and by separate
/// `baton agent exec` processes.
@Suite(.serialized, .timeLimit(.minutes(10))) struct SharedFileTests {
    static let aliases = 1...6

    /// A one-node cluster on 127.0.0.1 whose six groups each hold one alias in `directory/hosts`.
    static func config(in directory: URL) throws -> String {
        try LoopbackEngine.config(
            in: directory,
            groups: aliases.map { index in
                """
                  - name: g\(index)
                    resources:
                      - name: alias\(index)
                        agent: hostname-alias
                        params: {name: host\(index), address: 10.9.0.\(index), hosts_file: \(directory.path)/hosts}
                        monitor: {interval: 1s, timeout: 5s}
                """
            })
    }

    /// How many of the six blocks the hosts file holds.
    static func blocks(in directory: URL) -> Int {
        let hosts = (try? String(contentsOfFile: directory.path + "/hosts", encoding: .utf8)) ?? ""
        return aliases.filter { hosts.contains("# baton begin alias\($0)\n10.9.0.\($0) host\($0)\n") }.count
    }

    @Test(.timeLimit(.minutes(3)))
    func anEngineStartsSixAliasesInOneFileAndStopsThemTwentyTimes() async throws {
        let directory = try AgentCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.config(in: directory)
        let state = directory.path + "/state"
        try "127.0.0.1 localhost\n".write(toFile: directory.path + "/hosts", atomically: true, encoding: .utf8)
        for round in 1...20 {
            let engine = try LoopbackEngine(config: config, state: state)
            defer { engine.kill() }
            let started = try await engine.waitUntilStarted(Self.aliases.map { "alias\($0)" })
            #expect(started, "round \(round): the engine did not report six started aliases within 15 s")
            #expect(Self.blocks(in: directory) == 6, "round \(round): after the start")
            #expect(try await engine.terminate() == 0, "round \(round): the engine's exit status")
            #expect(Self.blocks(in: directory) == 0, "round \(round): after the stop")
        }
        #expect(try String(contentsOfFile: directory.path + "/hosts", encoding: .utf8) == "127.0.0.1 localhost\n")
    }

    @Test(.timeLimit(.minutes(3)))
    func parallelAgentExecStartsLoseNoBlock() async throws {
        let directory = try AgentCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = try Self.config(in: directory)
        let state = directory.path + "/state"
        for round in 1...40 {
            for action in ["start", "stop"] {
                let statuses = try await withThrowingTaskGroup(of: Int32.self) { group in
                    for index in Self.aliases {
                        group.addTask {
                            try await ValidateCommandTests.run([
                                "agent", "exec", "-c", config, "--state-dir", state, "alias\(index)", action,
                            ]).status
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses == Array(repeating: 0, count: 6), "round \(round), \(action)")
                #expect(Self.blocks(in: directory) == (action == "start" ? 6 : 0), "round \(round), \(action)")
            }
        }
    }
}

/// `baton run` of a one-node cluster on 127.0.0.1: no namespace, no root, unless `prefix` runs it inside one.
struct LoopbackEngine {
    let process = Process()
    let config: String
    let state: String

    /// A one-node configuration in `directory`, with its key, of `groups` (YAML lines under `groups:`).
    static func config(in directory: URL, groups: [String]) throws -> String {
        let port = Int.random(in: 20_000...40_000)
        let text = """
            version: 1
            cluster: loopback
            heartbeat:
              {port: \(port), interval: 50ms, warntime: 150ms, deadtime: 200ms, initdead: 200ms, key-file: \(directory.path)/key}
            nodes:
              - {name: n1, links: [127.0.0.1]}
            groups:
            \(groups.joined(separator: "\n"))

            """
        let path = directory.appendingPathComponent("cluster.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let key = directory.appendingPathComponent("key").path
        try String(repeating: "k", count: 40).write(toFile: key, atomically: true, encoding: .utf8)
        chmod(key, 0o600)
        return path
    }

    /// Starts the engine, its output discarded; `prefix` is a command line it runs under (`unshare --mount`).
    init(config: String, state: String, prefix: [String] = []) throws {
        self.config = config
        self.state = state
        let command = prefix + [AgentCommandTests.baton, "run", "-c", config, "--node", "n1", "--state-dir", state]
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    /// Whether the engine's status says every one of `resources` started, within 15 s.
    func waitUntilStarted(_ resources: [String]) async throws -> Bool {
        for _ in 0..<300 {
            if let run = try? await ValidateCommandTests.run(["status", "--json", "-c", config, "--state-dir", state]),
                run.status == 0, let status = try? JSONDecoder().decode(StatusReport.self, from: Data(run.output.utf8)),
                resources.allSatisfy({ status.state.state(of: ResourceName($0)).status == .started })
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// SIGKILL, when the test ends early (a failure, its time limit): nothing of the test is left running. After a
    /// ``terminate()`` it does nothing.
    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }

    /// SIGTERM, then the engine's exit status once it has stopped what it ran.
    func terminate() async throws -> Int32 {
        Glibc.kill(process.processIdentifier, SIGTERM)
        try await offPool { process.waitUntilExit() }
        return process.terminationStatus
    }
}
