import BatonConfig
import BatonCore
import Foundation
import Testing

/// Every broken config under `Corpus/` yields the diagnostics its `.expect` file names, and no crash.
@Suite struct CorpusTests {
    struct Expectation: CustomStringConvertible {
        var line: Int
        var column: Int
        var severity: Diagnostic.Severity
        var fragment: String

        /// Parses `LINE:COLUMN SEVERITY FRAGMENT`.
        init?(_ text: Substring) {
            let parts = text.split(separator: " ", maxSplits: 2)
            let position = parts.first?.split(separator: ":") ?? []
            guard parts.count == 3, position.count == 2, let line = Int(position[0]), let column = Int(position[1]),
                let severity = Diagnostic.Severity(rawValue: String(parts[1]))
            else { return nil }
            (self.line, self.column, self.severity, self.fragment) = (line, column, severity, String(parts[2]))
        }

        var description: String { "\(line):\(column) \(severity.rawValue) \(fragment)" }

        func matches(_ diagnostic: Diagnostic) -> Bool {
            diagnostic.location.line == line && diagnostic.location.column == column && diagnostic.severity == severity
                && "\(diagnostic.message); \(diagnostic.hint)".contains(fragment)
        }
    }

    static let cases: [String] = {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.corpus.path)) ?? []
        return files.filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(5)) }.sorted()
    }()

    @Test func corpusIsLargeEnough() {
        #expect(Self.cases.count >= 40)
    }

    @Test(arguments: cases)
    func brokenConfig(_ name: String) throws {
        let bytes = try Fixtures.bytes(Fixtures.corpus.appendingPathComponent("\(name).yaml"))
        let expectText = try String(
            contentsOf: Fixtures.corpus.appendingPathComponent("\(name).expect"), encoding: .utf8)
        let expectations = expectText.split(separator: "\n").map { Expectation($0) }
        #expect(!expectations.isEmpty && expectations.allSatisfy { $0 != nil }, "\(name).expect is malformed")
        let result = ConfigLoader.load(bytes, file: "\(name).yaml")
        for expectation in expectations.compactMap({ $0 }) {
            #expect(
                result.diagnostics.contains { expectation.matches($0) },
                "\(name): expected \(expectation), got:\n\(result.diagnostics.map(\.description).joined(separator: "\n"))"
            )
        }
        Self.checkWellFormed(result, lineCount: Fixtures.maximumLineCount(bytes), file: "\(name).yaml")
    }

    /// A 10 MB file is read to the end, and the mistake on its last line is reported at the right line.
    @Test func tenMegabyteFile() {
        let padding = String(repeating: "# " + String(repeating: "x", count: 98) + "\n", count: 100_000)
        let text = Fixtures.minimal + padding + "grups: []\n"
        #expect(text.utf8.count > 10_000_000)
        let errorLine = Fixtures.minimal.count(where: { $0 == "\n" }) + 100_000 + 1
        let result = ConfigLoader.load(text: text)
        #expect(
            result.diagnostics.map(\.description) == [
                "cluster.yaml:\(errorLine):1: error: unknown key 'grups' in the top level; did you mean 'groups'?"
            ])
    }

    @Test func fileOverTheLimitIsRefusedUnread() {
        let bytes = [UInt8](repeating: UInt8(ascii: "#"), count: ConfigLoader.maximumSize + 1)
        let result = ConfigLoader.load(bytes, file: "big.yaml")
        #expect(result.diagnostics.map(\.code) == [.tooLarge])
        #expect(result.spec == nil)
    }

    /// Cutting a valid file anywhere gives diagnostics with real positions or a valid model, never a crash.
    @Test(arguments: Fixtures.exampleConfigs)
    func everyPrefixOfAnExample(_ url: URL) throws {
        let bytes = try Fixtures.bytes(url)
        for length in 0...bytes.count {
            let prefix = Array(bytes[..<length])
            let result = ConfigLoader.load(prefix, file: "cut.yaml")
            Self.checkWellFormed(result, lineCount: Fixtures.maximumLineCount(prefix), file: "cut.yaml")
        }
    }

    static func checkWellFormed(_ result: ConfigLoadResult, lineCount: Int, file: String) {
        #expect(result.diagnostics == result.diagnostics.sorted())
        #expect((result.spec == nil) == result.diagnostics.containsErrors)
        for diagnostic in result.diagnostics {
            #expect((1...lineCount).contains(diagnostic.location.line), "\(diagnostic)")
            #expect(diagnostic.location.column >= 1 && diagnostic.location.file == file, "\(diagnostic)")
            #expect(!diagnostic.message.isEmpty && !diagnostic.hint.isEmpty, "\(diagnostic)")
        }
    }
}
