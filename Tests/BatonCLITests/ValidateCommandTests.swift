import BatonCLI
import BatonCore
import Foundation
import Testing

@Suite(.serialized) struct ValidateCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let roseHA = packageRoot.appendingPathComponent("examples/rose-ha/cluster.yaml").path
    static let broken = packageRoot.appendingPathComponent(
        "Tests/BatonConfigTests/Corpus/unknown-builtin-parameter.yaml"
    ).path

    /// The `baton` binary that `swift test` built beside the test bundle.
    static var binary: URL {
        let tests = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
        return tests.appendingPathComponent("baton")
    }

    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    static func run(_ arguments: [String]) async throws -> Run {
        try await run(binary.path, arguments)
    }

    /// Runs a program with its arguments (never through a shell) and collects its status and output, waiting on a
    /// Dispatch thread: the cooperative pool (two threads on two cores) stays free for the engines and timers of the
    /// tests that run beside this one.
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) async throws -> Run {
        try await offPool { try runSynchronously(program, arguments) }
    }

    /// ``run(_:_:)`` on the calling thread, which it blocks: for threads of a test's own, never for async code.
    static func runSynchronously(_ program: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            error: String(decoding: errorData, as: UTF8.self))
    }

    @Test func validConfigReport() throws {
        let command = try Baton.Validate.parse(["-c", Self.roseHA])
        let report = command.report(try command.options.load())
        #expect(report == "\(Self.roseHA): valid (2 nodes, 1 group, 5 resources)\n")
    }

    @Test func invalidConfigReportReadsLikeACompiler() throws {
        let command = try Baton.Validate.parse(["--config", Self.broken])
        let lines = command.report(try command.options.load()).split(separator: "\n")
        #expect(
            lines == [
                "\(Self.broken):11:15: error: resource 'r' lacks parameter 'address'; floating-ip needs address: the address, with its prefix length",
                "\(Self.broken):13:18: error: unknown parameter 'adress' in resource 'r'; did you mean 'address'?",
                "\(Self.broken): invalid: 2 errors",
            ])
    }

    @Test func jsonIsAnArrayOfDiagnostics() throws {
        let command = try Baton.Validate.parse(["-c", Self.broken, "--json"])
        let report = command.report(try command.options.load())
        let decoded = try JSONDecoder().decode([BatonCore.Diagnostic].self, from: Data(report.utf8))
        #expect(decoded.map(\.code) == [.badParameter, .badParameter])
        #expect(decoded.map(\.location.line) == [11, 13])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [[String: Any]])
        #expect(object.first.map { Set($0.keys) } == ["file", "line", "column", "severity", "code", "message", "hint"])
    }

    @Test func emptyJSONForAValidConfig() throws {
        let command = try Baton.Validate.parse(["-c", Self.roseHA, "--json"])
        #expect(command.report(try command.options.load()) == "[]\n")
    }

    @Test func exitStatuses() async throws {
        #expect(
            FileManager.default.isExecutableFile(atPath: Self.binary.path), "build baton first: \(Self.binary.path)")
        #expect(try await Self.run(["validate", "-c", Self.roseHA]).status == 0)
        let invalid = try await Self.run(["validate", "-c", Self.broken])
        #expect(invalid.status == 1 && invalid.output.contains("did you mean 'address'?"))
        let missing = try await Self.run(["validate", "-c", "/nonexistent/cluster.yaml"])
        #expect(missing.status == 66)
        #expect(missing.error == "baton: cannot read '/nonexistent/cluster.yaml': No such file or directory\n")
        let directory = try await Self.run(["validate", "-c", NSTemporaryDirectory()])
        #expect(directory.status == 66 && directory.error.contains("not a regular file"))
        let usage = try await Self.run(["validate", "--no-such-option"])
        #expect(usage.status == 64)
    }

    /// What this machine lacks is a warning at the value's position, and `--no-host-checks` skips it.
    @Test func whatThisMachineLacksIsAWarning() async throws {
        let directory = try AgentCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("key")
        try Data(repeating: 65, count: 32).write(to: key)
        chmod(key.path, 0o644)
        let config = directory.appendingPathComponent("cluster.yaml")
        try Data(
            """
            version: 1
            cluster: c
            heartbeat: {key-file: key}
            events: {handler: ./no-such-handler}
            nodes:
              - {name: n1, links: [10.0.0.1]}
              - {name: n2, links: [10.0.0.2]}
            groups:
              - name: g
                resources:
                  - {name: app, agent: process, params: {command: "no-such-program-baton --flag"}}
                  - {name: tool, agent: process, params: {command: "sleep 10"}}
                  - {name: data, agent: volume, params: {device: /dev/vdz, directory: /srv/a, fstype: nosuchfs}}
                  - {name: scratch, agent: volume, params: {device: none, directory: /srv/b, fstype: tmpfs}}
            fencing: {mode: off}

            """.utf8
        ).write(to: config)
        let run = try await Self.run(["validate", "-c", config.path, "--no-agents"])
        let file = config.path
        #expect(
            run.output.split(separator: "\n").map { String($0.prefix { $0 != ";" }) } == [
                "\(file):3:23: warning: the key file \(directory.path)/key is readable by group or others (mode 644)",
                "\(file):4:19: warning: the event handler \(directory.path)/./no-such-handler is not an executable file here",
                "\(file):11:55: warning: program 'no-such-program-baton' of resource 'app' is not found in the agents' "
                    + "PATH here (/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)",
                "\(file):13:91: warning: file system type 'nosuchfs' of resource 'data' is not known here",
                "\(file): valid (2 nodes, 1 group, 4 resources)",
            ], "\(run.output)")
        #expect(run.status == 0)
        let skipped = try await Self.run(["validate", "-c", config.path, "--no-agents", "--no-host-checks"])
        #expect(skipped.output == "\(file): valid (2 nodes, 1 group, 4 resources)\n")
    }

    /// `baton keygen` writes a key that `baton run` takes (owner-only, long enough), and replaces one only with
    /// --force.
    @Test func keygenWritesAKeyOnlyItsOwnerReads() async throws {
        let directory = try AgentCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = directory.appendingPathComponent("authkey").path
        let first = try await Self.run(["keygen", key])
        #expect(first.status == 0 && first.output == "wrote a new key to \(key) (mode 600); copy it to every node\n")
        let written = try String(contentsOfFile: key, encoding: .utf8)
        #expect(written.count == 65 && written.hasSuffix("\n") && written.dropLast().allSatisfy(\.isHexDigit))
        #expect((try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int) == 0o600)
        let again = try await Self.run(["keygen", key])
        #expect(again.status == 1 && again.error.contains("exists"))
        #expect(try String(contentsOfFile: key, encoding: .utf8) == written, "kept without --force")
        #expect(try await Self.run(["keygen", key, "--force"]).status == 0)
        #expect(try String(contentsOfFile: key, encoding: .utf8) != written)
        // The key is one baton run takes: validate's host checks find nothing to say about it.
        let config = directory.appendingPathComponent("cluster.yaml")
        try Data(
            """
            version: 1
            cluster: c
            heartbeat: {key-file: authkey}
            nodes:
              - {name: n1, links: [10.0.0.1]}
              - {name: n2, links: [10.0.0.2]}
            groups:
              - name: g
                resources:
                  - {name: r, agent: process, params: {command: /bin/true}}

            """.utf8
        ).write(to: config)
        let validated = try await Self.run(["validate", "-c", config.path, "--no-agents"])
        #expect(validated.output == "\(config.path): valid (2 nodes, 1 group, 1 resource)\n")
    }

    @Test func validatingDoesNotTouchTheFile() async throws {
        let copy = FileManager.default.temporaryDirectory.appendingPathComponent("baton-validate-\(getpid()).yaml")
        defer { try? FileManager.default.removeItem(at: copy) }
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.broken))
        try original.write(to: copy)
        let attributes = try FileManager.default.attributesOfItem(atPath: copy.path)
        _ = try await Self.run(["validate", "-c", copy.path])
        #expect(try Data(contentsOf: copy) == original)
        #expect(
            try FileManager.default.attributesOfItem(atPath: copy.path)[.modificationDate] as? Date
                == attributes[.modificationDate] as? Date)
    }
}
