/// A command written as one string, split into words without a shell.
///
/// Words are separated by spaces or tabs; single quotes keep everything up to the next single quote, double quotes
/// keep everything but a backslash escape, and a backslash outside quotes escapes the next character. Nothing is
/// expanded: no variables, no globs, no `$(...)`. The first word is the program.
public struct CommandWords: Hashable, Sendable {
    /// The words, the program first.
    public var words: [String]

    /// Splits a command.
    /// - Throws: ``ValueError`` when the command is empty or a quote is not closed.
    public init(configText text: String) throws(ValueError) {
        var words: [String] = []
        var word = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                word.append(character)
                escaped = false
            } else if character == "\\", quote != "'" {
                escaped = true
                inWord = true
            } else if let open = quote {
                if character == open { quote = nil } else { word.append(character) }
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
            } else if character == " " || character == "\t" {
                if inWord { words.append(word) }
                word = ""
                inWord = false
            } else {
                word.append(character)
                inWord = true
            }
        }
        guard quote == nil, !escaped else {
            throw ValueError(
                .badParameter, "the command has an unclosed \(escaped ? "backslash" : "quote")",
                hint: "close every quote; Baton splits the command into words itself and runs no shell")
        }
        if inWord { words.append(word) }
        guard !words.isEmpty else {
            throw ValueError(.badParameter, "the command is empty", hint: "write the program and its arguments")
        }
        self.words = words
    }
}
