/// The mounts this process sees, from `/proc/self/mountinfo`.
struct MountTable {
    /// One mount.
    struct Mount: Equatable {
        /// The source as the kernel shows it: a device, `tmpfs`, or for a bind mount the device of its origin.
        var source: String
        /// The mount point.
        var directory: String
        /// The file system type.
        var fstype: String
        /// For a bind mount, the directory of the source inside its file system ("/" for a whole file system).
        var root: String
    }

    var mounts: [Mount]

    /// Reads the table; empty when it cannot be read.
    static func current() -> MountTable {
        MountTable(mountinfo: FileText.read("/proc/self/mountinfo") ?? "")
    }

    /// Parses mountinfo text: `ID PARENT MAJ:MIN ROOT POINT OPTIONS [TAGS...] - FSTYPE SOURCE SUPEROPTIONS`.
    init(mountinfo: String) {
        mounts = mountinfo.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 10, let dash = fields.firstIndex(of: "-"), dash + 2 < fields.count else { return nil }
            return Mount(
                source: Self.unescape(fields[dash + 2]), directory: Self.unescape(fields[4]),
                fstype: String(fields[dash + 1]), root: Self.unescape(fields[3]))
        }
    }

    /// The last mount on `directory`: the one that is visible there.
    func mount(on directory: String) -> Mount? {
        let wanted = Self.normalize(directory)
        return mounts.last { $0.directory == wanted }
    }

    /// A path without a trailing slash (except "/").
    static func normalize(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// mountinfo writes space, tab, newline and backslash as `\040`, `\011`, `\012` and `\134`.
    private static func unescape(_ field: Substring) -> String {
        guard field.contains("\\") else { return String(field) }
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.first {
            if byte == UInt8(ascii: "\\"), utf8.count >= 4,
                let value = UInt8(String(decoding: utf8.dropFirst().prefix(3), as: UTF8.self), radix: 8)
            {
                bytes.append(value)
                utf8 = utf8.dropFirst(4)
            } else {
                bytes.append(byte)
                utf8 = utf8.dropFirst()
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
