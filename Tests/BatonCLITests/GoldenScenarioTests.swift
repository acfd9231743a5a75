import ArgumentParser
import BatonCLI
import Foundation
import Testing

/// Planner scenarios in the style of Pacemaker's cts/scheduler: one folder per scenario under `Scenarios/`, with a
/// `command` file (the arguments of `baton plan` or `baton simulate`; paths relative to the folder), the inputs it
/// names, and `expected.txt`, the output byte for byte.
///
/// After an intended change, rewrite the goldens with `BATON_UPDATE_GOLDENS=1 swift test --filter GoldenScenarioTests`
/// and review the diff.
@Suite struct GoldenScenarioTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scenarios")
    static let updating = ProcessInfo.processInfo.environment["BATON_UPDATE_GOLDENS"] == "1"

    static let scenarios: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: folder.appendingPathComponent("\($0)/command").path)
        }.sorted()
    }()

    /// Runs a scenario's command in-process and returns what it prints.
    static func output(of scenario: String) async throws -> String {
        let directory = folder.appendingPathComponent(scenario)
        let line = try String(contentsOf: directory.appendingPathComponent("command"), encoding: .utf8)
        let arguments = line.split(whereSeparator: \.isWhitespace).map { argument in
            let path = directory.appendingPathComponent(String(argument)).standardizedFileURL.path
            return FileManager.default.fileExists(atPath: path) && !argument.hasPrefix("-") ? path : String(argument)
        }
        switch try Baton.parseAsRoot(arguments) {
        case let plan as Baton.PlanCommand: return try await plan.output()
        case let simulate as Baton.Simulate: return try await simulate.output()
        case let other: throw ValidationError("\(scenario): unexpected command \(type(of: other))")
        }
    }

    @Test func thereAreEnoughScenarios() {
        #expect(Self.scenarios.count >= 30)
    }

    @Test(arguments: scenarios)
    func scenario(_ name: String) async throws {
        let expectedFile = Self.folder.appendingPathComponent("\(name)/expected.txt")
        let actual = try await Self.output(of: name)
        if Self.updating {
            try actual.write(to: expectedFile, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedFile, encoding: .utf8)
        #expect(
            actual == expected,
            "\(name): output differs from expected.txt; if intended, rerun with BATON_UPDATE_GOLDENS=1")
    }

    @Test(arguments: scenarios.prefix(8))
    func sameInputGivesByteIdenticalOutput(_ name: String) async throws {
        let first = try await Self.output(of: name)
        for _ in 0..<3 {
            #expect(try await Self.output(of: name) == first)
        }
    }
}
