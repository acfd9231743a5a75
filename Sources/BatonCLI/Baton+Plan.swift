import ArgumentParser
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

        @Option(help: ArgumentHelp("The node is lost.", valueName: "node")) var fail: String?
        @Option(help: ArgumentHelp("The node joins (or returns).", valueName: "node")) var recover: String?
        @Option(help: ArgumentHelp("An administrator puts the node in standby.", valueName: "node")) var standby:
            String?
        @Option(help: ArgumentHelp("An administrator brings the node back online.", valueName: "node")) var online:
            String?
        @Option(
            name: .customLong("switch"),
            help: ArgumentHelp("An administrator moves the group (with --to).", valueName: "group"))
        var switchGroup: String?
        @Option(help: ArgumentHelp("The node --switch moves the group to.", valueName: "node")) var to: String?
        @Option(
            name: .customLong("resource-fail"),
            help: ArgumentHelp(
                "The resource fails: RESOURCE[@NODE][:CODE]; the node defaults to where it runs, the code to 7 (not running).",
                valueName: "resource"))
        var resourceFail: String?
        @Option(name: .customLong("stop"), help: ArgumentHelp("An administrator stops the group.", valueName: "group"))
        var stopGroup: String?
        @Option(
            name: .customLong("start"), help: ArgumentHelp("An administrator starts the group.", valueName: "group"))
        var startGroup: String?
        @Option(help: ArgumentHelp("Plan from this saved state instead of the steady state.", valueName: "state.json"))
        var from: String?
        @Flag(help: "Plan from the running engine's state, read through its control socket.") var live = false
        @OptionGroup var locations: EngineLocations
        @Option(help: "Output format: text (the default), json (as --json) or dot.") var format: Format?

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Refuses anything but exactly one event.
        public func validate() throws {
            let given = [fail, recover, standby, online, switchGroup, resourceFail, stopGroup, startGroup].compactMap {
                $0
            }
            guard given.count == 1 else {
                throw ValidationError(
                    "give exactly one event: --fail, --recover, --standby, --online, --switch, --resource-fail, --stop or --start"
                )
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
                let live =
                    live
                    ? try await ControlClient.ask(ControlRequest(command: "status"), socket: locations.socketPath)
                        .status?.state : nil
                return try await output(live: live)
            }
        }

        /// The text `run` prints; `live` is the running engine's state, for `--live`.
        public func output(live: ClusterState? = nil) async throws -> String {
            let spec = try await options.specWithAgentTimeouts()
            let state = try live ?? from.map { try StateFile.read($0, for: spec) } ?? ClusterState.steady(spec)
            let trigger = try self.trigger(spec, state)
            if let problem = trigger.problem(in: spec, state: state) {
                throw CommandFailure(message: problem, status: ExitCode.validationFailure.rawValue)
            }
            let plan = Planner.plan(spec, from: state, trigger: trigger)
            switch options.json ? .json : format ?? .text {
            case .text: return PlanRenderer.text(plan)
            case .json: return JSONText.render(plan)
            case .dot: return PlanRenderer.dot(plan)
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
