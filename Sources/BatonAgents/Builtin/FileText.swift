#if canImport(Glibc)
    import Glibc
#endif

/// Small whole-file reads and writes for built-in agents.
enum FileText {
    /// The file's contents as text, or `nil` when it cannot be read. Files over 4 MiB are refused.
    static func read(_ path: String) -> String? {
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

    /// Replaces a file's contents: written beside it, flushed, then renamed over it, so a reader sees the old or the
    /// new file, never half of one. Where renaming is refused (a file bind-mounted into a container, as /etc/hosts
    /// often is), the file is rewritten in place.
    static func write(_ text: String, to path: String, mode: mode_t = 0o644) -> Bool {
        var existing = stat()
        let finalMode = stat(path, &existing) == 0 ? existing.st_mode & 0o7777 : mode
        let temporary = path + ".baton-new"
        if writeFile(text, to: temporary, flags: O_EXCL, mode: finalMode) {
            if rename(temporary, path) == 0 { return true }
            unlink(temporary)
        }
        return writeFile(text, to: path, flags: O_TRUNC, mode: finalMode)
    }

    private static func writeFile(_ text: String, to path: String, flags: Int32, mode: mode_t) -> Bool {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, mode)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        fchmod(descriptor, mode)
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            bytes = bytes.dropFirst(count)
        }
        return fsync(descriptor) == 0
    }

    /// The directory a path is in.
    static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
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
