import ArgumentParser
import BatonConfig
import BatonControl
import BatonCore

extension Baton {
    /// `baton plan`: the dry-run of one trigger.
    public struct PlanCommand: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            commandName: "plan",
            abstract: "Print the plan that an event would cause, without doing anything.",
            discussion: """
                Give exactly one event. The plan starts from the steady state (every node online, every group \
                started on its first candidate), from a saved state (--from, the JSON of cluster-state(5)), or \
                from the running engine's state (--live, through the control socket of --state-dir or --socket). \
                Every action shows its node, timeout (the written one, else the agent's meta-data recommendation, \
                else 20s: what the engine uses), reason and what it waits for; the plan ends with where each \
                group runs and the time budget: detection (deadtime for a node, monitor interval plus timeout for a \
                resource) plus the longest chain of action timeouts.

                --format json prints the plan as JSON: {trigger, senior, actions: [{id, step, action, node, target, \
                group, resource, timeoutMs, intervalMs, fence: {action, levels, delayMs}, reason, after: [{id, \
                why}]}], placement: [{group, node}], notes, budget: {detectionMs, detectionSource, longestChainMs, \
                longestChainActions, totalMs}}, every duration an integer of milliseconds; keys absent when empty. \
                A fence action's timeout is its whole budget: every attempt of every level, plus its delay. \
                --format dot prints Graphviz DOT.

                With no event and --live, the event is the configuration change from the running engine's \
                configuration to the file -c names (what baton config apply would do); with no event and \
                --previous OLD.yaml, from OLD.yaml to it (from --from's state or the steady one). It prints two \
                plans: the first, with the old configuration, stops what the change removes and what it restarts \
                (a resource whose agent or parameters changed, the members after it and the groups ordered after \
                its group); the second, with the new one, starts what is added and what was restarted, on the \
                node where it ran. A change to the cluster's name, nodes, heartbeat or tiebreaker is refused: those \
                need the engines restarted.

                Exit status: 0 when the plan was printed, 1 for an invalid configuration or state, 64 for a usage \
                error, 66 when a file cannot be read.
                """
        )

        /// Output formats.
        public enum Format: String, ExpressibleByArgument, CaseIterable, Sendable {
            /// Numbered steps for people.
            case text
            /// The documented JSON.
            case json
            /// Graphviz DOT.
            case dot
        }

        /// Which configuration to read.
        @OptionGroup public var options: ConfigOptions

        @Option(help: ArgumentHelp("The node is lost.", valueName: "node"), completion: NameCompletion.nodes) var fail:
            String?
        @Option(help: ArgumentHelp("The node joins (or returns).", valueName: "node"), completion: NameCompletion.nodes)
        var recover: String?
        @Option(
            help: ArgumentHelp("An administrator puts the node in standby.", valueName: "node"),
            completion: NameCompletion.nodes) var standby: String?
        @Option(
            help: ArgumentHelp("An administrator brings the node back online.", valueName: "node"),
            completion: NameCompletion.nodes) var online: String?
        @Option(
            name: .customLong("switch"),
            help: ArgumentHelp("An administrator moves the group (with --to).", valueName: "group"),
            completion: NameCompletion.groups)
        var switchGroup: String?
        @Option(
            help: ArgumentHelp("The node --switch moves the group to.", valueName: "node"),
            completion: NameCompletion.nodes) var to: String?
        @Option(
            name: .customLong("resource-fail"),
            help: ArgumentHelp(
                "The resource fails: RESOURCE[@NODE][:CODE]; the node defaults to where it runs, the code to 7 (not running).",
                valueName: "resource"), completion: NameCompletion.resources)
        var resourceFail: String?
        @Option(
            name: .customLong("stop"), help: ArgumentHelp("An administrator stops the group.", valueName: "group"),
            completion: NameCompletion.groups)
        var stopGroup: String?
        @Option(
            name: .customLong("start"), help: ArgumentHelp("An administrator starts the group.", valueName: "group"),
            completion: NameCompletion.groups)
        var startGroup: String?
        @Option(help: ArgumentHelp("Plan from this saved state instead of the steady state.", valueName: "state.json"))
        var from: String?
        @Flag(help: "Plan from the running engine's state, read through its control socket.") var live = false
        @Option(
            help: ArgumentHelp(
                "With no event: plan the change from this configuration to -c's.", valueName: "old.yaml"))
        var previous: String?
        @OptionGroup var locations: EngineLocations
        @Option(help: "Output format: text (the default), json (as --json) or dot.") var format: Format?

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Whether the event is a configuration change: no event, with `--live` or `--previous`.
        var changesConfiguration: Bool {
            [fail, recover, standby, online, switchGroup, resourceFail, stopGroup, startGroup].allSatisfy { $0 == nil }
                && (live || previous != nil)
        }

        /// Refuses anything but exactly one event, or a configuration change.
        public func validate() throws {
            let given = [fail, recover, standby, online, switchGroup, resourceFail, stopGroup, startGroup].compactMap {
                $0
            }
            if previous != nil, !given.isEmpty {
                throw ValidationError("--previous plans a configuration change: give no other event")
            }
            guard given.count == 1 || changesConfiguration else {
                throw ValidationError(
                    "give exactly one event: --fail, --recover, --standby, --online, --switch, --resource-fail, "
                        + "--stop or --start (or none, with --live or --previous, for a configuration change)")
            }
            if previous != nil, live {
                throw ValidationError("give --previous or --live: --live compares with the running configuration")
            }
            if live, from != nil { throw ValidationError("give --from or --live, not both") }
            if options.json, let format, format != .json {
                throw ValidationError("give --json or --format \(format.rawValue), not both")
            }
            if (switchGroup == nil) != (to == nil) {
                throw ValidationError("--switch GROUP needs --to NODE, and --to needs --switch")
            }
        }

        /// Prints the plan.
        public func run() async throws {
            try await emit(json: options.json) {
                guard live else { return try await output() }
                let socket = locations.socketPath
                let state = try await ControlClient.ask(ControlRequest(command: "status"), socket: socket).status?.state
                guard changesConfiguration else { return try await output(live: state) }
                let running = try await ControlClient.ask(ControlRequest(command: "configuration"), socket: socket)
                return try await output(live: state, previous: Array((running.message ?? "").utf8))
            }
        }

        /// The text `run` prints; `live` is the running engine's state, for `--live`, and `previous` its
        /// configuration file (else `--previous`'s), for a configuration change.
        public func output(live: ClusterState? = nil, previous running: [UInt8]? = nil) async throws -> String {
            let spec = try await options.specWithAgentTimeouts()
            if changesConfiguration {
                let path = previous ?? "the running configuration"
                let bytes = try running ?? ConfigFile.contents(of: path)
                let old = try await ConfigOptions.specWithAgentTimeouts(
                    ConfigLoader.load(bytes, file: path), at: path, agentsBeside: options.baseDirectory)
                let state = try live ?? from.map { try StateFile.read($0, for: old) } ?? ClusterState.steady(old)
                switch Reconfiguration.plans(from: old, to: spec, state: state) {
                case .success(let plans): return try render(plans)
                case .failure(let refusal):
                    throw CommandFailure(message: refusal.reason, status: ExitCode.validationFailure.rawValue)
                }
            }
            let state = try live ?? from.map { try StateFile.read($0, for: spec) } ?? ClusterState.steady(spec)
            let trigger = try self.trigger(spec, state)
            if let problem = trigger.problem(in: spec, state: state) {
                throw CommandFailure(message: problem, status: ExitCode.validationFailure.rawValue)
            }
            return try render([Planner.plan(spec, from: state, trigger: trigger)])
        }

        /// The plans in the format asked for: one after the other in text and DOT, a list in JSON when several.
        private func render(_ plans: [Plan]) throws -> String {
            switch options.json ? .json : format ?? .text {
            case .text: return plans.map(PlanRenderer.text).joined(separator: "\n")
            case .json: return plans.count == 1 ? JSONText.render(plans[0]) : JSONText.render(plans)
            case .dot:
                guard plans.count == 1 else {
                    throw ValidationError("--format dot draws one plan; a configuration change has two")
                }
                return PlanRenderer.dot(plans[0])
            }
        }

        private func trigger(_ spec: ClusterSpec, _ state: ClusterState) throws -> Trigger {
            if let fail { return .nodeLost(NodeName(fail)) }
            if let recover { return .nodeJoined(NodeName(recover)) }
            if let standby { return .standby(NodeName(standby)) }
            if let online { return .online(NodeName(online)) }
            if let switchGroup, let to { return .switchover(GroupName(switchGroup), to: NodeName(to)) }
            if let stopGroup { return .stopGroup(GroupName(stopGroup)) }
            if let startGroup { return .startGroup(GroupName(startGroup)) }
            let failure: ResourceFailure
            do {
                failure = try ResourceFailure(configText: resourceFail ?? "")
            } catch {
                throw ValidationError("\(error.message); \(error.hint)")
            }
            do throws(ValueError) {
                return try failure.trigger(in: spec, state: state)
            } catch {
                throw CommandFailure(message: error.message, status: ExitCode.validationFailure.rawValue)
            }
        }
    }
}
