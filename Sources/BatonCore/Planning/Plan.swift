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
    public var detection: (time: Duration, source: String)

    /// Creates a plan.
    public init(
        trigger: Trigger, senior: NodeName?, actions: [PlannedAction], placement: [GroupName: NodeName?],
        notes: [String],
        detection: (time: Duration, source: String)
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
    public var budget: Duration { detection.time + longestChain.time }

    /// Plans are equal when their content is; the detection tuple is compared field by field.
    public static func == (lhs: Plan, rhs: Plan) -> Bool {
        lhs.trigger == rhs.trigger && lhs.senior == rhs.senior && lhs.actions == rhs.actions
            && lhs.placement == rhs.placement
            && lhs.notes == rhs.notes && lhs.detection.time == rhs.detection.time
            && lhs.detection.source == rhs.detection.source
    }

    /// Hashes the plan's content.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(trigger)
        hasher.combine(actions)
        hasher.combine(notes)
    }
}

/// One action of a plan.
public struct PlannedAction: Hashable, Sendable, Identifiable {
    /// The action's number in its plan, from 1.
    public var id: Int
    /// What to do.
    public var kind: ActionKind
    /// Where.
    public var node: NodeName
    /// The group the action serves, if any.
    public var group: GroupName?
    /// The resource acted on, if any.
    public var resource: ResourceName?
    /// The node a fence-needed action is about (the action itself runs on the senior node).
    public var target: NodeName?
    /// How long the action may take.
    public var timeout: Duration
    /// The period of a recurring monitor.
    public var interval: Duration?
    /// Why the action is in the plan, in words.
    public var reason: String
    /// The actions that must succeed first, each with why.
    public var waits: [Dependency]
    /// The longest chain of edges leading here; actions with the same step may run in parallel.
    public var step: Int

    /// Creates an action; the planner numbers actions, so tests and runners are the other callers.
    public init(
        id: Int, kind: ActionKind, node: NodeName, group: GroupName?, resource: ResourceName?, target: NodeName?,
        timeout: Duration, interval: Duration?, reason: String, waits: [Dependency], step: Int
    ) {
        self.id = id
        self.kind = kind
        self.node = node
        self.group = group
        self.resource = resource
        self.target = target
        self.timeout = timeout
        self.interval = interval
        self.reason = reason
        self.waits = waits
        self.step = step
    }

    /// `start vip on node2`: the name simulations and failure injection use.
    public var label: String {
        switch kind {
        case .fenceNeeded: "fence-needed \(target.map(\.rawValue) ?? "")"
        case .notify: "notify \(group.map(\.rawValue) ?? "") on \(node)"
        default: "\(kind.rawValue) \(resource.map(\.rawValue) ?? "") on \(node)"
        }
    }
}

/// An edge of a plan: the action that must succeed first, and why.
public struct Dependency: Hashable, Sendable {
    /// The number of the action waited for.
    public var action: Int
    /// Why: "group order", "order web after db", "probe", "stop before start".
    public var why: String

    /// Creates an edge.
    public init(action: Int, why: String) {
        self.action = action
        self.why = why
    }
}

/// The kinds of action a plan holds.
public enum ActionKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// Ask the agent whether the resource runs on a node (a one-off monitor), so nothing runs twice.
    case probe
    /// Start the resource.
    case start
    /// Stop the resource.
    case stop
    /// Start the resource's recurring monitor.
    case monitor
    /// Cancel the resource's recurring monitor before it is stopped.
    case cancelMonitor = "cancel-monitor"
    /// A lost node must be confirmed dead before its resources start elsewhere. Until fencing exists, membership alone
    /// confirms it and this step succeeds at once; the plan shows where fencing will go.
    case fenceNeeded = "fence-needed"
    /// Run the administrator's event handler; never delays the plan.
    case notify
}
