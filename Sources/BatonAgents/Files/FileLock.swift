import BatonCore
import SystemPackage

#if canImport(Glibc)
    import Glibc
#endif

/// An advisory lock (`flock(2)`) on a file's folder, taken by every built-in agent that reads, edits and writes back
/// a file that other resources may edit too (a hosts file that several aliases share): one such edit at a time,
/// across the engine's parallel actions and separate `baton agent exec` processes.
///
/// The folder is locked, not the file: the file is replaced by a rename on every write, so a lock on it would stay on
/// the replaced file, and a file that does not exist yet has nothing to lock.
public enum FileLock {
    /// Runs `body` while holding the lock of the folder `path` is in; waits at most `timeout` for it.
    public static func withLock<T>(
        on path: String, timeout: Duration, _ body: () throws(AtomicFile.Failure) -> T
    ) async throws(AtomicFile.Failure) -> T {
        let folder = path.parentDirectory
        let descriptor: FileDescriptor
        do {
            descriptor = try FileDescriptor.open(FilePath(folder), .readOnly, options: [.directory, .closeOnExec])
        } catch {
            throw AtomicFile.Failure("lock the folder", folder, error as? Errno ?? .ioError)
        }
        defer { try? descriptor.close() }
        let deadline = ContinuousClock.now + timeout
        while flock(descriptor.rawValue, LOCK_EX | LOCK_NB) != 0 {
            let error = Errno(rawValue: errno)
            guard error == .wouldBlock || error == .interrupted else {
                throw AtomicFile.Failure("lock the folder", folder, error)
            }
            guard ContinuousClock.now < deadline else {
                throw AtomicFile.Failure(
                    "cannot lock the folder \(folder) to edit \(path): another writer held it for \(timeout)")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        // Closing the descriptor releases the lock.
        return try body()
    }
}
