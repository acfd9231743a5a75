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
