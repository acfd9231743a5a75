/// The JSON form of a plan, documented in baton(8). Durations are written as in cluster.yaml (`20s`); lists keep
/// the plan's order, and placement is sorted by group name. Keys whose value would be empty or null are left out.
extension Plan: Encodable {
    private enum Keys: String, CodingKey {
        case trigger, senior, actions, placement, notes, budget
    }

    private struct EncodedAction: Encodable {
        var id: Int
        var step: Int
        var action: String
        var node: String
        var target: String?
        var group: String?
        var resource: String?
        var timeout: String
        var interval: String?
        var fence: EncodedFence?
        var reason: String
        var after: [EncodedEdge]?
    }

    private struct EncodedFence: Encodable {
        var action: String
        var levels: [[String]]
        var delay: String
    }

    private struct EncodedEdge: Encodable {
        var id: Int
        var why: String
    }

    private struct EncodedPlacement: Encodable {
        var group: String
        var node: String?
    }

    private struct EncodedBudget: Encodable {
        var detection: String
        var detectionSource: String
        var longestChain: String
        var longestChainActions: [Int]
        var total: String
    }

    /// Encodes the documented JSON form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(trigger.description, forKey: .trigger)
        try container.encodeIfPresent(senior?.rawValue, forKey: .senior)
        try container.encode(
            actions.map {
                EncodedAction(
                    id: $0.id, step: $0.step, action: $0.kind.rawValue, node: $0.node.rawValue,
                    target: $0.target?.rawValue,
                    group: $0.group?.rawValue, resource: $0.resource?.rawValue, timeout: $0.timeout.configText,
                    interval: $0.interval?.configText,
                    fence: $0.fence.map {
                        EncodedFence(
                            action: $0.action.rawValue, levels: $0.levels.map { $0.map(\.rawValue) },
                            delay: $0.delay.configText)
                    }, reason: $0.reason,
                    after: $0.waits.isEmpty ? nil : $0.waits.map { EncodedEdge(id: $0.action, why: $0.why) })
            }, forKey: .actions)
        try container.encode(
            placement.sorted { $0.key < $1.key }.map {
                EncodedPlacement(group: $0.key.rawValue, node: $0.value?.rawValue)
            },
            forKey: .placement)
        if !notes.isEmpty { try container.encode(notes, forKey: .notes) }
        let chain = longestChain
        try container.encode(
            EncodedBudget(
                detection: detection.time.configText, detectionSource: detection.source,
                longestChain: chain.time.configText,
                longestChainActions: chain.actions, total: budget(chain: chain.time).configText), forKey: .budget)
    }
}
