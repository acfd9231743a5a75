extension Duration {
    /// Parses a configuration duration: a whole number followed by `ms`, `s`, `m` or `h` (`200ms`, `10m`).
    ///
    /// A bare number is refused: `5` could mean seconds or milliseconds, and a wrong guess at a timeout
    /// costs a takeover.
    /// - Throws: ``ValueError`` with code ``DiagnosticCode/badDuration``.
    public init(configText text: String) throws(ValueError) {
        let units: [(suffix: String, milliseconds: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count)
        let hint = "write a whole number with a unit: ms, s, m or h (for example 200ms or 10s)"
        guard !digits.isEmpty else {
            throw ValueError(.badDuration, "'\(text)' is not a duration", hint: hint)
        }
        guard !unit.isEmpty else {
            throw ValueError(.badDuration, "duration '\(text)' has no unit", hint: hint)
        }
        guard let scale = units.first(where: { $0.suffix == unit })?.milliseconds else {
            let fractional = unit.first == "."
            throw ValueError(
                .badDuration, "'\(text)' is not a duration",
                hint: fractional ? "use whole numbers of a smaller unit (1500ms, not 1.5s)" : hint)
        }
        guard digits.count <= 12, let count = Int64(digits) else {
            throw ValueError(.badDuration, "duration '\(text)' is too long", hint: "use at most 12 digits")
        }
        self = .milliseconds(count * scale)
    }

    /// Whole milliseconds, rounded down.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// Every unit that is not zero, largest first (`4m10s`, `1h30m`, `2s500ms`): for budgets and reports.
    public var compactText: String {
        var rest = wholeMilliseconds
        var text = ""
        for (suffix, scale) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000), ("ms", 1)] where rest >= scale {
            text += "\(rest / scale)\(suffix)"
            rest %= scale
        }
        return text.isEmpty ? "0s" : text
    }

    /// The configuration form, in the largest unit that divides it exactly (`90s`, `2m`, `1500ms`).
    public var configText: String {
        let milliseconds = wholeMilliseconds
        for (suffix, scale) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000)]
        where milliseconds != 0 && milliseconds % scale == 0 {
            return "\(milliseconds / scale)\(suffix)"
        }
        return "\(milliseconds)ms"
    }
}
