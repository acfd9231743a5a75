import ArgumentParser
import BatonControl
import BatonCore

extension Baton {
    /// `baton config`.
    public struct Config: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "The configuration on a running cluster's nodes.", subcommands: [CheckNodes.self])

        public init() {}
    }
}

extension Baton.Config {
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
