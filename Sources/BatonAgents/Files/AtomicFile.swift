import BatonCore
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// Files replaced whole, so that neither a reader nor a crash ever sees half of one: the built-in agents' files (hosts
/// files, pid files) and the engine's state file.
public enum AtomicFile {
    /// Why a file could not be read, replaced or locked, in words for the administrator.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        init(_ what: String, _ path: String, _ error: Errno) {
            description = "cannot \(what) \(path): \(error.description)"
        }

        init(_ description: String) {
            self.description = description
        }
    }

    /// ``write(_:to:permissions:keepPermissions:inPlaceWhenMounted:)`` for a file only its owner may read or
    /// write: a key, a state file.
    public static func writePrivate(_ bytes: [UInt8], to path: String) throws(Failure) {
        try write(bytes, to: path, permissions: [.ownerReadWrite])
    }

    /// Replaces the file at `path` with `bytes`.
    ///
    /// The bytes go to a new file with a unique name in the same folder (never one that exists), which is synced,
    /// renamed over `path`, and the folder is synced: a reader sees the old file or the new one, and a crash leaves
    /// one of them. On any failure the new file is removed and the old one is left as it was.
    ///
    /// - Parameters:
    ///   - permissions: the new file's permissions; with `keepPermissions`, only when there is no file to replace.
    ///   - keepPermissions: the file keeps the permissions of the one it replaces (a hosts file an administrator
    ///     made 0644 stays 0644).
    ///   - inPlaceWhenMounted: where the rename is refused because `path` is a mount point (`EBUSY`: a file
    ///     bind-mounted into a container, as `/etc/hosts` often is), the file is rewritten in place: the only way
    ///     to change such a file, and not atomic.
    ///
    /// New files that earlier writes left when a crash interrupted them are removed once the file is replaced.
    /// Writers that share a file hold its ``FileLock`` for that reason too: no other writer's new file is then in
    /// the folder.
    public static func write(
        _ bytes: [UInt8], to path: String, permissions: FilePermissions = [.ownerReadWrite, .groupRead, .otherRead],
        keepPermissions: Bool = false, inPlaceWhenMounted: Bool = false
    ) throws(Failure) {
        var mode = permissions
        if keepPermissions, let existing = try? FilePath(path).stat() { mode = existing.permissions }
        let (file, temporary) = try create(beside: path, permissions: mode)
        do throws(Failure) {
            try fill(file, with: bytes, path: temporary)
        } catch {
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = Errno(rawValue: errno)
            unlink(temporary)
            if error == .resourceBusy, inPlaceWhenMounted {
                try rewrite(path, with: bytes)
                return
            }
            throw Failure("replace", path, error)
        }
        syncFolder(of: path)
        removeLeftovers(of: path)
    }

    /// A new file beside `path`, open for writing, and its name: `PATH.baton-` and 64 random bits in hex.
    private static func create(beside path: String, permissions: FilePermissions) throws(Failure) -> (
        FileDescriptor, String
    ) {
        var lastError = Errno.fileExists
        for _ in 0..<16 {
            let name = path + ".baton-" + String(UInt64.random(in: 1...UInt64.max), radix: 16)
            do {
                let file = try FileDescriptor.open(
                    FilePath(name), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                    permissions: permissions)
                // The process's umask narrowed what `open` set.
                fchmod(file.rawValue, permissions.rawValue)
                return (file, name)
            } catch {
                lastError = error as? Errno ?? .ioError
                if lastError != .fileExists { break }
            }
        }
        throw Failure("create a new file beside", path, lastError)
    }

    /// Writes every byte to `file`, syncs and closes it.
    private static func fill(_ file: FileDescriptor, with bytes: [UInt8], path: String) throws(Failure) {
        do {
            try file.closeAfter {
                _ = try bytes.withUnsafeBytes { try file.writeAll($0) }
                guard fsync(file.rawValue) == 0 else { throw Errno(rawValue: errno) }
            }
        } catch let error as Errno {
            throw Failure("write", path, error)
        } catch {
            throw Failure("cannot write \(path): \(error)")
        }
    }

    /// Rewrites the file in place: truncated, written, synced.
    private static func rewrite(_ path: String, with bytes: [UInt8]) throws(Failure) {
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(FilePath(path), .writeOnly, options: [.truncate, .closeOnExec])
        } catch {
            throw Failure("write", path, error as? Errno ?? .ioError)
        }
        try fill(file, with: bytes, path: path)
    }

    /// Syncs the folder, so that the rename survives a crash too.
    private static func syncFolder(of path: String) {
        guard
            let folder = try? FileDescriptor.open(
                FilePath(path.parentDirectory), .readOnly, options: [.directory, .closeOnExec])
        else { return }
        fsync(folder.rawValue)
        try? folder.close()
    }

    /// Removes what interrupted writes left beside `path`: new files of this helper and of Baton before it
    /// (`PATH.baton-new`).
    private static func removeLeftovers(of path: String) {
        let folder = path.parentDirectory
        let prefix = (path.split(separator: "/").last.map(String.init) ?? path) + ".baton-"
        guard let directory = opendir(folder) else { return }
        defer { closedir(directory) }
        var leftovers: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix(prefix) else { continue }
            let suffix = name.dropFirst(prefix.count)
            if suffix == "new" || (!suffix.isEmpty && suffix.count <= 16 && suffix.allSatisfy(\.isHexDigit)) {
                leftovers.append(name)
            }
        }
        for name in leftovers { unlink(folder + "/" + name) }
    }
}
