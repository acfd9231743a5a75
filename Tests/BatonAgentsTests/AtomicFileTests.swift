import BatonAgents
import BatonCore
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The one atomic-write helper of the built-in agents and the engine, and the lock around shared edits.
@Suite("atomic files")
struct AtomicFileTests {
    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    static func permissions(_ path: String) -> mode_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_mode & 0o7777 : nil
    }

    /// The names in the folder, `.` and `..` left out.
    static func names(in directory: TemporaryDirectory) -> [String] {
        guard let folder = opendir(directory.path) else { return [] }
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    @Test("every write is a new file renamed over the old one, with the permissions asked for or kept")
    func replaces() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/file"
        try AtomicFile.write(Array("one\n".utf8), to: path, permissions: [.ownerReadWrite])
        #expect(try directory.read("file") == "one\n" && Self.permissions(path) == 0o600)
        let first = Self.inode(path)
        try AtomicFile.write(Array("two\n".utf8), to: path, permissions: [.ownerReadWrite])
        #expect(
            try directory.read("file") == "two\n" && Self.inode(path) != first, "a new inode: renamed, not rewritten")

        chmod(path, 0o640)
        try AtomicFile.write(Array("three\n".utf8), to: path, keepPermissions: true)
        #expect(Self.permissions(path) == 0o640, "an administrator's permissions are kept")
        try AtomicFile.write(Array("four\n".utf8), to: path)
        #expect(Self.permissions(path) == 0o644, "the default, whatever the umask")
        #expect(Self.names(in: directory) == ["file"])
    }

    @Test("a leftover of an interrupted write does not make the next write in place, and is removed")
    func leftoversAreRemoved() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/hosts"
        try directory.write("hosts", "old\n")
        // What a crash between the write and the rename leaves: Baton's old fixed name, and a name of this helper.
        try directory.write("hosts.baton-new", "half")
        try directory.write("hosts.baton-1f2e3d4c5b6a", "half")
        // Not leftovers of this file: kept.
        try directory.write("hosts.baton-notes", "mine")
        try directory.write("other.baton-1f2e3d4c5b6a", "another file's")
        let before = Self.inode(path)
        try AtomicFile.write(Array("new\n".utf8), to: path, keepPermissions: true)
        #expect(try directory.read("hosts") == "new\n")
        #expect(Self.inode(path) != before, "the write was atomic: a new inode")
        #expect(Self.names(in: directory) == ["hosts", "hosts.baton-notes", "other.baton-1f2e3d4c5b6a"])
    }

    @Test("a write that fails leaves the old file as it was and no new file")
    func failuresLeaveNothing() throws {
        let directory = try TemporaryDirectory()
        // The rename fails: a folder stands where the file would go.
        mkdir(directory.path + "/taken", 0o755)
        try directory.write("taken/inside", "kept\n")
        #expect(throws: AtomicFile.Failure.self) {
            try AtomicFile.write(Array("new\n".utf8), to: directory.path + "/taken")
        }
        #expect(Self.names(in: directory) == ["taken"])
        #expect(try directory.read("taken/inside") == "kept\n")
        // The new file cannot be made: its folder does not exist.
        let missing = directory.path + "/no/such/folder/file"
        let failure = #expect(throws: AtomicFile.Failure.self) {
            try AtomicFile.write(Array("new\n".utf8), to: missing)
        }
        #expect(failure?.description.contains(missing) == true)
        #expect(Self.names(in: directory) == ["taken"])
    }

    @Test("the folder lock lets one holder in at a time and gives up after its timeout")
    func lock() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/hosts"
        let inside = Holders()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await FileLock.withLock(on: path, timeout: .seconds(10)) {
                        () throws(AtomicFile.Failure) in
                        let holders = inside.count.withLock { count in
                            count += 1
                            return count
                        }
                        #expect(holders == 1, "nobody else holds the lock")
                        usleep(2_000)
                        inside.count.withLock { $0 -= 1 }
                    }
                }
            }
            try await group.waitForAll()
        }
        // Held elsewhere (another open of the folder, as another process would), a second holder waits, then fails.
        let holder = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(holder) }
        #expect(flock(holder, LOCK_EX) == 0)
        let failure = await #expect(throws: AtomicFile.Failure.self) {
            try await FileLock.withLock(on: path, timeout: .milliseconds(100)) { () throws(AtomicFile.Failure) in }
        }
        #expect(failure?.description.contains("another writer held it") == true)
    }
}

/// How many hold a lock at once.
final class Holders: Sendable {
    let count = Mutex(0)
}
