#if canImport(Glibc)
    import Glibc
#endif

/// Why a configuration file could not be read.
public struct ConfigFileError: Error, CustomStringConvertible {
    /// Creates an error.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    /// The path as given.
    public var path: String
    /// The system's reason.
    public var reason: String

    /// `cannot read 'PATH': REASON`.
    public var description: String { "cannot read '\(path)': \(reason)" }
}

/// Reads a configuration file's bytes, refusing directories and reading no more than the loader accepts.
///
/// ``ConfigLoader`` itself reads bytes, not paths; this is the one place that opens the file, for the commands
/// and the engine alike.
public enum ConfigFile {
    /// The bytes of the file at `path`, at most ``ConfigLoader/maximumSize`` + 1 of them.
    /// - Throws: ``ConfigFileError`` with the system's reason.
    public static func read(_ path: String) throws(ConfigFileError) -> [UInt8] {
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
