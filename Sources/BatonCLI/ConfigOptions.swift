import ArgumentParser
import BatonConfig
import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// The options every command shares: which configuration to read, and whether to print JSON.
public struct ConfigOptions: ParsableArguments {
    /// The places Baton looks for a configuration when `-c` is not given, in order.
    public static let defaultPaths = ["cluster.yaml", "/etc/baton/cluster.yaml"]

    /// The configuration file named with `-c`.
    @Option(
        name: [.customShort("c"), .long], help: ArgumentHelp("The cluster configuration.", valueName: "file"))
    public var config: String?

    /// Print JSON instead of text.
    @Flag(help: "Print JSON instead of text.")
    public var json = false

    /// Creates the options; ArgumentParser calls this.
    public init() {}

    /// The file to read: `-c`, else the first default that exists, else the first default.
    public var path: String {
        config ?? Self.defaultPaths.first { access($0, F_OK) == 0 } ?? Self.defaultPaths[0]
    }

    /// Reads and loads the configuration.
    /// - Throws: ``CommandFailure`` with exit status 66 when the file cannot be read.
    public func load() throws(CommandFailure) -> ConfigLoadResult {
        ConfigLoader.load(try ConfigFile.contents(of: path), file: path)
    }
}
