import ArgumentParser
import BatonConfig
import BatonCore

extension Baton {
    /// `baton simulate`: play a list of events on the real planner and executor, with simulated agents.
    public struct Simulate: AsyncParsableCommand {
        /// The command's description.
        public static let configuration = CommandConfiguration(
            abstract: "Play a scenario of events and show each plan, its run, the re-plans and the state.",
            discussion: """
                SCENARIO is a YAML file: 'events:', a list in which each item names one event — node-lost: NODE, \
                node-joined: NODE, standby: NODE, online: NODE, resource-failed: RESOURCE[@NODE][:CODE] (the node \
                defaults to where the resource runs, the code to 7), switchover: {group: GROUP, to: NODE}, \
                stop-group: GROUP, start-group: GROUP — and may add 'at: DURATION' (from the start; default one \
                second after the previous event) and 'fail: [ACTION, ...]', actions that fail the first time they \
                run, written as plans label them ('start db on node2'), or {action: ..., code: N} for an exit code \
                other than 1 (0 to 255). A scenario is checked whole: an event that names what the configuration \
                lacks, a fail: label that no action of its event's plans has, an 'at' earlier than the event \
                before it and a code out of range are all reported at once, each at its line and column.

                Each plan runs on the real executor with simulated agents: every action succeeds and every probe \
                finds nothing running, except the injected failures. After a failure the engine's re-plan is made \
                and run, up to 5 times per event. --json prints [{event, time, rounds: [{plan, results: [{id, \
                status, code, timedOut, injected, skippedBecause}]}], state}], with plan and state as in \
                'baton plan --format json' and 'baton plan --from'. cluster-state(5) documents both formats.
                """
        )

        /// Which configuration to read, and how to print.
        @OptionGroup public var options: ConfigOptions

        @Argument(help: ArgumentHelp("The scenario file.", valueName: "scenario")) var scenario: String
        @Option(help: ArgumentHelp("Start from this saved state instead of the steady state.", valueName: "state.json"))
        var from: String?

        /// Creates the command; ArgumentParser calls this.
        public init() {}

        /// Plays the scenario and prints it.
        public func run() async throws {
            try await emit(json: options.json, output)
        }

        /// The text `run` prints.
        public func output() async throws -> String {
            let spec = try await options.specWithAgentTimeouts()
            let state = try from.map { try StateFile.read($0, for: spec) } ?? ClusterState.steady(spec)
            let loaded = ScenarioLoader.load(try ConfigFile.contents(of: scenario), file: scenario)
            guard let events = loaded.scenario else {
                throw CommandFailure(message: loaded.diagnostics.map(\.description).joined(separator: "\n"), status: 1)
            }
            let steps: [Simulator.Step]
            do {
                steps = try await Simulator(spec: spec).play(events, from: state)
            } catch {
                throw CommandFailure(message: error.description, status: 1)
            }
            return options.json ? JSONText.render(steps) : SimulationRenderer.text(steps, spec)
        }
    }
}
