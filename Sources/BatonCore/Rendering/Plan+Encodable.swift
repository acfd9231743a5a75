/// The JSON form of a plan, documented in baton(8). Durations are integers of milliseconds, in keys ending in `Ms`
/// (`timeoutMs`); lists keep
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
        var timeoutMs: Int64
        var intervalMs: Int64?
        var fence: EncodedFence?
        var reason: String
        var after: [EncodedEdge]?
    }

    private struct EncodedFence: Encodable {
        var action: String
        var levels: [[String]]
        var delayMs: Int64
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
        var detectionMs: Int64
        var detectionSource: String
        var longestChainMs: Int64
        var longestChainActions: [Int]
        var totalMs: Int64
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
                    group: $0.group?.rawValue, resource: $0.resource?.rawValue, timeoutMs: $0.timeout.wholeMilliseconds,
                    intervalMs: $0.interval?.wholeMilliseconds,
                    fence: $0.fence.map {
                        EncodedFence(
                            action: $0.action.rawValue, levels: $0.levels.map { $0.map(\.rawValue) },
                            delayMs: $0.delay.wholeMilliseconds)
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
                detectionMs: detection.time.wholeMilliseconds, detectionSource: detection.source,
                longestChainMs: chain.time.wholeMilliseconds, longestChainActions: chain.actions,
                totalMs: budget(chain: chain.time).wholeMilliseconds), forKey: .budget)
    }
}
