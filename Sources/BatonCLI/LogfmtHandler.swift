import Logging

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The engine's log on standard error, one logfmt line per entry:
/// `time=2026-12-03T05:35:13.123Z level=error event=node-lost node=n2 msg="n2 is lost: ..." action="..."`.
///
/// Times are UTC to the millisecond; a value with a space, `=` or `"` is quoted. When standard error is the journal
/// (`JOURNAL_STREAM` names it), each line starts with its syslog priority (`<3>` for an error), so that
/// `journalctl -p err` finds what matters.
struct LogfmtHandler: LogHandler {
    /// The keys that come first, in this order; any others follow, sorted.
    static let leading = ["event", "node", "reporter", "group", "resource", "role"]

    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .info
    /// Whether each line starts with its syslog priority.
    let priorities: Bool
    /// Where a line goes.
    let write: @Sendable (String) -> Void

    init(priorities: Bool = Self.standardErrorIsTheJournal(), write: @escaping @Sendable (String) -> Void) {
        self.priorities = priorities
        self.write = write
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        write(line(event.level, "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }

    /// The line for one entry at `time` (now unless given), with its line feed.
    func line(_ level: Logger.Level, _ message: String, metadata: Logger.Metadata, at time: Date = Date()) -> String {
        let stamp = time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        var fields = ["time=\(stamp)", "level=\(level.rawValue)"]
        let values = metadata.mapValues { "\($0)" }
        fields += Self.leading.compactMap { key in values[key].map { "\(key)=\(Self.quoted($0))" } }
        fields.append("msg=\(Self.quoted(message))")
        for (key, value) in values.sorted(by: { $0.key < $1.key }) where !Self.leading.contains(key) {
            fields.append("\(key)=\(Self.quoted(value))")
        }
        return (priorities ? "<\(Self.priority(level))>" : "") + fields.joined(separator: " ") + "\n"
    }

    /// `value` as logfmt writes it: bare when it has no space, `=`, quote or control character, else quoted with
    /// `\"`, `\\` and `\n` escaped.
    static func quoted(_ value: String) -> String {
        let plain =
            !value.isEmpty
            && !value.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "\\" || $0.value < 0x20 }
        if plain { return value }
        var text = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20: text += "\\u{\(String(scalar.value, radix: 16))}"
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text + "\""
    }

    /// The syslog priority of a level (RFC 5424): `critical` is 2, `error` 3, `warning` 4, `notice` 5, `info` 6.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .critical: 2
        case .error: 3
        case .warning: 4
        case .notice: 5
        case .info: 6
        case .debug, .trace: 7
        }
    }

    /// Whether standard error is the journal's stream: `JOURNAL_STREAM` holds its device and inode (`DEV:INODE`).
    static func standardErrorIsTheJournal() -> Bool {
        guard let named = getenv("JOURNAL_STREAM").map({ String(cString: $0) }) else { return false }
        var status = stat()
        guard fstat(2, &status) == 0 else { return false }
        return named == "\(status.st_dev):\(status.st_ino)"
    }
}
