import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Small whole-file reads for built-in agents and the CLI's host checks (writes: ``AtomicFile``), and paths.
public enum FileText {
    /// The file's contents as text, or `nil` when it cannot be read. Files over 4 MiB are refused.
    public static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while bytes.count <= 4 << 20 {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? String(decoding: bytes, as: UTF8.self) : nil }
            bytes += buffer[..<count]
        }
        return nil
    }

    /// The file's contents as text; empty when there is no file. A file that exists but cannot be read is an error,
    /// never empty: what edits it would write back nothing but its own lines.
    static func readIfPresent(_ path: String) throws(AtomicFile.Failure) -> String {
        if let text = read(path) { return text }
        let error = errno
        if access(path, F_OK) != 0, errno == ENOENT { return "" }
        guard error != 0 else { throw AtomicFile.Failure("cannot read \(path): larger than 4 MiB") }
        throw AtomicFile.Failure("read", path, Errno(rawValue: error))
    }

    /// Creates a directory and its parents.
    static func makeDirectory(_ path: String, mode: mode_t = 0o755) -> Bool {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0, errno != EEXIST { return false }
        }
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
