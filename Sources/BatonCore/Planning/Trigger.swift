/// What happened, or what an administrator asked for: the input of a plan besides the configuration and the state.
public enum Trigger: Hashable, Sendable, CustomStringConvertible {
    /// A node is silent on every link for deadtime: confirmed dead by membership.
    case nodeLost(NodeName)
    /// A node is heard again, or for the first time.
    case nodeJoined(NodeName)
    /// An administrator puts a node in standby: its groups move away.
    case standby(NodeName)
    /// An administrator takes a node out of standby or maintenance.
    case online(NodeName)
    /// A resource's monitor (or another action) failed on a node with an OCF exit code.
    case resourceFailed(ResourceName, node: NodeName, code: Int)
    /// An administrator moves a group to a node.
    case switchover(GroupName, to: NodeName)
    /// An administrator stops a group.
    case stopGroup(GroupName)
    /// An administrator starts a stopped group.
    case startGroup(GroupName)
    /// An administrator has dealt with a resource's failures (`baton cleanup`): they are forgotten, and a blocked or
    /// failed resource counts as stopped.
    case cleanup(ResourceName)
    /// An administrator fences a node now (`baton fence NODE`): what it runs starts elsewhere once it is fenced.
    case fence(NodeName)
    /// An administrator swears a lost node is off (`baton fence confirm NODE`): what it ran counts as stopped, as if
    /// its fence had succeeded.
    case fenceConfirmed(NodeName)
    /// A node's heartbeats say it reaches a tiebreaker target again, or none any more.
    case tiebreaker(NodeName, reached: Bool)
    /// An administrator puts the cluster, a node or a group in maintenance (`on`), or takes it out: nothing there is
    /// started, stopped or monitored meanwhile; when it ends, what it covered is probed before anything is done.
    case maintenance(MaintenanceScope, on: Bool)
    /// A new configuration is about to take effect (`baton config apply`), planned with the old one: what it removes
    /// or restarts stops; nothing starts.
    case reconfiguration(ConfigurationChange)
    /// The new configuration took effect, planned with it: what it adds or restarted starts, a group that was
    /// restarted on the node where it ran.
    case reconfigured
    /// Actions of the previous plan failed; the state already holds their results.
    case replan(failed: [PlannedAction])
    /// The engines of the online nodes found each other (or one node's listening ended alone): nothing is known
    /// about what runs where, so every resource is probed on every online node before anything starts.
    case formed

    /// One line for plan headers and events.
    public var description: String {
        switch self {
        case .nodeLost(let node): "node \(node) lost"
        case .nodeJoined(let node): "node \(node) joined"
        case .standby(let node): "node \(node) put in standby"
        case .online(let node): "node \(node) back online"
        case .resourceFailed(let resource, let node, let code):
            "resource \(resource) failed on \(node) (\(OCFExitCode.describe(code)))"
        case .switchover(let group, let node): "switchover of \(group) to \(node)"
        case .stopGroup(let group): "administrator stops \(group)"
        case .startGroup(let group): "administrator starts \(group)"
        case .cleanup(let resource): "administrator cleans up \(resource)"
        case .fence(let node): "administrator fences \(node)"
        case .fenceConfirmed(let node): "administrator confirms \(node) is off"
        case .tiebreaker(let node, let reached):
            reached ? "node \(node) reaches the tiebreaker again" : "node \(node) reaches no tiebreaker target"
        case .maintenance(let scope, let on):
            "administrator \(on ? "puts" : "takes") \(scope) \(on ? "in" : "out of") maintenance"
        case .reconfiguration(let change): "configuration change: \(change)"
        case .reconfigured: "the new configuration took effect"
        case .replan(let failed): "re-plan after \(failed.map(\.label).joined(separator: ", ")) failed"
        case .formed: "the cluster formed"
        }
    }

    /// Why this trigger cannot be planned against `spec` and `state`, or `nil` when it can.
    public func problem(in spec: ClusterSpec, state: ClusterState) -> String? {
        func unknownNode(_ node: NodeName) -> String? {
            spec.node(named: node) == nil ? "unknown node '\(node)'" : nil
        }
        switch self {
        case .nodeLost(let node), .nodeJoined(let node), .standby(let node), .online(let node),
            .tiebreaker(let node, _):
            return unknownNode(node)
        case .resourceFailed(let resource, let node, _):
            guard spec.resources.contains(where: { $0.name == resource }) else {
                return "unknown resource '\(resource)'"
            }
            return unknownNode(node)
        case .cleanup(let resource):
            return spec.resources.contains(where: { $0.name == resource }) ? nil : "unknown resource '\(resource)'"
        case .switchover(let group, let node):
            guard let spec = spec.group(named: group) else { return "unknown group '\(group)'" }
            if let problem = unknownNode(node) { return problem }
            if let why = state.maintenance(of: spec) { return "\(group) is unmanaged: \(why)" }
            return spec.nodes == nil || spec.nodes!.contains(where: { $0.value == node })
                ? nil : "node '\(node)' is not among the nodes of group '\(group)'"
        case .stopGroup(let group), .startGroup(let group):
            guard let spec = spec.group(named: group) else { return "unknown group '\(group)'" }
            return state.maintenance(of: spec).map { "\(group) is unmanaged: \($0)" }
        case .fence(let node):
            if let problem = unknownNode(node) { return problem }
            return spec.fences ? nil : "fencing is not configured: cluster.yaml has no 'fencing:' devices in use"
        case .fenceConfirmed(let node):
            if let problem = unknownNode(node) { return problem }
            return state.status(of: node) == .lost
                ? nil
                : "\(node) is heard, so it is not off; stop what failed there and run 'baton cleanup RESOURCE'"
        case .maintenance(.cluster, _):
            return nil
        case .maintenance(.node(let node), _):
            return unknownNode(node)
        case .maintenance(.group(let group), _):
            return spec.group(named: group) == nil ? "unknown group '\(group)'" : nil
        case .reconfiguration(let change):
            return change.isLive
                ? nil
                : "\(change.fixed.joined(separator: ", ")) cannot change on a running cluster: restart the engines "
                    + "with the new file, one at a time"
        case .reconfigured, .replan, .formed:
            return nil
        }
    }
}

/// What `baton maintenance` covers.
public enum MaintenanceScope: Hashable, Sendable, CustomStringConvertible {
    /// Every node: nothing is started, stopped or monitored anywhere.
    case cluster
    /// One node: what runs there is left alone, and nothing new starts there.
    case node(NodeName)
    /// One group, wherever its members are.
    case group(GroupName)

    /// `the cluster`, `node NAME` or `group NAME`.
    public var description: String {
        switch self {
        case .cluster: "the cluster"
        case .node(let node): "node \(node)"
        case .group(let group): "group \(group)"
        }
    }

    /// What follows `baton maintenance on|off` on the command line: empty, ` --node NAME` or ` GROUP`.
    public var arguments: String {
        switch self {
        case .cluster: ""
        case .node(let node): " --node \(node)"
        case .group(let group): " \(group)"
        }
    }
}
