#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The JSON every command prints with `--json`: pretty-printed, keys sorted, a trailing newline.
public enum JSONText {
    /// Encodes a value; Baton's own types always encode.
    public static func render(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Baton's encodable types hold only strings, numbers, booleans and lists of them.
        let data = try! encoder.encode(value)
        let text = String(decoding: data, as: UTF8.self)
        return (text == "[\n\n]" ? "[]" : text) + "\n"
    }

    /// Encodes a value on one line, as JSON lines are.
    public static func line(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try! encoder.encode(value), as: UTF8.self) + "\n"
    }
}
