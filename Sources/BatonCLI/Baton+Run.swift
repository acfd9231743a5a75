import ArgumentParser
import BatonAgents
import BatonConfig
import BatonCore
import BatonEngine
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif
import Logging

/// Where a node's engine keeps its state file and control socket.
struct EngineLocations: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The engine's state directory: state file, control socket, lock (default: /var/lib/baton as root, else /tmp/baton-UID).",
            valueName: "dir"))
    var stateDir: String?

    @Option(help: ArgumentHelp("The control socket (default: STATE_DIR/baton.sock).", valueName: "path"))
    var socket: String?

    var directory: String { stateDir ?? (getuid() == 0 ? "/var/lib/baton" : "/tmp/baton-\(getuid())") }
    var socketPath: String { socket ?? directory + "/baton.sock" }
}

extension Baton {
    /// `baton run`: the engine on this node, in the foreground.
    public struct Run: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            abstract: "Run the engine on this node, in the foreground.",
            discussion: """
                Sends signed heartbeats on every link of this node, watches its peers, and keeps every group \
                running on exactly one node (see baton(8), ENGINE). Without --node, the node is the one whose link \
                addresses are on this machine. The key file must exist and must not be readable by group or \
                others. SIGTERM or SIGINT hands this node's groups to a peer (or stops them when no peer is \
                online), then exits 0, once the event handler's runs for its last events have ended. Events go to \
                standard error, one logfmt line each (time=, UTC to the millisecond, level=, event=, node=, \
                msg=, action=; values with spaces quoted), each line led by its syslog priority (<3> for an \
                error) when standard error is the journal (JOURNAL_STREAM). Under systemd (NOTIFY_SOCKET, a unit of \
                Type=notify: contrib/baton.service) it says READY=1 when its listening ends, STOPPING=1 when it \
                begins to stop, its role in STATUS=, and WATCHDOG=1 every half WatchdogSec. SIGHUP reads the \
                configuration file again and applies it to the cluster, as baton config apply does.

                The state directory holds the state file (state.json: this node's role, each group's \
                generation and last owner, the failures on record), the control socket (baton.sock, mode 0660, \
                unless --socket names another path) and a lock. Built-in agents keep their pid and log files \
                where baton agent exec looks for them (/run/baton as root, else /tmp/baton-UID), or in \
                STATE_DIR/agents when --state-dir is given (several engines on one machine). A client of the \
                control socket sends one request, a JSON object on one line, {"command": "status"|"events"|\
                "switch"|"unmove"|"standby"|"online"|"cleanup"|"stop"|"start"|"maintenance-on"|\
                "maintenance-off"|"fence"|"fence-confirm", "group", "node", "resource", "follow", "force", \
                "wait"}; the engine answers with JSON lines {"ok", "error", "message", "status", "event"} and \
                closes the connection (events with follow keeps it open; a request with wait answers once its \
                plans ran). Every command of baton that talks to the engine, and plan --live, use it.

                The engine runs at a real-time priority (SCHED_RR 10) so that a loaded machine does not delay its \
                heartbeats and timers; the agents it starts run at normal priority. Where the kernel refuses \
                real-time priority it runs at nice -10 and says so. --priority normal keeps the priority it was \
                started with.

                Exit status: 0 after a signal, 1 when the engine cannot start (invalid configuration, key file, \
                links not on this machine, another engine on the same state directory).
                """
        )

        @OptionGroup var options: ConfigOptions
        @OptionGroup var locations: EngineLocations
        @Option(help: ArgumentHelp("Where OCF agents are installed.", valueName: "dir"))
        var ocfRoot = ProcessInfo.processInfo.environment["OCF_ROOT"] ?? "/usr/lib/ocf"
        @Option(help: ArgumentHelp("This node's name, when its links do not tell.", valueName: "name"))
        var node: String?
        @Option(
            help: ArgumentHelp(
                "How the engine is scheduled: realtime (SCHED_RR 10, or nice -10 where refused; agents at normal "
                    + "priority) or normal."))
        var priority: EnginePriority = .realtime

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Runs the engine until a signal.
        public func run() async throws {
            var spec: ClusterSpec
            var settings: Engine.Settings
            do {
                spec = try options.validSpec()
                if let handler = spec.events?.handler.value { spec.events?.handler.value = options.resolve(handler) }
                let local = try node.map(NodeName.init) ?? Self.recognize(in: spec)
                guard spec.node(named: local) != nil else {
                    throw CommandFailure(message: "node '\(local)' is not in \(options.path)", status: 1)
                }
                let directory = locations.directory
                let agents = AgentLocations.directory(stateDir: locations.stateDir)
                try Self.prepare(directory, agents: agents)
                let catalog = AgentCatalog(
                    ocfRoot: ocfRoot, baseDirectory: options.baseDirectory, stateDirectory: agents)
                settings = Engine.Settings(
                    spec: spec, node: local, stateDirectory: directory, catalog: catalog,
                    key: try KeyFile.read(options.resolve(spec.heartbeat.keyFile.value)),
                    configuration: try ConfigFile.contents(of: options.path))
                settings.configurationPath = options.absolutePath
            } catch let failure as CommandFailure {
                writeStandardError("baton: \(failure.message)\n")
                throw ExitCode(failure.status)
            }
            let scheduling = priority.apply()
            if !scheduling.asked { writeStandardError("baton: warning: the engine runs at \(scheduling.words)\n") }
            var logger = Logger(label: "baton") { _ in LogfmtHandler(write: writeStandardError) }
            logger[metadataKey: "node"] = "\(settings.node)"
            do {
                let engine = try Engine(settings, logger: logger)
                try await EngineService.run(engine, socket: locations.socketPath, logger: logger)
            } catch {
                writeStandardError("baton: \(error)\n")
                throw ExitCode(1)
            }
        }

        /// The state directory, made if missing (mode 0750), and locked for this engine alone.
        static func prepare(_ directory: String, agents: String) throws {
            for folder in [directory, agents] where access(folder, F_OK) != 0 && mkdir(folder, 0o750) != 0 {
                throw CommandFailure(
                    message: "cannot make the directory \(folder): \(String(cString: strerror(errno)))", status: 1)
            }
            // The lock is held until the process exits; the descriptor is never closed.
            let lock = open(directory + "/lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
            guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
                throw CommandFailure(message: "another engine runs with the state directory \(directory)", status: 1)
            }
        }

        /// The node whose link addresses are on this machine.
        static func recognize(in spec: ClusterSpec) throws -> NodeName {
            let here = LocalAddresses.all()
            let matches = spec.nodes.filter { node in node.links.contains { here.contains($0.value.description) } }
            guard matches.count == 1 else {
                let what =
                    matches.isEmpty
                    ? "no node of the configuration has a link address on this machine"
                    : "several nodes have link addresses on this machine: "
                        + matches.map(\.name.rawValue).joined(separator: ", ")
                throw CommandFailure(message: "\(what); name this node with --node", status: 1)
            }
            return matches[0].name
        }
    }
}

extension ConfigOptions {
    /// A path of the configuration: relative ones start in the configuration file's folder.
    func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : baseDirectory + "/" + path
    }

    /// The configuration file's path from the root, which stays right when the working folder changes.
    var absolutePath: String { Self.absolute(path) }

    /// `path` from the root: a relative one starts in the working folder.
    static func absolute(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let folder = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: folder, as: UTF8.self) + "/" + path
    }
}

/// The addresses of this machine's interfaces, as text.
enum LocalAddresses {
    static func all() -> Set<String> {
        var first: UnsafeMutablePointer<ifaddrs>?
        guard getifaddrs(&first) == 0 else { return [] }
        defer { freeifaddrs(first) }
        var addresses: Set<String> = []
        var next = first
        while let entry = next {
            next = entry.pointee.ifa_next
            guard let address = entry.pointee.ifa_addr else { continue }
            var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            let length =
                Int32(address.pointee.sa_family) == AF_INET6
                ? socklen_t(MemoryLayout<sockaddr_in6>.size) : socklen_t(MemoryLayout<sockaddr_in>.size)
            guard [AF_INET, AF_INET6].contains(Int32(address.pointee.sa_family)),
                getnameinfo(address, length, &host, socklen_t(host.count), nil, 0, NI_NUMERICHOST) == 0
            else { continue }
            addresses.insert(String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return addresses
    }
}

/// The cluster's shared secret.
enum KeyFile {
    /// The shortest key taken.
    static let minimumLength = 16

    /// The key's bytes (a trailing line feed is not part of it).
    /// - Throws: ``CommandFailure`` when the file is missing, readable by group or others, or too short.
    static func read(_ path: String) throws -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CommandFailure(
                message: "cannot read the key file \(path): \(String(cString: strerror(errno))); make one with "
                    + "`baton keygen \(path)` (then copy it to every node)", status: 1)
        }
        guard info.st_mode & 0o077 == 0 else {
            throw CommandFailure(
                message: "the key file \(path) is readable by group or others (mode "
                    + String(info.st_mode & 0o777, radix: 8) + "); run `chmod 600 \(path)`", status: 1)
        }
        var bytes = try ConfigFile.contents(of: path)
        while bytes.last == 0x0A || bytes.last == 0x0D { bytes.removeLast() }
        guard bytes.count >= minimumLength else {
            throw CommandFailure(
                message: "the key file \(path) holds \(bytes.count) bytes; it needs at least \(minimumLength)",
                status: 1)
        }
        return bytes
    }
}
