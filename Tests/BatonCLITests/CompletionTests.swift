import Foundation
import Testing

/// Shell completions: the scripts `baton --generate-completion-script` writes, and the names they ask `baton` for,
/// read from the configuration that `-c` names on the line being completed.
@Suite struct CompletionTests {
    static let threeNode = ValidateCommandTests.packageRoot.appendingPathComponent("examples/three-node/cluster.yaml")
        .path

    /// What `baton` offers for the value being completed: ArgumentParser's protocol, as the scripts call it.
    static func complete(_ command: String, _ argument: String, _ line: [String]) async throws -> [String] {
        let run = try await ValidateCommandTests.run(
            ["---completion", command, "--", argument, "\(line.count - 1)", "\(line.last!.count)"] + line)
        return run.output.split(separator: "\n").map(String.init)
    }

    @Test func namesComeFromTheConfigurationOnTheLine() async throws {
        #expect(
            try await Self.complete("switch", "positional@0", ["baton", "switch", "-c", Self.threeNode, ""])
                == ["orders-db", "reports", "web"])
        #expect(
            try await Self.complete("switch", "--to", ["baton", "switch", "web", "-c", Self.threeNode, "--to", "node"])
                == ["node1", "node2", "node3"])
        #expect(
            try await Self.complete(
                "cleanup", "positional@0", ["baton", "cleanup", "--config=\(Self.threeNode)", "orders-"])
                == ["orders-ip", "orders-pg"])
        #expect(
            try await Self.complete("plan", "--fail", ["baton", "plan", "-c", "/nonexistent.yaml", "--fail", ""])
                .isEmpty,
            "a file that cannot be read offers nothing")
    }

    @Test(arguments: ["bash", "zsh", "fish"]) func everyShellGetsAScript(_ shell: String) async throws {
        let run = try await ValidateCommandTests.run(["--generate-completion-script", shell])
        #expect(run.status == 0 && run.output.contains("---completion"), "\(run.error)")
        guard shell == "bash" else { return }
        let directory = try AgentCommandTests.temporaryDirectory().path
        try run.output.write(toFile: directory + "/baton.bash", atomically: true, encoding: .utf8)
        let syntax = try await ValidateCommandTests.run("/bin/bash", ["-n", directory + "/baton.bash"])
        #expect(syntax.status == 0, "\(syntax.error)")
    }
}
