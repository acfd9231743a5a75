import BatonCore

/// What loading a configuration gives: the model when it is usable, and every finding, sorted by position.
public struct ConfigLoadResult: Sendable {
    /// The model; `nil` when any diagnostic is an error.
    public var spec: ClusterSpec?
    /// Every error and warning, sorted by position.
    public var diagnostics: [Diagnostic]

    /// Adds findings from later checks, such as agents' meta-data: the model is dropped when one is an error.
    public func adding(_ more: [Diagnostic]) -> ConfigLoadResult {
        let all = (diagnostics + more).sorted()
        return ConfigLoadResult(spec: all.containsErrors ? nil : spec, diagnostics: all)
    }
}

/// Reads `cluster.yaml` text into a validated ``ClusterSpec``.
///
/// It reads bytes, not paths: the caller reads the file, so tests need no files and the CLI decides how a
/// missing file is reported.
public enum ConfigLoader {
    /// The largest file accepted. A real cluster.yaml is a few kilobytes; 5,000 groups of 10 resources fit.
    public static let maximumSize = 16 << 20

    /// Loads a configuration from its bytes.
    /// - Parameters:
    ///   - bytes: the file's contents; UTF-8, or UTF-16 with a byte-order mark.
    ///   - file: the name diagnostics show.
    /// - Returns: the model when there is no error, and every diagnostic.
    public static func load(_ bytes: [UInt8], file: String) -> ConfigLoadResult {
        guard bytes.count <= maximumSize else {
            let error = Diagnostic(
                .error, .tooLarge, at: SourceLocation(file: file, line: 1, column: 1),
                "the file is \(bytes.count) bytes; Baton reads at most \(maximumSize) bytes",
                hint: "check that this is the right file")
            return ConfigLoadResult(spec: nil, diagnostics: [error])
        }
        let (root, syntax) = bytes.withUnsafeBufferPointer { YAMLReader.read($0, file: file) }
        guard let root, !root.isNull else {
            let empty = Diagnostic(
                .error, .missingKey, at: SourceLocation(file: file, line: 1, column: 1),
                "the file holds no configuration",
                hint: "start with 'version: 1', 'cluster: NAME', 'nodes:' and 'groups:'; see cluster.yaml(5)")
            return ConfigLoadResult(spec: nil, diagnostics: syntax.isEmpty ? [empty] : syntax.sorted())
        }
        var decoder = ConfigDecoder()
        let spec = decoder.decodeCluster(root)
        let diagnostics = (syntax + decoder.diagnostics + (spec?.validate() ?? [])).sorted()
        return ConfigLoadResult(spec: diagnostics.containsErrors ? nil : spec, diagnostics: diagnostics)
    }

    /// Loads a configuration from text.
    public static func load(text: String, file: String = "cluster.yaml") -> ConfigLoadResult {
        load(Array(text.utf8), file: file)
    }
}
