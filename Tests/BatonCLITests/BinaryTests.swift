@testable import BatonCLI
import BatonControl
import BatonCore
import Foundation
import Testing

/// The `baton` executable as built: on FoundationEssentials alone, and what it prints where Foundation's formatters
/// used to be.
struct BinaryTests {
    /// ICU's data (34 MB, named `icudtNNl` inside) comes only with full Foundation, which nothing in Baton needs.
    @Test func noICUDataIsLinked() throws {
        let bytes = try Data(contentsOf: ValidateCommandTests.binary)
        #expect(bytes.count > 1_000_000, "the executable was read")
        #expect(
            bytes.range(of: Data("icudt".utf8)) == nil, "ICU data is linked into \(ValidateCommandTests.binary.path)")
    }

    @Test func eventLinesCarryUTCTimesToTheMillisecond() {
        let event = EventRecord(
            event: "node-lost", severity: .critical, node: "n2", role: .mono, message: "n2 is lost",
            action: "find out why", time: Timestamp(milliseconds: 1_796_163_516_130))
        #expect(Baton.Events.line(event) == "2026-12-01T22:18:36.130Z critical node-lost: n2 is lost; find out why")
    }
}

/// The engine's log lines: logfmt, UTC to the millisecond, and syslog priorities for the journal.
struct LogfmtTests {
    static let time = Date(timeIntervalSince1970: 1_796_163_516.13)

    @Test func aLineQuotesWhatHasSpacesAndPutsTheEventFirst() {
        let handler = LogfmtHandler(priorities: false) { _ in }
        let line = handler.line(
            .critical, "n2 is lost: silent on every link",
            metadata: ["action": "find out why", "node": "n2", "event": "node-lost", "role": "MONO", "reporter": "n1"],
            at: Self.time)
        #expect(
            line == "time=2026-12-01T22:18:36.130Z level=critical event=node-lost node=n2 reporter=n1 role=MONO "
                + "msg=\"n2 is lost: silent on every link\" action=\"find out why\"\n", "\(line)")
    }

    @Test func quotingEscapesWhatWouldBreakTheLine() {
        #expect(LogfmtHandler.quoted("plain") == "plain")
        #expect(LogfmtHandler.quoted("") == "\"\"")
        #expect(LogfmtHandler.quoted("a=b") == "\"a=b\"")
        #expect(LogfmtHandler.quoted("say \"hi\"\nthen\\go") == "\"say \\\"hi\\\"\\nthen\\\\go\"")
    }

    @Test func theJournalGetsSyslogPriorities() {
        let handler = LogfmtHandler(priorities: true) { _ in }
        #expect(handler.line(.error, "x", metadata: [:], at: Self.time).hasPrefix("<3>time="))
        #expect(handler.line(.warning, "x", metadata: [:], at: Self.time).hasPrefix("<4>"))
        #expect(handler.line(.info, "x", metadata: [:], at: Self.time).hasPrefix("<6>"))
        #expect(!LogfmtHandler(priorities: false) { _ in }.line(.error, "x", metadata: [:]).hasPrefix("<"))
    }
}
