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
    @Flag(help: "Print JSON instead of text; a failure too, as {\"error\", \"status\"} on standard output.")
    public var json = false

    /// Creates the options; ArgumentParser calls this.
    public init() {}

    /// The command line being parsed, when the `baton` executable parses its own (not when a test parses a list).
    @TaskLocal public static var commandLine: [String]?

    /// Refuses an option given twice: ArgumentParser would keep the last one silently. Every command that reads a
    /// configuration has these options, so every such command refuses it.
    public func validate() throws {
        if let repeated = Self.commandLine.flatMap(Self.repeatedOption(in:)) {
            throw ValidationError("\(repeated) is given more than once; give it once")
        }
    }

    /// The first option that `arguments` give twice (`-c` and `--config` are one), ignoring what follows `--`; no
    /// option of Baton's takes several values.
    static func repeatedOption(in arguments: [String]) -> String? {
        var seen: Set<String> = []
        for argument in arguments {
            if argument == "--" { break }
            guard argument.hasPrefix("-"), argument.count > 1, !argument.dropFirst().allSatisfy(\.isNumber) else {
                continue
            }
            var name = String(argument.prefix { $0 != "=" })
            if name == "-c" { name = "--config" }
            if !seen.insert(name).inserted { return name }
        }
        return nil
    }

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
