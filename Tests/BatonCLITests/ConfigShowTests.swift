@testable import BatonCLI
import BatonConfig
import BatonCore
import Foundation
import Testing

/// `baton config show`: every value with its source, as YAML that loads back to the same values.
@Suite struct ConfigShowTests {
    static func show(_ path: String, json: Bool = false) async throws -> String {
        try await Baton.Config.Show.parse(["-c", path] + (json ? ["--json"] : [])).output()
    }

    @Test func everyValueSaysWhereItCameFrom() async throws {
        let text = try await Self.show(ValidateCommandTests.roseHA)
        let lines = text.split(separator: "\n")
        func line(_ start: String) -> Substring? { lines.first { $0.hasPrefix(start) } }
        #expect(line("  interval: 200ms")?.hasSuffix("# " + ValidateCommandTests.roseHA + ":8:13") == true)
        #expect(line("    failback-delay: 0ms")?.hasSuffix("# default") == true)
        // A timeout the file leaves out, which the built-in agent's meta-data recommends.
        #expect(text.contains("timeout: 20s") && text.contains("# the agent's meta-data"), "\(text)")
        // Every line with a value has a source.
        #expect(lines.allSatisfy { $0.hasSuffix(":") || $0.contains("  # ") }, "\(text)")
    }

    @Test func derivedTimingsSayHow() async throws {
        let directory = try AgentCommandTests.temporaryDirectory()
        let path = directory.appendingPathComponent("cluster.yaml").path
        try """
        version: 1
        cluster: c
        heartbeat: {interval: 100ms, deadtime: 300ms}
        nodes:
          - {name: n1, links: [10.0.0.1]}
          - {name: n2, links: [10.0.0.2]}
        groups:
          - name: g
            resources:
              - {name: r, agent: process, params: {command: /bin/true}, monitor: off}

        """.write(toFile: path, atomically: true, encoding: .utf8)
        let text = try await Self.show(path)
        #expect(text.contains("warntime: 200ms") && text.contains("# default: 3 × interval, at most halfway"))
        #expect(text.contains("initdead: 600ms") && text.contains("# default: 2 × deadtime"))
        #expect(text.contains("        monitor: off"))
        #expect(text.contains("nodes: [n1, n2]") && text.contains("# default: every node, by priority"))
    }

    /// What it prints loads back, and shows the same values again (from the file this time).
    @Test(arguments: ["examples/rose-ha", "examples/mutual-takeover", "examples/three-node"])
    func theOutputLoadsBackToTheSameValues(_ example: String) async throws {
        let path = ValidateCommandTests.packageRoot.appendingPathComponent(example + "/cluster.yaml").path
        let first = try await Self.show(path, json: true)
        let shown = try await Self.show(path)
        // Written beside the example, so that relative paths (agents/, key files) resolve the same.
        let again = ValidateCommandTests.packageRoot.appendingPathComponent(example + "/.shown-\(getpid()).yaml").path
        try shown.write(toFile: again, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: again) }
        let second = try await Self.show(again, json: true)
        struct Entry: Decodable, Equatable {
            var path: String
            var value: String
        }
        let decode = { (text: String) in try JSONDecoder().decode([Entry].self, from: Data(text.utf8)) }
        #expect(try decode(first) == decode(second))
    }
}
