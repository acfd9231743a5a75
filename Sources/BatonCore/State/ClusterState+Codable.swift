/// The JSON form of a state, documented in baton(8): `time` in milliseconds, and `nodes`, `groups` and `resources`
/// as arrays sorted by name. Fields left out take their defaults, so a hand-written state can be short.
extension ClusterState: Codable {
    private enum Keys: String, CodingKey {
        case time, nodes, groups, resources
    }

    private struct NamedNode: Codable {
        var name: NodeName
        var status: NodeStatus?
        var role: NodeRole?
        /// `needed` or `failed`, with `fenceReason`.
        var fence: String?
        var fenceReason: String?
        /// `true` when the node reaches no tiebreaker target; left out otherwise.
        var tiebreakerLost: Bool?
        /// `true` when the node is in maintenance; left out otherwise.
        var maintenance: Bool?
        /// When it was last heard again after a loss, in milliseconds.
        var heardSince: Timestamp?
    }

    private struct NamedGroup: Codable {
        var name: GroupName
        var node: NodeName?
        var generation: Int?
        var stopped: Bool?
        var pinned: NodeName?
        var waiting: String?
        /// `true` when the group is in maintenance; left out otherwise.
        var maintenance: Bool?
        /// Where it starts again after a configuration change.
        var restartOn: NodeName?
    }

    private struct NamedResource: Codable {
        var name: ResourceName
        var status: ResourceStatus?
        var node: NodeName?
        var failures: [Failure]?
    }

    /// Decodes the documented JSON form.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.init(time: try container.decodeIfPresent(Timestamp.self, forKey: .time) ?? Timestamp(milliseconds: 0))
        for node in try container.decodeIfPresent([NamedNode].self, forKey: .nodes) ?? [] {
            let reason = node.fenceReason ?? ""
            let fence: FenceStatus?
            switch node.fence {
            case nil: fence = nil
            case "needed": fence = .needed(reason)
            case "failed": fence = .failed(reason)
            case let other?:
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: [Keys.nodes],
                        debugDescription: "fence of node '\(node.name)' is '\(other)', "
                            + "not 'needed' or 'failed'"))
            }
            nodes[node.name] = NodeState(
                status: node.status ?? .online, role: node.role ?? .undefined, fence: fence,
                tiebreakerLost: node.tiebreakerLost ?? false, maintenance: node.maintenance ?? false,
                heardSince: node.heardSince)
        }
        for group in try container.decodeIfPresent([NamedGroup].self, forKey: .groups) ?? [] {
            groups[group.name] = GroupState(
                node: group.node, generation: group.generation ?? 0, stopped: group.stopped ?? false,
                pinned: group.pinned, waiting: group.waiting, maintenance: group.maintenance ?? false)
            groups[group.name]?.restartOn = group.restartOn
        }
        for resource in try container.decodeIfPresent([NamedResource].self, forKey: .resources) ?? [] {
            resources[resource.name] = ResourceState(
                status: resource.status ?? .stopped, node: resource.node, failures: resource.failures ?? [])
        }
    }

    /// Encodes the documented JSON form, every list sorted by name.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(time, forKey: .time)
        try container.encode(
            nodes.sorted { $0.key < $1.key }.map {
                NamedNode(
                    name: $0.key, status: $0.value.status, role: $0.value.role, fence: $0.value.fence?.name,
                    fenceReason: $0.value.fence?.reason, tiebreakerLost: $0.value.tiebreakerLost ? true : nil,
                    maintenance: $0.value.maintenance ? true : nil, heardSince: $0.value.heardSince)
            },
            forKey: .nodes)
        try container.encode(
            groups.sorted { $0.key < $1.key }.map {
                NamedGroup(
                    name: $0.key, node: $0.value.node, generation: $0.value.generation, stopped: $0.value.stopped,
                    pinned: $0.value.pinned, waiting: $0.value.waiting, maintenance: $0.value.maintenance ? true : nil,
                    restartOn: $0.value.restartOn)
            }, forKey: .groups)
        try container.encode(
            resources.sorted { $0.key < $1.key }.map {
                NamedResource(name: $0.key, status: $0.value.status, node: $0.value.node, failures: $0.value.failures)
            }, forKey: .resources)
    }
}

extension FenceStatus {
    /// `needed` or `failed`, as the JSON form writes it.
    var name: String {
        switch self {
        case .needed: "needed"
        case .failed: "failed"
        }
    }
}

extension ClusterState {
    /// Names in this state that the configuration does not define, as messages; a state from another cluster or an
    /// older config cannot be planned from.
    public func unknownNames(in spec: ClusterSpec) -> [String] {
        let nodeNames = Set(spec.nodes.map(\.name))
        let groupNames = Set(spec.groups.map(\.name))
        let resourceNames = Set(spec.resources.map(\.name))
        var problems: [String] = []
        problems += nodes.keys.filter { !nodeNames.contains($0) }.sorted().map { "unknown node '\($0)'" }
        problems += groups.keys.filter { !groupNames.contains($0) }.sorted().map { "unknown group '\($0)'" }
        problems += resources.keys.filter { !resourceNames.contains($0) }.sorted().map { "unknown resource '\($0)'" }
        for (name, resource) in resources.sorted(by: { $0.key < $1.key }) {
            let mentioned = [resource.node].compactMap { $0 } + resource.failures.map(\.node)
            problems += mentioned.filter { !nodeNames.contains($0) }.map {
                "resource '\(name)' names unknown node '\($0)'"
            }
        }
        for (name, group) in groups.sorted(by: { $0.key < $1.key }) {
            let mentioned = [group.node, group.pinned].compactMap { $0 }
            problems += mentioned.filter { !nodeNames.contains($0) }.map {
                "group '\(name)' names unknown node '\($0)'"
            }
        }
        return problems
    }
}
