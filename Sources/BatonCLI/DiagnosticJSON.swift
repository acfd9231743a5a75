import BatonCore
import Foundation

/// The JSON form of diagnostics that `baton validate --json` prints: an array, keys sorted.
public enum DiagnosticJSON {
    /// Renders diagnostics as a pretty-printed JSON array with a trailing newline.
    public static func render(_ diagnostics: [Diagnostic]) -> String {
        if diagnostics.isEmpty { return "[]\n" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Diagnostics hold only strings and integers, which always encode.
        let data = try! encoder.encode(diagnostics)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}
