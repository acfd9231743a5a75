extension Duration {
    /// Parses a configuration duration: a whole number followed by `ms`, `s`, `m` or `h` (`200ms`, `10m`).
    ///
    /// A bare number is refused: `5` could mean seconds or milliseconds, and a wrong guess at a timeout
    /// costs a takeover.
    /// - Throws: ``ValueError`` with code ``DiagnosticCode/badDuration``.
    public init(configText text: String) throws(ValueError) {
        let digits = text.utf8.prefix { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        let unit = text.utf8.dropFirst(digits.count)
        let hint = "write a whole number with a unit: ms, s, m or h (for example 200ms or 10s)"
        guard !digits.isEmpty else {
            throw ValueError(.badDuration, "'\(text)' is not a duration", hint: hint)
        }
        guard !unit.isEmpty else {
            throw ValueError(.badDuration, "duration '\(text)' has no unit", hint: hint)
        }
        guard let scale = Self.unitScale(unit) else {
            let fractional = unit.first == UInt8(ascii: ".")
            throw ValueError(
                .badDuration, "'\(text)' is not a duration",
                hint: fractional ? "use whole numbers of a smaller unit (1500ms, not 1.5s)" : hint)
        }
        guard digits.count <= 12 else {
            throw ValueError(.badDuration, "duration '\(text)' is too long", hint: "use at most 12 digits")
        }
        let count = digits.reduce(Int64(0)) { $0 * 10 + Int64($1 - UInt8(ascii: "0")) }
        self = .milliseconds(count * scale)
    }

    /// Milliseconds per unit: `ms`, `s`, `m` or `h`.
    private static func unitScale(_ unit: Substring.UTF8View) -> Int64? {
        if unit.elementsEqual("ms".utf8) { return 1 }
        if unit.elementsEqual("s".utf8) { return 1000 }
        if unit.elementsEqual("m".utf8) { return 60_000 }
        if unit.elementsEqual("h".utf8) { return 3_600_000 }
        return nil
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
        if milliseconds == 0 { return "0ms" }
        if milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
        if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }
}
