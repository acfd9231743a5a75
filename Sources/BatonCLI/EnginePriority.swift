import ArgumentParser

#if canImport(Glibc)
    import Glibc
#endif

/// How the kernel schedules the engine of `baton run`.
///
/// A heartbeat that waits for a busy machine's processor is a false failover: as corosync and Heartbeat's
/// `realtime on` do, the engine runs at a real-time priority by default, so that load on the node (a database's
/// queries, a backup) does not delay its heartbeats, timers and agents' timeouts. Its agents do not: the kernel gives
/// every child the normal policy and priority back (`SCHED_RESET_ON_FORK`).
enum EnginePriority: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// `SCHED_RR` at ``realtimeLevel``; where the kernel refuses it, nice −10; where that is refused too, normal.
    case realtime
    /// The priority the engine was started with.
    case normal

    /// The real-time level: above every normal process, below the kernel's own threads and most other real-time
    /// daemons (the levels go from 1 to 99).
    static let realtimeLevel: Int32 = 10
    /// The nice value where the real-time policy is refused.
    static let highNice: Int32 = -10
    /// `SCHED_RESET_ON_FORK` (linux/sched.h), which Glibc's module does not export.
    private static let resetOnFork: Int32 = 0x4000_0000

    /// Applies this priority to every thread of the process (threads made later inherit it); returns what it did, in
    /// words, and whether that is what was asked.
    func apply() -> (words: String, asked: Bool) {
        guard self == .realtime else { return ("normal priority", true) }
        let threads = Self.threads()
        var level = sched_param()
        level.sched_priority = Self.realtimeLevel
        if threads.allSatisfy({ sched_setscheduler($0, SCHED_RR | Self.resetOnFork, &level) == 0 }) {
            return ("real-time priority (SCHED_RR \(Self.realtimeLevel)); agents at normal priority", true)
        }
        let refusal = String(cString: strerror(errno))
        // The policy stays normal: only the nice value is raised (and reset in children).
        var normal = sched_param()
        if threads.allSatisfy({
            sched_setscheduler($0, SCHED_OTHER | Self.resetOnFork, &normal) == 0
                && setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t($0), Self.highNice) == 0
        }) {
            return ("nice \(Self.highNice): the kernel refused real-time priority (\(refusal))", false)
        }
        return ("normal priority: the kernel refused real-time priority and a higher nice (\(refusal))", false)
    }

    /// The process's threads, by their kernel numbers; this one alone when /proc cannot be read.
    private static func threads() -> [pid_t] {
        guard let directory = opendir("/proc/self/task") else { return [0] }
        defer { closedir(directory) }
        var threads: [pid_t] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let thread = pid_t(name) { threads.append(thread) }
        }
        return threads.isEmpty ? [0] : threads
    }
}
