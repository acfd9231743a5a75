import BatonCLI
import BatonCore
import Foundation
import Testing

/// `baton agent` with real agents: Debian's resource-agents unmodified, Baton's shell agents under ocf-tester,
/// address agents inside network namespaces, volume agents on a loop device in a private mount namespace.
@Suite(.serialized, .timeLimit(.minutes(10))) struct AgentCommandTests {
    static let root = ValidateCommandTests.packageRoot.path
    static let baton = ValidateCommandTests.binary.path
    /// A name prefix unique to this run, for namespaces and devices the tests create.
    static let prefix = "bt\(getpid() % 100_000)"

    /// Whether a prerequisite holds; outside CI a missing one skips with the reason, in CI it fails the test.
    static func have(_ holds: Bool, _ what: String) -> Bool {
        if holds { return true }
        let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
        #expect(!inCI, "CI=true but \(what)")
        print("skipping: \(what)")
        return false
    }

    static var isRoot: Bool { getuid() == 0 }
    static var haveResourceAgents: Bool {
        FileManager.default.isExecutableFile(atPath: "/usr/lib/ocf/resource.d/heartbeat/Dummy")
    }

    @discardableResult
    static func run(_ program: String, _ arguments: [String]) async throws -> ValidateCommandTests.Run {
        try await ValidateCommandTests.run(program, arguments)
    }

    static func temporaryDirectory() throws -> URL {
        let url = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("baton-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Writes a one-node configuration with the given resources (YAML lines under `resources:`).
    static func config(in directory: URL, _ resources: String) throws -> String {
        let path = directory.appendingPathComponent("cluster.yaml").path
        let text = """
            version: 1
            cluster: agents
            heartbeat: {key-file: \(directory.path)/key}
            nodes:
              - {name: n1, links: [10.0.0.1]}
            groups:
              - name: g
                resources:
            \(resources)
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func execRunsDebianAgentsUnmodified() async throws {
        guard Self.have(Self.haveResourceAgents, "Debian's resource-agents is not installed") else { return }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let d = directory.path
        let config = try Self.config(
            in: directory,
            """
                  - {name: dummy, agent: "ocf:heartbeat:Dummy", params: {state: \(d)/Dummy.state}}
                  - {name: anything, agent: "ocf:heartbeat:anything", params: {binfile: /bin/sleep, cmdline_options: "1000", pidfile: \(d)/a.pid}}
                  - {name: link, agent: "ocf:heartbeat:symlink", params: {link: \(d)/link, target: /etc/hostname}}
            """)
        for resource in ["dummy", "anything", "link"] {
            let expected: [(String, Int32)] = [
                ("probe", 7), ("start", 0), ("start", 0), ("monitor", 0), ("stop", 0), ("stop", 0), ("probe", 7),
            ]
            for (action, status) in expected {
                let result = try await Self.run(
                    Self.baton, ["agent", "exec", "-c", config, "--state-dir", d + "/state", resource, action])
                #expect(result.status == status, "\(action) \(resource): \(result.output)\(result.error)")
                #expect(result.output.hasPrefix("\(action) \(resource) (ocf:heartbeat:"))
            }
        }
        let json = try await Self.run(Self.baton, ["agent", "exec", "-c", config, "--json", "dummy", "monitor"])
        #expect(json.status == 7 && json.output.contains("\"meaning\" : \"not running\""))
    }

    @Test func agentInfoReadsMetadata() async throws {
        let ours = try await Self.run(Self.baton, ["agent", "info", Self.root + "/agents/postgresql"])
        #expect(ours.status == 0)
        #expect(ours.output.contains("pgdata (string, required, unique): Data directory"))
        #expect(ours.output.contains("start (timeout 2m)"))
        let builtin = try await Self.run(Self.baton, ["agent", "info", "volume", "--json"])
        #expect(builtin.status == 0 && builtin.output.contains("\"name\" : \"directory\""))
        let missing = try await Self.run(Self.baton, ["agent", "info", "ocf:nobody:Nothing"])
        #expect(missing.status == 1 && missing.error.contains("no readable meta-data"))
    }

    @Test(arguments: ["dummy", "http-check", "postgresql"])
    func shellAgentsPassOCFTester(agent: String) async throws {
        guard
            Self.have(
                FileManager.default.isExecutableFile(atPath: "/usr/sbin/ocf-tester"),
                "ocf-tester (resource-agents) is not installed")
        else { return }
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var options: [String] = []
        var server: Process?
        defer {
            if let server {
                kill(server.processIdentifier, SIGKILL)
                server.waitUntilExit()
            }
        }
        switch agent {
        case "dummy":
            options = ["-o", "state=\(directory.path)/dummy.state"]
        case "http-check":
            let port = 20000 + Int(getpid() % 20000)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = [
                "-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory.path,
            ]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            server = process
            // Bounded wait for the server to listen.
            for _ in 0..<50
            where try await Self.run("/usr/bin/curl", ["-s", "-o", "/dev/null", "http://127.0.0.1:\(port)/"]).status
                != 0
            {
                try await Task.sleep(for: .milliseconds(100))
            }
            options = ["-o", "url=http://127.0.0.1:\(port)/", "-o", "state=\(directory.path)/hc.state"]
        default:
            let bindir = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
            guard Self.have(Self.isRoot, "not root (the postgresql test runs the server as the postgres user)"),
                Self.have(bindir != nil, "PostgreSQL is not installed (apt-get install postgresql)"), let bindir
            else { return }
            let data = directory.appendingPathComponent("pg").path
            let socket = directory.appendingPathComponent("socket").path
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path)
            for path in [data, socket] {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
                try await Self.run("/usr/bin/chown", ["postgres", path])
            }
            let initdb = try await Self.run(
                "/usr/sbin/runuser", ["-u", "postgres", "--", "/usr/lib/postgresql/\(bindir)/bin/initdb", "-D", data])
            #expect(initdb.status == 0, "\(initdb.error)")
            let port = 30000 + Int(getpid() % 20000)
            options = [
                "-o", "pgdata=\(data)", "-o", "port=\(port)", "-o", "socket_dir=\(socket)", "-o",
                "listen_address=127.0.0.1",
            ]
        }
        let result = try await Self.run(
            "/usr/sbin/ocf-tester", ["-n", "t-\(agent)"] + options + [Self.root + "/agents/" + agent])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        #expect(result.output.contains("passed all tests"))
    }
}
