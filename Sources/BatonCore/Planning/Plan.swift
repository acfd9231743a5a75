/// A graph of actions, each addressed to a node and ordered by the edges in ``PlannedAction/waits``.
///
/// Actions are numbered from 1 in an order that respects every edge; ``PlannedAction/step`` is the length of the
/// longest chain of edges leading to an action, so actions of one step may run in parallel.
public struct Plan: Hashable, Sendable {
    /// What the plan answers.
    public var trigger: Trigger
    /// The node that computes and coordinates the plan: the highest-priority node alive, then by name.
    public var senior: NodeName?
    /// The actions, numbered from 1 in execution order.
    public var actions: [PlannedAction]
    /// Where each group runs once the plan is done (`nil`: stopped), by name.
    public var placement: [GroupName: NodeName?]
    /// What the plan does not do, and why: blocked groups, groups that can run nowhere.
    public var notes: [String]
    /// How long the trigger takes to detect, and what sets that time.
    public var detection: Detection

    /// Creates a plan.
    public init(
        trigger: Trigger, senior: NodeName?, actions: [PlannedAction], placement: [GroupName: NodeName?],
        notes: [String],
        detection: Detection
    ) {
        self.trigger = trigger
        self.senior = senior
        self.actions = actions
        self.placement = placement
        self.notes = notes
        self.detection = detection
    }

    /// The action with that number.
    public func action(_ id: Int) -> PlannedAction { actions[id - 1] }

    /// The longest chain of action timeouts through the graph, and its actions in order.
    public var longestChain: (time: Duration, actions: [Int]) {
        var best: [(time: Duration, previous: Int?)] = []
        for action in actions {
            let previous = action.waits.max { best[$0.action - 1].time < best[$1.action - 1].time }?.action
            best.append((action.timeout + (previous.map { best[$0 - 1].time } ?? .zero), previous))
        }
        guard let end = best.indices.max(by: { best[$0].time < best[$1].time }) else { return (.zero, []) }
        var chain = [end + 1]
        while let previous = best[chain[0] - 1].previous { chain.insert(previous, at: 0) }
        return (best[end].time, chain)
    }

    /// Detection plus the longest chain: how long the trigger can take to be handled, at worst.
    public var budget: Duration { budget(chain: longestChain.time) }

    /// ``budget`` for a renderer that has computed ``longestChain`` already (it walks every action).
    func budget(chain: Duration) -> Duration { detection.time + chain }
}

/// How long a trigger takes to notice, and what sets that time ("deadtime").
public struct Detection: Hashable, Sendable {
    /// The time.
    public var time: Duration
    /// What sets it, in words.
    public var source: String

    /// Creates a detection time.
    public init(_ time: Duration, _ source: String) {
        self.time = time
        self.source = source
    }
}
