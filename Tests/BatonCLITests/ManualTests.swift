import ArgumentParser
import BatonCLI
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

    @Test func theRootDiscussionIsInTheManual() throws {
        let text = try String(contentsOf: Self.manual, encoding: .utf8)
        let firstWords = Baton.configuration.discussion.split(separator: " ").prefix(6).joined(separator: " ")
        #expect(text.contains(firstWords))
    }
}
