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
    /// - Throws: ``ConfigFileError`` when the file cannot be read.
    public func load() throws(ConfigFileError) -> ConfigLoadResult {
        ConfigLoader.load(try ConfigFile.read(path), file: path)
    }
}

/// Why a configuration file could not be read.
public struct ConfigFileError: Error, CustomStringConvertible {
    /// The exit status for an unreadable input (sysexits' EX_NOINPUT).
    public static let exitStatus: Int32 = 66

    /// The path as given.
    public var path: String
    /// The system's reason.
    public var reason: String

    /// `cannot read 'PATH': REASON`.
    public var description: String { "cannot read '\(path)': \(reason)" }
}

/// Reads a configuration file's bytes, refusing directories and anything larger than the loader accepts.
enum ConfigFile {
    static func read(_ path: String) throws(ConfigFileError) -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ConfigFileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ConfigFileError(path: path, reason: String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw ConfigFileError(path: path, reason: "not a regular file")
        }
        // Read one byte past the limit, so the loader can say the file is too large without reading all of it.
        let limit = ConfigLoader.maximumSize + 1
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress, min($0.count, limit - bytes.count))
            }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw ConfigFileError(path: path, reason: String(cString: strerror(errno))) }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        return bytes
    }
}
