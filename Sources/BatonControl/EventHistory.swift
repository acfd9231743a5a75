#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// Every event a node recorded, kept across restarts in its state directory: one JSON object per line in
/// `events.jsonl`, which is moved to `events.1.jsonl` (over the one before) when it grows past ``limit``, so that the
/// history takes at most twice that. `baton events` reads it, also while the engine is down.
public struct EventHistory: Sendable {
    /// The size past which the file is moved aside.
    public static let limit = 1 << 20

    /// The current file.
    public let path: String
    /// The file before it.
    public var previousPath: String { String(path.dropLast(".jsonl".count)) + ".1.jsonl" }

    /// The history in `directory`.
    public init(directory: String) {
        path = directory + "/events.jsonl"
    }

    /// Adds an event; a problem (a full disk, a missing folder) is ignored: the history is for people, and the
    /// engine goes on.
    public func append(_ event: EventRecord) {
        guard var line = try? JSONEncoder.control.encode(event) else { return }
        line.append(0x0A)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { return }
        _ = line.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        var status = stat()
        let size = fstat(descriptor, &status) == 0 ? Int(status.st_size) : 0
        close(descriptor)
        if size > Self.limit { rename(path, previousPath) }
    }

    /// Every event kept, oldest first; lines that are not events (a write cut short by a crash) are skipped.
    public func read() -> [EventRecord] {
        [previousPath, path].flatMap { file -> [EventRecord] in
            guard let data = FileManager.default.contents(atPath: file) else { return [] }
            return data.split(separator: 0x0A).compactMap { try? JSONDecoder().decode(EventRecord.self, from: $0) }
        }
    }
}
