import ArgumentParser
import BatonControl
import BatonCore
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// The commands that talk to the running engine through its control socket.
struct ControlClient: ParsableArguments {
    @OptionGroup var options: ConfigOptions
    @OptionGroup var locations: EngineLocations

    /// Sends a request that gets one answer; an error answer becomes a ``CommandFailure``.
    func ask(_ request: ControlRequest) async throws -> ControlResponse {
        try await ControlClient.ask(request, socket: locations.socketPath)
    }

    static func ask(_ request: ControlRequest, socket: String) async throws -> ControlResponse {
        var answer: ControlResponse?
        try await send(request, socket: socket) {
            answer = $0
            return false
        }
        guard let answer else { throw CommandFailure(message: "the engine closed the connection", status: 1) }
        guard answer.ok else { throw CommandFailure(message: answer.error ?? "refused", status: 1) }
        return answer
    }

    func send(_ request: ControlRequest, receive: (ControlResponse) throws -> Bool) async throws {
        try await ControlClient.send(request, socket: locations.socketPath, receive: receive)
    }

    private static func send(_ request: ControlRequest, socket: String, receive: (ControlResponse) throws -> Bool)
        async throws
    {
        do {
            try await ControlSocket.send(request, to: socket, receive: receive)
        } catch let error as ControlError {
            throw CommandFailure(message: error.description, status: 1)
        }
    }

    /// Sends an administrator's request and prints what the engine answered.
    func request(_ request: ControlRequest) async throws {
        try await emit(json: options.json) {
            let answer = try await ask(request)
            return options.json ? JSONText.render(answer) : (answer.message ?? "done") + "\n"
        }
    }
}

/// `--wait` on an administrator's request.
struct WaitOption: ParsableArguments {
    @Flag(
        help: """
            Return once the request's plans have run, saying whether what was asked holds (exit 1 when not), \
            instead of as soon as the senior node has planned it.
            """)
    var wait = false

    /// The request's `wait`.
    var requested: Bool? { wait ? true : nil }
}

extension Baton {
    /// `baton status`.
    public struct Status: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Show the cluster as this node's engine sees it.",
            discussion: """
                Nodes with their role, this node's view of every peer's links (state, and milliseconds since \
                the last packet), groups with where they run and their generation, resources with their state, \
                the last result of each monitor on this node, packets accepted and rejected by reason, and the \
                last events; a peer whose cluster.yaml differs is named with the sections that differ. --json \
                prints the engine's answer: {node, role, senior, term, mismatched, version, peers, state, \
                waiting, monitors, accepted, rejected, events, configuration, configurationEpoch}, where state \
                is the JSON of cluster-state(5), configuration the digest of the file this node runs (its epoch \
                is raised by every baton config apply), each peer's links are {address, state, active, ageMs} \
                and every time is in milliseconds since the epoch; the text form prints times in UTC, ISO 8601 \
                to the millisecond.

                --watch is a live view, as crm_mon's: the status is asked for every --interval and, on a \
                terminal, redrawn in place under a line with the time; elsewhere (a pipe, a file) a view is \
                printed only when something other than packet ages and counts changed, each after a line of \
                dashes, and with --json as one JSON object per line. An engine that does not answer is said so \
                (with --json as {"error", "status"}), and asked again. It runs until interrupted; --once ends \
                it after the first view, for scripts that want the watch's layout.
                """)

        @OptionGroup var client: ControlClient
        @Flag(help: "Keep showing the status, redrawn in place, until interrupted.") var watch = false
        @Option(help: ArgumentHelp("With --watch, how often to ask (default 1s).", valueName: "duration"))
        var interval: String = "1s"
        @Flag(help: "With --watch, stop after the first view.") var once = false

        public init() {}

        public func validate() throws {
            if (once || interval != "1s") && !watch { throw ValidationError("--once and --interval need --watch") }
            let every: Duration
            do throws(ValueError) {
                every = try Duration(configText: interval)
            } catch {
                throw ValidationError("--interval: \(error.message)")
            }
            if every < .milliseconds(100) { throw ValidationError("--interval must be at least 100ms") }
        }

        public func run() async throws {
            if watch { return try await watchLoop() }
            try await emit(json: client.options.json) {
                let status = try await client.ask(ControlRequest(command: "status")).status!
                if client.options.json { return JSONText.render(status) }
                let spec = try client.options.validSpec()
                return Self.text(status, spec)
            }
        }

        /// `--watch`: asks every interval and shows what changed, until interrupted (or once, with `--once`).
        private func watchLoop() async throws {
            let spec = client.options.json ? nil : try client.options.validSpec()
            let every = (try? Duration(configText: interval)) ?? .seconds(1)
            let terminal = isatty(1) == 1
            var shown: String?
            while !Task.isCancelled {
                let view: String
                let key: String
                do {
                    let status = try await client.ask(ControlRequest(command: "status")).status!
                    view = spec.map { Self.text(status, $0) } ?? JSONText.line(status)
                    key = JSONText.line(Self.lasting(status))
                } catch let failure as CommandFailure {
                    let message = "\(failure.message); asking again every \(every.configText)"
                    view =
                        spec == nil
                        ? JSONText.line(JSONFailure(error: message, status: failure.status)) : message + "\n"
                    key = view
                }
                if terminal {
                    let now = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
                    let header = "Every \(every.configText): baton status, \(now)\n\n"
                    writeStandardOutput("\u{1B}[H\u{1B}[2J" + header + view)
                } else if key != shown {
                    writeStandardOutput((shown == nil || client.options.json ? "" : "---\n") + view)
                }
                shown = key
                if once { return }
                try await Task.sleep(for: every)
            }
        }

        /// The status without what changes on every ask (packet ages, the count of packets accepted): what
        /// `--watch` compares.
        static func lasting(_ status: StatusReport) -> StatusReport {
            var status = status
            status.accepted = 0
            for peer in status.peers.indices {
                for link in status.peers[peer].links.indices { status.peers[peer].links[link].ageMs = nil }
            }
            return status
        }

        /// A time of the engine's (milliseconds since the epoch) as people read it: UTC, ISO 8601, to the
        /// millisecond.
        static func time(_ time: Timestamp) -> String {
            Date(timeIntervalSince1970: Double(time.milliseconds) / 1000).formatted(
                Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        }

        static func text(_ status: StatusReport, _ spec: ClusterSpec) -> String {
            var lines = [
                "This node: \(status.node), \(status.role.rawValue) (\(status.role.summary)); senior node: "
                    + (status.senior.map { "\($0) (term \(status.term))" } ?? "none yet")
                    + "; state version \(status.version)"
                    + (status.configuration.map { "; configuration \($0), epoch \(status.configurationEpoch ?? 0)" }
                        ?? ""),
                "Peers:",
            ]
            for peer in status.peers {
                let role = peer.role.map { ", announces \($0.rawValue)" } ?? ""
                let differs =
                    status.mismatched[peer.name].map { sections in
                        ", OTHER CONFIGURATION"
                            + (sections.isEmpty ? "" : " (\(sections.joined(separator: ", ")) differ)")
                            + ": takes no part in plans"
                    } ?? ""
                lines.append("  \(peer.name): \(peer.state)\(role)\(differs)")
                for (index, link) in peer.links.enumerated() {
                    let age = link.ageMs.map { ", last packet \($0) ms ago" } ?? ", never heard"
                    lines.append(
                        "    link \(index + 1) \(link.address): \(link.state)\(link.active ? " (in use)" : "")\(age)")
                }
            }
            let rejected = status.rejected.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
            lines.append(
                "Packets: \(status.accepted) accepted; rejected: "
                    + (rejected.isEmpty ? "none" : rejected.joined(separator: ", ")))
            var text = lines.joined(separator: "\n") + "\n" + StateRenderer.text(status.state, spec, time: Self.time)
            if !status.waiting.isEmpty {
                text +=
                    "Waiting:\n"
                    + status.waiting.sorted { $0.key < $1.key }.map { "  \($0.key): \($0.value)\n" }.joined()
            }
            if !status.monitors.isEmpty {
                text +=
                    "Monitors here:\n"
                    + status.monitors.sorted { $0.key < $1.key }.map {
                        "  \($0.key): last exit \($0.value) (\(OCFExitCode.describe($0.value)))\n"
                    }.joined()
            }
            if !status.events.isEmpty {
                text += "Recent events:\n" + status.events.map { "  " + Events.line($0) + "\n" }.joined()
            }
            return text
        }
    }

    /// `baton events`.
    public struct Events: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Print the engine's recent events, and with --follow every new one.",
            discussion: """
                One event per line: time, severity, event name, message, and what to do when there is \
                something to do. --json prints one JSON object per line: {event, severity, node, reporter, \
                group, resource, role, message, action, time}: node is the node the event is about, reporter \
                the engine that recorded it, role the reporter's, time in milliseconds since the epoch. The text \
                form's times are UTC, ISO 8601 to the millisecond.

                Without --history or --since, the events are those the running engine keeps (its last 200). \
                --history prints every event this node recorded, also before its engine restarted and while \
                it is down: the engine keeps them in STATE_DIR/events.jsonl, moved to events.1.jsonl when it \
                passes 1 MiB. --since TIME prints those at or after TIME (ISO 8601, as 2026-12-03T05:35:13Z, or \
                a duration ago, as 10m) from that history; --node NODE only those about NODE. Printing events \
                runs no handler.
                """)

        @OptionGroup var client: ControlClient
        @Flag(help: "Keep printing new events until interrupted.") var follow = false
        @Flag(help: "Every event kept in the state directory, also from before a restart.") var history = false
        @Option(help: ArgumentHelp("Only events at or after this time, from the history.", valueName: "time"))
        var since: String?
        @Option(help: ArgumentHelp("Only events about this node.", valueName: "node"), completion: NameCompletion.nodes)
        var node: String?

        public init() {}

        public func validate() throws {
            if follow, history || since != nil {
                throw ValidationError("--follow prints the engine's events: give it without --history or --since")
            }
            if let since, Self.time(since, now: Date()) == nil {
                throw ValidationError("--since '\(since)' is neither an ISO 8601 time nor a duration such as 10m")
            }
        }

        public func run() async throws {
            let from = since.flatMap { Self.time($0, now: Date()) }
            let print = { (event: EventRecord) in
                guard from.map({ event.time >= $0 }) ?? true, node.map({ event.node == $0 }) ?? true else { return }
                writeStandardOutput(client.options.json ? JSONText.line(event) : Self.line(event) + "\n")
            }
            if history || since != nil {
                EventHistory(directory: client.locations.directory).read().forEach(print)
                return
            }
            try await emit(json: client.options.json) {
                try await client.send(ControlRequest(command: "events", follow: follow)) { response in
                    if let event = response.event { print(event) }
                    return true
                }
                return ""
            }
        }

        /// `--since`: an ISO 8601 time (with or without milliseconds), or a duration before `now`.
        static func time(_ text: String, now: Date) -> Timestamp? {
            let milliseconds = { (date: Date) in Timestamp(milliseconds: Int64(date.timeIntervalSince1970 * 1000)) }
            for style in [
                Date.ISO8601FormatStyle(includingFractionalSeconds: true), Date.ISO8601FormatStyle(),
            ] {
                if let date = try? style.parse(text) { return milliseconds(date) }
            }
            guard let ago = try? Duration(configText: text) else { return nil }
            return milliseconds(now).advanced(by: .zero - ago)
        }

        static func line(_ event: EventRecord) -> String {
            var text = "\(Status.time(event.time)) \(event.severity.rawValue) \(event.event): \(event.message)"
            if let action = event.action { text += "; \(action)" }
            return text
        }

    }

    /// `baton switch GROUP --to NODE`.
    public struct Switch: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Move a group to a node; if it cannot start there, it goes back.")
        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "The group.", completion: NameCompletion.groups) var group: String
        @Option(help: ArgumentHelp("The node to move it to.", valueName: "node"), completion: NameCompletion.nodes)
        var to: String
        public init() {}
        public func run() async throws {
            try await client.request(ControlRequest(command: "switch", group: group, node: to, wait: waiting.requested))
        }
    }

    /// `baton standby NODE`.
    public struct Standby: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Put a node in standby: its groups move away and it runs nothing.")
        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "The node.", completion: NameCompletion.nodes) var node: String
        public init() {}
        public func run() async throws {
            try await client.request(ControlRequest(command: "standby", node: node, wait: waiting.requested))
        }
    }

    /// `baton online NODE`.
    public struct Online: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(abstract: "Take a node out of standby.")
        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "The node.", completion: NameCompletion.nodes) var node: String
        public init() {}
        public func run() async throws {
            try await client.request(ControlRequest(command: "online", node: node, wait: waiting.requested))
        }
    }

    /// `baton cleanup RESOURCE`.
    public struct Cleanup: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Forget a resource's failures; a blocked or failed resource counts as stopped again.",
            discussion: """
                Run it after stopping a blocked resource by hand (or powering its node off): the group may then \
                start again. The resource is probed on every online node first, so a copy that a failed stop left \
                running is found (and stopped as a second instance) rather than started beside.
                """)
        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "The resource.", completion: NameCompletion.resources) var resource: String
        public init() {}
        public func run() async throws {
            try await client.request(ControlRequest(command: "cleanup", resource: resource, wait: waiting.requested))
        }
    }

    /// `baton unmove GROUP`.
    public struct Unmove: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Undo a switchover's preference: the group may go back to its most preferred node.",
            discussion: """
                A group that baton switch moved prefers that node from then on. After unmove it prefers its nodes \
                in their usual order again; with failback: auto it moves back to the most preferred one that may \
                run it, with failback: manual it stays where it runs.
                """)
        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "The group.", completion: NameCompletion.groups) var group: String
        public init() {}
        public func run() async throws {
            try await client.request(ControlRequest(command: "unmove", group: group, wait: waiting.requested))
        }
    }

    /// `baton stop GROUP`.
    public struct Stop: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Stop a group and keep it stopped, across restarts, until baton start.")
        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "The group.", completion: NameCompletion.groups) var group: String
        public init() {}
        public func run() async throws {
            try await client.request(ControlRequest(command: "stop", group: group, wait: waiting.requested))
        }
    }

    /// `baton maintenance on|off [--node NODE | GROUP]`.
    public struct Maintenance: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Stop managing the cluster, a node or a group (on), or manage it again (off).",
            discussion: """
                In maintenance Baton starts, stops, monitors and fences nothing that is covered: with neither \
                --node nor a group, every node; with --node, what runs on that node (and nothing new starts \
                there); with a group, its members wherever they are. What runs goes on running, also when the \
                engine stops or the node is lost, and status says unmanaged. Maintenance is kept in the state \
                file across restarts. When it ends, what it covered is probed first, then the planner acts on \
                what the probes found: a service stopped by hand meanwhile is started again, one found running \
                stays where it is. A node lost during its maintenance is fenced when the maintenance ends.
                """)
        /// `on` or `off`.
        enum Mode: String, ExpressibleByArgument, CaseIterable {
            case on, off
        }

        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "on or off.") var mode: Mode
        @Argument(
            help: "The group; the whole cluster when neither a group nor --node is given.",
            completion: NameCompletion.groups)
        var group: String?
        @Option(help: ArgumentHelp("A node instead of a group.", valueName: "node"), completion: NameCompletion.nodes)
        var node: String?
        public init() {}

        public func validate() throws {
            if group != nil, node != nil { throw ValidationError("give a group or --node, not both") }
        }

        public func run() async throws {
            try await client.request(
                ControlRequest(
                    command: "maintenance-\(mode.rawValue)", group: group, node: node, wait: waiting.requested))
        }
    }

    /// `baton start GROUP [--force]`.
    public struct Start: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Let a stopped group run again; with --force, one that waits for a node with newer data.",
            discussion: """
                A group stopped with baton stop (or by on-fail: stop) runs again where the planner places it. At a \
                cold start, a group whose last owner is not among the nodes that formed the cluster waits for it: \
                that node holds the newest data. baton start refuses such a group; after checking the data, \
                --force starts it here.
                """)
        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: "The group.", completion: NameCompletion.groups) var group: String
        @Flag(help: "Start although another node held newer data.") var force = false
        public init() {}
        public func run() async throws {
            try await client.request(
                ControlRequest(command: "start", group: group, force: force ? true : nil, wait: waiting.requested))
        }
    }
}

extension Baton {
    /// `baton fence NODE` and `baton fence confirm NODE`.
    public struct Fence: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Fence a node now through the senior, or confirm that a lost node is off.",
            discussion: """
                baton fence NODE powers the node off (or reboots it, as fencing's action says) through its fence \
                levels; what it ran starts elsewhere once the fence succeeded. baton fence confirm NODE is for a \
                lost node whose fence failed: the administrator swears the node is off (powered down by hand, \
                unplugged), and what it ran counts as stopped. The event fence-confirmed records it.
                """,
            subcommands: [Now.self, Confirm.self], defaultSubcommand: Now.self)
        public init() {}

        /// `baton fence NODE`.
        public struct Now: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                commandName: "node", abstract: "Fence a node now (the default: baton fence NODE).")
            @OptionGroup var client: ControlClient
            @OptionGroup var waiting: WaitOption
            @Argument(help: "The node.", completion: NameCompletion.nodes) var node: String
            public init() {}
            public func run() async throws {
                try await client.request(ControlRequest(command: "fence", node: node, wait: waiting.requested))
            }
        }

        /// `baton fence confirm NODE`.
        public struct Confirm: AsyncParsableCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Swear that a lost node is off: what it ran counts as stopped and may start elsewhere.")
            @OptionGroup var client: ControlClient
            @OptionGroup var waiting: WaitOption
            @Argument(help: "The node.", completion: NameCompletion.nodes) var node: String
            public init() {}
            public func run() async throws {
                try await client.request(
                    ControlRequest(command: "fence-confirm", node: node, wait: waiting.requested))
            }
        }
    }
}
