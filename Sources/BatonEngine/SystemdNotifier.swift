import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

/// systemd's notification protocol (`sd_notify`, without libsystemd): datagrams of `KEY=VALUE` lines to the Unix
/// socket `NOTIFY_SOCKET` names (a path, or `@name` in the abstract namespace), for a unit of `Type=notify`. The
/// engine says `READY=1` when its listening ends, `STOPPING=1` when it begins to stop, a `STATUS=` line when its
/// role changes, and `WATCHDOG=1` every half of `WATCHDOG_USEC` when the unit sets `WatchdogSec`: a paused engine
/// stops saying it, and systemd restarts it. Without `NOTIFY_SOCKET` it says nothing.
struct SystemdNotifier: Sendable {
    /// The socket's address, as `sockaddr_un` bytes; `nil` when not run by systemd.
    private let address: [UInt8]?
    /// How often to say `WATCHDOG=1`: half the unit's `WatchdogSec`; `nil` without one.
    let watchdogInterval: Duration?

    /// The notifier `environment` describes (`NOTIFY_SOCKET`, `WATCHDOG_USEC` and `WATCHDOG_PID`).
    init(environment: [String: String], pid: Int32 = getpid()) {
        if let path = environment["NOTIFY_SOCKET"], !path.isEmpty, path.utf8.count < 108 {
            var bytes = Array(path.utf8)
            if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
            address = bytes
        } else {
            address = nil
        }
        let forUs = environment["WATCHDOG_PID"].map { Int32($0) == pid } ?? true
        if address != nil, forUs, let text = environment["WATCHDOG_USEC"], let usec = Int64(text), usec > 0 {
            watchdogInterval = .microseconds(usec / 2)
        } else {
            watchdogInterval = nil
        }
    }

    /// The notifier of this process's environment.
    static func fromProcess() -> SystemdNotifier {
        var environment: [String: String] = [:]
        for key in ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"] {
            if let value = getenv(key) { environment[key] = String(cString: value) }
        }
        return SystemdNotifier(environment: environment)
    }

    /// Says `lines` (`READY=1`, `STATUS=...`) in one datagram; a problem is ignored, as sd_notify's callers do.
    func notify(_ lines: [String]) {
        guard let address else { return }
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var target = sockaddr_un()
        target.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &target.sun_path) { path in
            for (index, byte) in address.enumerated() { path[index] = byte }
        }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let message = Array((lines.joined(separator: "\n") + "\n").utf8)
        _ = withUnsafePointer(to: &target) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                message.withUnsafeBytes { sendto(descriptor, $0.baseAddress, $0.count, 0, socketAddress, length) }
            }
        }
    }

    /// What the engine says for an event: `READY=1` at the end of listening, `STOPPING=1` when it begins to stop, its
    /// role in `STATUS=` when that changes.
    static func lines(for event: ClusterEvent) -> [String] {
        switch event {
        case .listeningEnded(let node, let alone):
            ["READY=1", "STATUS=\(node) " + (alone ? "acts alone: no peer answered" : "heard every peer")]
        case .engineStopping(let node): ["STOPPING=1", "STATUS=\(node) hands its groups over and stops"]
        case .roleChanged(let node, _, let role): ["STATUS=\(node) is \(role.rawValue) (\(role.summary))"]
        default: []
        }
    }
}
