extension String {
    /// Without leading and trailing white space, line breaks included.
    public var trimmingSpaces: String { trimming(\.isWhitespace) }

    /// Without leading and trailing line breaks; spaces that begin or end a line are kept.
    public var trimmingLineBreaks: String { trimming(\.isNewline) }

    /// The directory a path is in: `.` for a bare name, `/` for a name at the root.
    public var parentDirectory: String {
        guard let slash = lastIndex(of: "/") else { return "." }
        return slash == startIndex ? "/" : String(self[..<slash])
    }

    /// Padded with spaces on the right to `width` characters; longer text is kept whole.
    public func padded(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }

    /// Padded with spaces on the left to `width` characters; longer text is kept whole.
    public func padded(leftTo width: Int) -> String {
        String(repeating: " ", count: max(0, width - count)) + self
    }

    private func trimming(_ isTrimmed: (Character) -> Bool) -> String {
        String(drop(while: isTrimmed).reversed().drop(while: isTrimmed).reversed())
    }
}
extension UInt8 {
    /// The byte as two lowercase hexadecimal digits.
    public var hexDigits: String {
        let digits = String(self, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
