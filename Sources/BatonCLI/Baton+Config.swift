import ArgumentParser
import BatonConfig
import BatonControl
import BatonCore

extension Baton {
    /// `baton config`.
    public struct Config: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "The configuration as Baton reads it, and on a running cluster's nodes.",
            subcommands: [Show.self, Apply.self, CheckNodes.self])

        public init() {}
    }
}

extension Baton.Config {
    /// `baton config show`.
    public struct Show: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Print the configuration with every default filled in, and where each value came from.",
            discussion: """
                Prints the configuration the engine would run, as YAML that baton validate accepts, with every \
                value that the file leaves out filled in, and after each value where it came from: the file's \
                line and column, "default", how a default is derived (warntime from interval and deadtime), or \
                "the agent's meta-data" for a timeout the agent recommends (read from the agents installed on \
                this machine, as baton plan and the engine read them). --json prints [{path, value, source}], \
                where a path is like heartbeat.deadtime or resources.db.timeouts.start. An invalid file is \
                refused with its errors, as baton validate prints them.
                """)

        @OptionGroup var options: ConfigOptions

        public init() {}

        public func run() async throws {
            try await emit(json: options.json) { try await output() }
        }

        /// The text `run` prints.
        func output() async throws -> String {
            let spec = try options.validSpec()
            let timed = try await options.specWithAgentTimeouts()
            guard
                let shown = EffectiveConfiguration(
                    spec: spec, timed: timed, bytes: try ConfigFile.contents(of: options.path), file: options.path)
            else { throw CommandFailure(message: "\(options.path) holds no configuration", status: 1) }
            return options.json ? JSONText.render(shown.entries) : shown.text
        }
    }

    /// `baton config apply FILE`.
    public struct Apply: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Give the running cluster a new configuration, touching only what changed.",
            discussion: """
                Checks FILE as baton validate does, then hands it to this node's engine, which checks it again \
                and passes it to the senior node. The senior has every live node fetch and check it, then stops \
                with the old configuration what the change removes or restarts (a resource whose agent or \
                parameters changed, the members after it and the groups ordered after its group), has every \
                node write the file over its configuration file (the old one kept beside it as FILE.previous) \
                and run with it, and starts what is added and what was restarted, on the node where it ran. \
                Timeouts, monitors, failure handling, placement, order, colocation, fencing and the event handler \
                change without stopping anything. A change to the cluster's name, its nodes, the heartbeat or the \
                tiebreaker is refused: restart the engines with the new file, one at a time. A node that is \
                down takes the new file when it is heard again, before it joins. SIGHUP to an engine does the \
                same with that engine's own file. baton plan -c FILE --live prints what it would do. --wait \
                returns once it is done, with whether every node heard runs it (exit 1 when not).
                """)

        @OptionGroup var client: ControlClient
        @OptionGroup var waiting: WaitOption
        @Argument(help: ArgumentHelp("The new configuration.", valueName: "file")) var file: String

        public init() {}

        public func run() async throws {
            try await emit(json: client.options.json) {
                let path = ConfigOptions.absolute(file)
                _ = try ConfigOptions.validSpec(
                    ConfigLoader.load(try ConfigFile.contents(of: path), file: file), at: file)
                let answer = try await client.ask(
                    ControlRequest(command: "config-apply", wait: waiting.requested, path: path))
                return client.options.json ? JSONText.render(answer) : (answer.message ?? "done") + "\n"
            }
        }
    }

    /// `baton config check-nodes`.
    public struct CheckNodes: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "check-nodes",
            abstract: "Say whether every node this one hears runs the same cluster.yaml.",
            discussion: """
                Asks this node's engine. Every heartbeat carries a digest of its sender's cluster.yaml (comments and \
                blank lines left out) and of each of its sections: a node that hears a peer is told whether the \
                peer's file is the same, and if not, which sections differ. A node not heard now is unknown. Exits \
                1 when a node that is heard runs another configuration, else 0. --json prints [{node, \
                configuration: "this", "same", "other" or "unknown", sections}].
                """)

        @OptionGroup var client: ControlClient

        public init() {}

        /// One node's answer.
        struct Node: Codable, Hashable {
            var node: String
            /// `this`, `same`, `other` or `unknown`.
            var configuration: String
            /// The sections that differ, when known.
            var sections: [String]?
        }

        public func run() async throws {
            var differs = false
            try await emit(json: client.options.json) {
                let status = try await client.ask(ControlRequest(command: "status")).status!
                let nodes = Self.compare(status)
                differs = nodes.contains { $0.configuration == "other" }
                return client.options.json ? JSONText.render(nodes) : Self.text(nodes)
            }
            if differs { throw ExitCode(1) }
        }

        /// What this node knows of every node's configuration.
        static func compare(_ status: StatusReport) -> [Node] {
            [Node(node: status.node, configuration: "this")]
                + status.peers.map { peer in
                    guard peer.state == "alive" else { return Node(node: peer.name, configuration: "unknown") }
                    guard let sections = status.mismatched[peer.name] else {
                        return Node(node: peer.name, configuration: "same")
                    }
                    return Node(node: peer.name, configuration: "other", sections: sections)
                }
        }

        static func text(_ nodes: [Node]) -> String {
            nodes.map { node in
                switch node.configuration {
                case "this": "\(node.node): this node"
                case "same": "\(node.node): the same configuration"
                case "other":
                    "\(node.node): ANOTHER CONFIGURATION"
                        + (node.sections.map { $0.isEmpty ? "" : " (\($0.joined(separator: ", ")) differ)" } ?? "")
                        + "; it takes no part in plans"
                default: "\(node.node): not heard, unknown"
                }
            }.joined(separator: "\n") + "\n"
        }
    }
}
