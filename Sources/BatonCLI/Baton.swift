import ArgumentParser

/// The `baton` command: one binary for every job, from checking a config to running a node.
public struct Baton: AsyncParsableCommand {
    /// The root command's description and subcommands.
    public static let configuration = CommandConfiguration(
        commandName: "baton",
        abstract: "Keep resource groups running on exactly one node, and hand them over when a node fails.",
        discussion: """
            Baton reads one cluster.yaml (see cluster.yaml(5)): the nodes with every network link, the \
            resource groups and the order between them. Every command takes -c/--config FILE; without it Baton \
            reads ./cluster.yaml, then /etc/baton/cluster.yaml.
            """,
        version: "0.1.0",
        subcommands: [
            Validate.self, PlanCommand.self, Simulate.self, AgentCommand.self, Run.self, Status.self, Events.self,
            Switch.self, Unmove.self, Standby.self, Online.self, Cleanup.self, Stop.self, Start.self,
            Maintenance.self, Fence.self, Keygen.self,
            Config.self, Demo.self,
            DemoService.self,
        ]
    )

    /// Creates the root command; ArgumentParser calls this.
    public init() {}
}
