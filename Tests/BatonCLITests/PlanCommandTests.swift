import ArgumentParser
import BatonCLI
import BatonCore
import Foundation
import Testing

@Suite(.serialized) struct PlanCommandTests {
    static let roseHA = ValidateCommandTests.roseHA

    /// Graphviz renders the DOT form. CI installs graphviz; elsewhere a missing `dot` skips with a reason.
    @Test func dotRendersWithGraphviz() async throws {
        let dot = ["/usr/bin/dot", "/usr/local/bin/dot"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let dot else {
            let inCI = ProcessInfo.processInfo.environment["CI"] == "true"
            #expect(!inCI, "CI=true but Graphviz's dot is not installed; .ci/run installs graphviz")
            print("skipping dotRendersWithGraphviz: Graphviz's dot is not installed (apt-get install graphviz)")
            return
        }
        let command = try Baton.PlanCommand.parse(["-c", Self.roseHA, "--fail", "xhhotsp1", "--format", "dot"])
        let plan = try await command.output()
        let (status, svg, complaints) = try await offPool {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: dot)
            process.arguments = ["-Tsvg"]
            let input = Pipe()
            let output = Pipe()
            let errors = Pipe()
            process.standardInput = input
            process.standardOutput = output
            process.standardError = errors
            try process.run()
            input.fileHandleForWriting.write(Data(plan.utf8))
            try input.fileHandleForWriting.close()
            let svg = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            let complaints = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            return (process.terminationStatus, svg, complaints)
        }
        #expect(status == 0, "dot failed: \(complaints)")
        #expect(complaints.isEmpty, "dot warned: \(complaints)")
        #expect(svg.contains("<svg") && svg.contains("start db on xhhotsp2"))
    }

    @Test func jsonPlanHasTheDocumentedKeys() async throws {
        let command = try Baton.PlanCommand.parse(["-c", Self.roseHA, "--fail", "xhhotsp1", "--json"])
        let text = try await command.output()
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(Set(object.keys) == ["trigger", "senior", "actions", "placement", "budget"])
        let actions = try #require(object["actions"] as? [[String: Any]])
        #expect(actions.allSatisfy { ($0["reason"] as? String)?.isEmpty == false })
        let budget = try #require(object["budget"] as? [String: Any])
        #expect(budget["totalMs"] as? Int == 306_000, "1s deadtime, 45s fence (5s delay), 4m20s of starts")
        #expect(actions.allSatisfy { $0["timeoutMs"] is Int })
    }

    @Test(arguments: [
        (["--fail", "nobody"], "unknown node 'nobody'"),
        (["--switch", "erp-db", "--to", "ghost"], "unknown node 'ghost'"),
        (["--resource-fail", "nothing"], "unknown resource 'nothing'"),
        (["--stop", "no-group"], "unknown group 'no-group'"),
    ])
    func unknownNamesAreRefused(_ arguments: [String], _ message: String) async throws {
        let command = try Baton.PlanCommand.parse(["-c", Self.roseHA] + arguments)
        await #expect {
            try await command.output()
        } throws: { error in
            (error as? CommandFailure)?.message == message
        }
    }

    @Test(arguments: [["--fail", "a", "--standby", "b"], [], ["--switch", "erp-db"], ["--resource-fail", "db:x"]])
    func usageErrors(_ arguments: [String]) async {
        await #expect(throws: (any Error).self) {
            let command = try Baton.PlanCommand.parse(["-c", Self.roseHA] + arguments)
            _ = try await command.output()
        }
    }

    @Test func badStateFilesAreRefusedWithTheReason() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-state-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases = [
            ("{\"nodes\": [{\"name\": \"ghost\"}]}", "unknown node 'ghost'"),
            ("{\"resources\": [{\"name\": \"db\", \"status\": \"sleeping\"}]}", "not a cluster state"),
            ("[1, 2]", "not a cluster state"),
        ]
        for (index, (text, fragment)) in cases.enumerated() {
            let file = directory.appendingPathComponent("\(index).json")
            try text.write(to: file, atomically: true, encoding: .utf8)
            let command = try Baton.PlanCommand.parse(["-c", Self.roseHA, "--fail", "xhhotsp1", "--from", file.path])
            await #expect {
                try await command.output()
            } throws: { error in
                (error as? CommandFailure)?.message.contains(fragment) == true
            }
        }
    }

    @Test func exitStatusesOfTheBinary() async throws {
        #expect(try await ValidateCommandTests.run(["plan", "-c", Self.roseHA, "--fail", "xhhotsp1"]).status == 0)
        let unknown = try await ValidateCommandTests.run(["plan", "-c", Self.roseHA, "--fail", "ghost"])
        #expect(unknown.status == 64 && unknown.error == "baton: unknown node 'ghost'\n")
        #expect(try await ValidateCommandTests.run(["plan", "-c", Self.roseHA]).status == 64)
        let broken = ValidateCommandTests.broken
        #expect(try await ValidateCommandTests.run(["plan", "-c", broken, "--fail", "n1"]).status == 1)
    }
}

/// `baton plan --previous OLD -c NEW`: the dry-run of a configuration change, offline.
@Suite struct ConfigurationChangePlanTests {
    @Test func twoPlansTheStopsWithTheOldFileThenTheStartsWithTheNew() async throws {
        let old = ValidateCommandTests.roseHA
        let text = try String(contentsOfFile: old, encoding: .utf8)
        let new = ValidateCommandTests.packageRoot.appendingPathComponent("examples/rose-ha/.new-\(getpid()).yaml").path
        // The floating address moves: vip restarts, and with it alias and db, which come after it; erp too.
        try text.replacingOccurrences(of: "192.168.1.10/24", with: "192.168.1.20/24").write(
            toFile: new, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: new) }
        let run = try await ValidateCommandTests.run(["plan", "-c", new, "--previous", old])
        #expect(run.status == 0, "\(run.error)")
        let plans = run.output.components(separatedBy: "Plan: ")
        #expect(plans.count == 3)
        #expect(plans[1].hasPrefix("configuration change: restarts vip"), "\(plans[1])")
        for name in ["erp", "db", "alias", "vip"] { #expect(plans[1].contains("stop \(name) on xhhotsp1")) }
        #expect(!plans[1].contains("stop data on xhhotsp1"), "the volume before it keeps running")
        #expect(plans[2].contains("start vip on xhhotsp1") && !plans[2].contains("start data"), "\(plans[2])")
        let json = try await ValidateCommandTests.run(["plan", "-c", new, "--previous", old, "--json"])
        let list = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(list.count == 2)
    }

    @Test func aChangeOfTheNodesIsRefused() async throws {
        let old = ValidateCommandTests.roseHA
        let text = try String(contentsOfFile: old, encoding: .utf8)
        let new = ValidateCommandTests.packageRoot.appendingPathComponent("examples/rose-ha/.new-\(getpid())b.yaml")
            .path
        try text.replacingOccurrences(of: "10.10.0.2", with: "10.10.0.3").write(
            toFile: new, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: new) }
        let run = try await ValidateCommandTests.run(["plan", "-c", new, "--previous", old])
        #expect(run.status == 64 && run.error.contains("nodes cannot change on a running cluster"), "\(run.error)")
    }
}
