import Foundation
import Testing

/// `baton validate` checks OCF and script resources against their agent's meta-data on this machine.
@Suite struct ValidateMetadataTests {
    /// A directory with an OCF root holding test agents, and `agents/` linked to the repository's.
    struct Setup {
        let directory: URL

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "baton-meta-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            let provider = directory.appendingPathComponent("ocf/resource.d/test")
            try FileManager.default.createDirectory(at: provider, withIntermediateDirectories: true)
            try Self.script(
                """
                #!/bin/sh
                [ "$1" = meta-data ] || exit 3
                cat <<'END'
                <?xml version="1.0"?>
                <!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
                <resource-agent name="Needy" version="1.0">
                <version>1.1</version>
                <parameters>
                <parameter name="target" required="1"><shortdesc lang="en">what to aim at</shortdesc>
                <content type="string"/></parameter>
                <parameter name="count"><shortdesc lang="en">how many</shortdesc><content type="integer"/></parameter>
                <parameter name="port" unique="1"><shortdesc lang="en">its own port</shortdesc>
                <content type="integer"/></parameter>
                <parameter name="dampen"><shortdesc lang="en">a wait</shortdesc>
                <content type="integer" default="5s"/></parameter>
                </parameters>
                <actions><action name="start" timeout="20s"/></actions>
                </resource-agent>
                END
                """, at: provider.appendingPathComponent("Needy"))
            try Self.script("#!/bin/sh\necho 'not xml'\n", at: provider.appendingPathComponent("Garbled"))
            try FileManager.default.createSymbolicLink(
                at: directory.appendingPathComponent("agents"),
                withDestinationURL: ValidateCommandTests.packageRoot.appendingPathComponent("agents"))
        }

        static func script(_ text: String, at url: URL) throws {
            try Data(text.utf8).write(to: url)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        }

        /// Writes a configuration with one group holding `resources` (YAML list items) and validates it.
        func validate(_ resources: String, _ options: [String] = []) async throws -> ValidateCommandTests.Run {
            let config = directory.appendingPathComponent("cluster.yaml")
            let text = """
                version: 1
                cluster: meta
                nodes:
                  - name: n1
                    links: [10.9.0.1]
                groups:
                  - name: g
                    resources:
                \(resources)
                """
            try Data(text.utf8).write(to: config)
            // This machine's files (the key file) are another test's business.
            return try await ValidateCommandTests.run(["validate", "-c", config.path, "--no-host-checks"] + options)
        }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    @Test func unknownMissingAndMalformedParametersAtTheirPositions() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let ocfRoot = setup.directory.appendingPathComponent("ocf").path
        let run = try await setup.validate(
            """
                  - name: needy
                    agent: ocf:test:Needy
                    params: {targt: x, count: 3x}
                  - name: flag
                    agent: agents/dummy
                    params:
                      stat: /tmp/flag
            """, ["--ocf-root", ocfRoot])
        let file = setup.directory.appendingPathComponent("cluster.yaml").path
        #expect(run.status == 1)
        #expect(
            run.output.split(separator: "\n") == [
                "\(file):9:15: error: resource 'needy' lacks parameter 'target'; ocf:test:Needy needs target: what to aim at",
                "\(file):11:18: error: unknown parameter 'targt' in resource 'needy'; did you mean 'target'?",
                "\(file):11:35: error: parameter 'count' of resource 'needy': '3x' is not an integer; write a whole number",
                "\(file):15:11: error: unknown parameter 'stat' in resource 'flag'; did you mean 'state'?",
                "\(file): invalid: 4 errors",
            ])
        let skipped = try await setup.validate(
            """
                  - name: needy
                    agent: ocf:test:Needy
                    params: {targt: x}
            """, ["--ocf-root", ocfRoot, "--no-agents"])
        #expect(skipped.status == 0, "--no-agents checks the text only: \(skipped.output)")
    }

    /// A parameter the meta-data marks unique may not have one value in two resources of that agent.
    @Test func aUniqueParameterSharedByTwoResourcesIsAnError() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let ocfRoot = setup.directory.appendingPathComponent("ocf").path
        let run = try await setup.validate(
            """
                  - {name: first, agent: "ocf:test:Needy", params: {target: a, port: "80"}}
                  - {name: second, agent: "ocf:test:Needy", params: {target: b, port: "81"}}
                  - {name: third, agent: "ocf:test:Needy", params: {target: a, port: "80"}}
            """, ["--ocf-root", ocfRoot])
        let file = setup.directory.appendingPathComponent("cluster.yaml").path
        #expect(run.status == 1)
        #expect(
            run.output.split(separator: "\n").map(String.init) == [
                "\(file):11:74: error: parameter 'port' of resource 'third' has the value of resource 'first', and "
                    + "ocf:test:Needy says it is unique; two resources of this agent may not share it; give each its "
                    + "own value",
                "\(file): invalid: 1 error",
            ], "\(run.output)")
    }

    /// An integer whose own default is not one (Debian's ping declares `dampen` so, with `5s`) is not trusted: a
    /// value like the default is a warning, not an error.
    @Test func anIntegerTypeThatItsDefaultContradictsIsAWarning() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let run = try await setup.validate(
            """
                  - {name: waits, agent: "ocf:test:Needy", params: {target: a, dampen: 5s}}
                  - {name: counts, agent: "ocf:test:Needy", params: {target: b, dampen: "3"}}
            """, ["--ocf-root", setup.directory.appendingPathComponent("ocf").path])
        let file = setup.directory.appendingPathComponent("cluster.yaml").path
        #expect(run.status == 0)
        #expect(
            run.output.split(separator: "\n").map { String($0.prefix { $0 != ";" }) } == [
                "\(file):9:76: warning: parameter 'dampen' of resource 'waits': '5s' is not the integer that the "
                    + "meta-data of ocf:test:Needy declares",
                "\(file): valid (1 node, 1 group, 2 resources)",
            ], "\(run.output)")
    }

    @Test func anAgentMissingHereOrUnreadableIsAWarning() async throws {
        let setup = try Setup()
        defer { setup.remove() }
        let run = try await setup.validate(
            """
                  - name: absent
                    agent: ocf:test:Absent
                  - name: garbled
                    agent: ocf:test:Garbled
                    params: {anything: goes}
            """, ["--ocf-root", setup.directory.appendingPathComponent("ocf").path])
        let file = setup.directory.appendingPathComponent("cluster.yaml").path
        #expect(run.status == 0)
        let lines = run.output.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.first?.hasPrefix("\(file):10:16: warning: parameters of resource 'absent' not checked:") == true)
        #expect(lines.first?.contains("ocf:test:Absent is not installed on this machine") == true)
        #expect(
            lines.dropFirst().first?.hasPrefix(
                "\(file):12:16: warning: parameters of resource 'garbled' not checked: ocf:test:Garbled prints no meta-data"
            )
                == true)
        #expect(lines.last == "\(file): valid (1 node, 1 group, 2 resources); 2 warnings")
    }

    @Test func debianAgentsMetadataIsUsed() async throws {
        guard AgentCommandTests.have(AgentCommandTests.haveResourceAgents, "resource-agents is not installed") else {
            return
        }
        let setup = try Setup()
        defer { setup.remove() }
        let run = try await setup.validate(
            """
                  - name: vip
                    agent: ocf:heartbeat:IPaddr2
                    params: {cidr_netmask: "24", nic: eth0, adress: 10.9.0.10}
                  - name: sleeper
                    agent: ocf:heartbeat:anything
                    params: {binfile: /bin/sleep, cmdline_options: "3600"}
            """, ["--ocf-root", "/usr/lib/ocf"])
        let file = setup.directory.appendingPathComponent("cluster.yaml").path
        #expect(run.status == 1)
        #expect(
            run.output.split(separator: "\n") == [
                "\(file):9:15: error: resource 'vip' lacks parameter 'ip'; ocf:heartbeat:IPaddr2 needs ip: IPv4 or IPv6 address",
                "\(file):11:49: error: unknown parameter 'adress' in resource 'vip'; 'baton agent info ocf:heartbeat:IPaddr2' lists its parameters",
                "\(file): invalid: 2 errors",
            ])
    }

    @Test func monitorDepthsAreCheckedAgainstTheMetadata() async throws {
        guard AgentCommandTests.have(AgentCommandTests.haveResourceAgents, "resource-agents is not installed") else {
            return
        }
        let setup = try Setup()
        defer { setup.remove() }
        // nginx lists monitors at depths 10, 20 and 30; Filesystem lists depth 0 only, and describes 10 and 20.
        let run = try await setup.validate(
            """
                  - name: web
                    agent: ocf:heartbeat:nginx
                    monitor: {interval: 30s, depth: 20}
                  - name: data
                    agent: ocf:heartbeat:Filesystem
                    params: {device: /dev/vdb, directory: /srv, fstype: ext4}
                    monitor: {interval: 20s, depth: 20}
            """, ["--ocf-root", "/usr/lib/ocf"])
        let file = setup.directory.appendingPathComponent("cluster.yaml").path
        #expect(run.status == 0, "\(run.output)")
        let warning =
            "\(file):15:41: warning: the meta-data of ocf:heartbeat:Filesystem lists no monitor at depth 20 "
            + "(resource 'data'); it lists depths 0; check that the agent's documentation describes depth 20"
        #expect(
            run.output.split(separator: "\n").map(String.init) == [
                warning, "\(file): valid (1 node, 1 group, 2 resources); 1 warning",
            ])
    }
}
