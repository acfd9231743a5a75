import BatonAgents
import BatonCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The `hostname-alias` agent on a hosts file of the test's own and a real BIND server, and the `service` agent
/// in its command mode with a real daemon, pid file and health command.
@Suite("hostname-alias and service agents", .serialized)
struct HostnameAndServiceAgentTests {
    static func request(
        _ instance: String, _ action: AgentAction, _ parameters: [(String, String)], timeout: Duration = .seconds(10)
    ) -> AgentRequest {
        AgentRequest(
            instance: instance, action: action, parameters: parameters.map { (name: $0.0, value: $0.1) },
            timeout: timeout)
    }

    static let monitor = AgentAction.monitor(interval: .seconds(10), depth: 0)

    @Test("hostname-alias keeps its own marked block and touches nothing else")
    func hostsFileBlock() async throws {
        let directory = try TemporaryDirectory()
        let original = "127.0.0.1 localhost\n# kept as it is\n10.9.0.5 other\n"
        try directory.write("hosts", original)
        let agent = SwiftAgent(.hostnameAlias, stateDirectory: directory.path)
        let erp = [("name", "xhhotsp"), ("address", "10.9.0.10"), ("hosts_file", directory.path + "/hosts")]
        let web = [("name", "www"), ("address", "fd00::10"), ("hosts_file", directory.path + "/hosts")]

        #expect(await agent.perform(Self.request("alias", .probe, erp)).code == 7)
        #expect(await agent.perform(Self.request("alias", .start, erp)).code == 0)
        #expect(await agent.perform(Self.request("alias", .start, erp)).code == 0, "start is idempotent")
        #expect(await agent.perform(Self.request("alias2", .start, web)).code == 0)
        #expect(
            try directory.read("hosts")
                == original + "# baton begin alias\n10.9.0.10 xhhotsp\n# baton end alias\n"
                + "# baton begin alias2\nfd00::10 www\n# baton end alias2\n")
        #expect(await agent.perform(Self.request("alias", Self.monitor, erp)).code == 0)

        // Someone edits the block by hand: the monitor notices.
        try directory.write(
            "hosts",
            original + "# baton begin alias\n10.9.0.11 xhhotsp\n# baton end alias\n"
                + "# baton begin alias2\nfd00::10 www\n# baton end alias2\n")
        let edited = await agent.perform(Self.request("alias", Self.monitor, erp))
        #expect(edited.code == 7 && edited.exitReason?.contains("does not map xhhotsp to 10.9.0.10") == true)

        #expect(await agent.perform(Self.request("alias", .stop, erp)).code == 0)
        #expect(try directory.read("hosts") == original + "# baton begin alias2\nfd00::10 www\n# baton end alias2\n")
        #expect(await agent.perform(Self.request("alias", .stop, erp)).code == 0, "stop is idempotent")
        #expect(await agent.perform(Self.request("alias2", .stop, web)).code == 0)
        #expect(try directory.read("hosts") == original)
    }

    @Test("six aliases in one hosts file, started and stopped in parallel twenty times: no block is lost or left")
    func parallelAliasesShareAFile() async throws {
        let directory = try TemporaryDirectory()
        let original = "127.0.0.1 localhost\n"
        try directory.write("hosts", original)
        let agent = SwiftAgent(.hostnameAlias, stateDirectory: directory.path)
        let aliases = (1...6).map { index in
            (
                "alias\(index)",
                [("name", "host\(index)"), ("address", "10.9.0.\(index)"), ("hosts_file", directory.path + "/hosts")]
            )
        }
        for round in 1...20 {
            for action in [AgentAction.start, .stop] {
                let codes = await withTaskGroup(of: Int.self) { group in
                    for (instance, parameters) in aliases {
                        group.addTask { await agent.perform(Self.request(instance, action, parameters)).code }
                    }
                    return await group.reduce(into: []) { $0.append($1) }
                }
                #expect(codes == Array(repeating: 0, count: 6), "round \(round), \(action)")
                let hosts = try directory.read("hosts")
                let blocks = aliases.filter { hosts.contains("# baton begin \($0.0)\n10.9.0.") }.count
                #expect(blocks == (action == .start ? 6 : 0), "round \(round), \(action): \(blocks) blocks")
            }
        }
        #expect(try directory.read("hosts") == original)
    }

    @Test("hostname-alias starts in a file without a final newline, and in one that does not exist yet")
    func unusualHostsFiles() async throws {
        let directory = try TemporaryDirectory()
        try directory.write("hosts", "127.0.0.1 localhost")
        let agent = SwiftAgent(.hostnameAlias, stateDirectory: directory.path)
        let alias = [("name", "db"), ("address", "10.9.0.10"), ("hosts_file", directory.path + "/hosts")]
        #expect(await agent.perform(Self.request("a", .start, alias)).code == 0)
        #expect(try directory.read("hosts") == "127.0.0.1 localhost\n# baton begin a\n10.9.0.10 db\n# baton end a\n")
        let fresh = [("name", "db"), ("address", "10.9.0.10"), ("hosts_file", directory.path + "/new-hosts")]
        #expect(await agent.perform(Self.request("a", .start, fresh)).code == 0)
        #expect(try directory.read("new-hosts") == "# baton begin a\n10.9.0.10 db\n# baton end a\n")
        #expect(await agent.perform(Self.request("a", .stop, fresh)).code == 0)
        #expect(try directory.read("new-hosts") == "")
    }

    @Test("hostname-alias updates a real BIND server through nsupdate with a TSIG key")
    func dynamicDNS() async throws {
        guard
            prerequisite(
                access("/usr/sbin/named", X_OK) == 0 && access("/usr/bin/nsupdate", X_OK) == 0
                    && access("/usr/bin/dig", X_OK) == 0,
                "BIND is not installed (apt-get install bind9 bind9-dnsutils)")
        else { return }
        let directory = try TemporaryDirectory()
        let server = try await NameServer(in: directory)
        defer { server.stop() }

        let agent = SwiftAgent(.hostnameAlias, stateDirectory: directory.path)
        let alias = [
            ("name", "xhhotsp.example.test"), ("address", "10.9.0.10"), ("hosts_file", directory.path + "/hosts"),
            ("dns_server", "127.0.0.1"), ("dns_port", String(server.port)),
            ("dns_key_file", directory.path + "/key.conf"), ("dns_ttl", "30s"),
        ]
        let started = await agent.perform(Self.request("alias", .start, alias))
        #expect(started.code == 0, "\(started.exitReason ?? "") \(started.errorOutput)")
        #expect(await server.lookUp("xhhotsp.example.test") == "10.9.0.10")
        #expect(await agent.perform(Self.request("alias", .stop, alias)).code == 0)
        #expect(await server.lookUp("xhhotsp.example.test") == "")

        // A wrong key is refused by the server, and the start says so.
        try directory.write(
            "bad.conf",
            "key \"baton-test\" { algorithm hmac-sha256; secret \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\"; };\n")
        let forged = alias.map { $0.0 == "dns_key_file" ? ($0.0, directory.path + "/bad.conf") : $0 }
        let refused = await agent.perform(Self.request("alias", .start, forged))
        #expect(refused.code == 1 && refused.exitReason?.contains("nsupdate failed") == true)
        #expect(await server.lookUp("xhhotsp.example.test") == "")
    }

    /// A BIND server on loopback, primary for `example.test`, accepting updates signed with `key.conf`.
    struct NameServer {
        let port: Int
        let pid: Int32

        init(in directory: TemporaryDirectory) async throws {
            let key = await run("/usr/sbin/tsig-keygen", ["-a", "hmac-sha256", "baton-test"])
            guard key.termination == .exited(0) else { throw TestFailure("tsig-keygen: \(key.errorText)") }
            try directory.write("key.conf", key.outputText)
            try directory.write(
                "zone.db",
                """
                $TTL 60
                @ IN SOA ns.example.test. admin.example.test. 1 60 60 600 60
                @ IN NS ns.example.test.
                ns IN A 127.0.0.1

                """)
            let port = try unusedLoopbackPort()
            let d = directory.path
            try directory.write(
                "named.conf",
                """
                include "\(d)/key.conf";
                options {
                    directory "\(d)"; pid-file "\(d)/named.pid"; listen-on port \(port) { 127.0.0.1; };
                    listen-on-v6 { none; }; recursion no; dnssec-validation no;
                };
                zone "example.test" {
                    type primary; file "\(d)/zone.db"; update-policy { grant baton-test zonesub ANY; };
                };

                """)
            // named forks into the background and writes its pid file once it serves.
            let started = await run("/usr/sbin/named", ["-c", d + "/named.conf"])
            guard started.termination == .exited(0) else { throw TestFailure("named: \(started.errorText)") }
            var pid: Int32?
            for _ in 0..<50 {
                if let text = try? directory.read("named.pid"), let value = Int32(text.trimmingSpaces) {
                    pid = value
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            guard let pid else { throw TestFailure("named wrote no pid file in 5 s") }
            self.port = Int(port)
            self.pid = pid
        }

        func lookUp(_ name: String) async -> String {
            await run("/usr/bin/dig", ["@127.0.0.1", "-p", String(port), name, "A", "+short"]).outputText.trimmingSpaces
        }

        func stop() {
            kill(pid, SIGKILL)
        }
    }

    @Test("service with a command: pid file, health command, stop by signal and by stop_command")
    func serviceCommandMode() async throws {
        let directory = try TemporaryDirectory()
        let daemon = Fixtures.path("mini-daemon")
        let pidfile = directory.path + "/svc.pid"
        var parameters = [
            ("command", "\(daemon) start \(pidfile)"), ("pidfile", pidfile),
            ("health", "/usr/bin/test -e \(directory.path)/healthy"),
        ]
        let agent = SwiftAgent(.service, stateDirectory: directory.path)
        defer {
            if let text = try? directory.read("svc.pid"), let pid = Int32(text.trimmingSpaces) { kill(pid, SIGKILL) }
        }

        #expect(await agent.perform(Self.request("svc", .probe, parameters)).code == 7)
        // Not healthy: the start waits for health until its time runs out, then fails.
        let unhealthy = await agent.perform(Self.request("svc", .start, parameters, timeout: .seconds(1)))
        #expect(unhealthy.code == 1 && unhealthy.exitReason?.contains("not healthy") == true)
        try directory.write("healthy", "")

        let started = await agent.perform(Self.request("svc", .start, parameters))
        #expect(started.code == 0, "\(started.exitReason ?? "")")
        let pid = try #require(Int32(try directory.read("svc.pid").trimmingSpaces))
        #expect(isRunning(pid))
        let monitored = await agent.perform(Self.request("svc", Self.monitor, parameters))
        #expect(monitored.code == 0 && monitored.output == "running, pid \(pid)\n")
        unlink(directory.path + "/healthy")
        let sick = await agent.perform(Self.request("svc", Self.monitor, parameters))
        #expect(sick.code == 1 && sick.exitReason?.contains("health command failed") == true)

        #expect(await agent.perform(Self.request("svc", .stop, parameters)).code == 0)
        #expect(!isRunning(pid))
        #expect(await agent.perform(Self.request("svc", Self.monitor, parameters)).code == 7)
        #expect(await agent.perform(Self.request("svc", .stop, parameters)).code == 0, "stop is idempotent")

        // With stop_command, stop runs it first.
        try directory.write("healthy", "")
        parameters.append(("stop_command", "\(daemon) stop \(pidfile) \(directory.path)/marker"))
        #expect(await agent.perform(Self.request("svc", .start, parameters)).code == 0)
        let second = try #require(Int32(try directory.read("svc.pid").trimmingSpaces))
        #expect(second != pid && isRunning(second))
        #expect(await agent.perform(Self.request("svc", .stop, parameters)).code == 0)
        #expect(try directory.read("marker") == "stopped\n")
        #expect(!isRunning(second))
    }

    @Test("systemd units where systemd is not running: 5, except stop")
    func unitsWithoutSystemd() async throws {
        let directory = try TemporaryDirectory()
        let agent = SystemdAgent(unit: "baton-test.service", runtimeDirectory: directory.path + "/no-systemd")
        let start = await agent.perform(Self.request("unit", .start, []))
        #expect(start.code == 5 && start.exitReason?.contains("systemd is not running") == true)
        #expect(await agent.perform(Self.request("unit", .probe, [])).code == 5)
        #expect(await agent.perform(Self.request("unit", Self.monitor, [])).code == 5)
        let stop = await agent.perform(Self.request("unit", .stop, []))
        #expect(stop.code == 0, "no unit can run without systemd, so stop succeeds")

        // The service agent's unit mode answers the same on this machine when it has no systemd.
        guard access("/run/systemd/system", F_OK) != 0 else { return }
        let service = SwiftAgent(.service, stateDirectory: directory.path)
        let unit = [("unit", "baton-test.service")]
        #expect(await service.perform(Self.request("svc", .start, unit)).code == 5)
        #expect(await service.perform(Self.request("svc", .stop, unit)).code == 0)
    }
}
