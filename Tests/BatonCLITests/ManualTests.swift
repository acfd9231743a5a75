import ArgumentParser
import BatonCLI
import BatonCore
import Foundation
import Testing

/// `man/baton.8` is generated and committed; these checks fail when a command changes and it is not regenerated.
@Suite struct ManualTests {
    static let manual = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("man/baton.8")

    @Test func everySubcommandIsInTheManual() throws {
        let text = try String(contentsOf: Self.manual, encoding: .utf8)
        for command in Baton.configuration.subcommands {
            let name = try #require(command.configuration.commandName ?? Optional(command._commandName))
            #expect(text.contains(name), "regenerate man/baton.8: '\(name)' is missing")
            #expect(
                text.contains(command.configuration.abstract),
                "regenerate man/baton.8: the abstract of '\(name)' changed")
        }
    }

    /// The README's list of events names every kind of event the engine records, and no other.
    @Test func theReadmeListsEveryEvent() throws {
        let readme = try String(
            contentsOf: Self.manual.deletingLastPathComponent().deletingLastPathComponent()
                .appendingPathComponent("README.md"), encoding: .utf8)
        let start = try #require(readme.range(of: "- Events ("))
        let list = readme[start.upperBound...].prefix { $0 != ")" }
        let listed = list.split(separator: "`", omittingEmptySubsequences: false).enumerated().filter {
            $0.offset % 2 == 1
        }.map { String($0.element) }
        #expect(Set(listed) == Set(ClusterEvent.Name.allCases.map(\.rawValue)))
    }

    @Test func theRootDiscussionIsInTheManual() throws {
        let text = try String(contentsOf: Self.manual, encoding: .utf8)
        let firstWords = Baton.configuration.discussion.split(separator: " ").prefix(6).joined(separator: " ")
        #expect(text.contains(firstWords))
    }
}

/// Every page renders without a warning from groff (`groff -ww -z`): CI installs groff-base.
@Suite struct ManualRenderingTests {
    @Test(arguments: [("baton.8", "-mdoc"), ("cluster.yaml.5", "-man"), ("cluster-state.5", "-man")])
    func rendersWithoutWarnings(_ page: String, _ macros: String) async throws {
        guard
            AgentCommandTests.have(
                FileManager.default.isExecutableFile(atPath: "/usr/bin/groff"), "groff is not installed (groff-base)")
        else { return }
        let path = ManualTests.manual.deletingLastPathComponent().appendingPathComponent(page).path
        let run = try await ValidateCommandTests.run("/usr/bin/groff", ["-ww", macros, "-t", "-z", path])
        #expect(run.status == 0 && run.error.isEmpty, "\(page): \(run.error)")
    }
}
