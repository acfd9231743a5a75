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
    /// The node a fence or fence-needed action is about (the action itself runs on another node).
    public var target: NodeName?
    /// How a fence action fences its target.
    public var fence: FencePlan?
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
    /// For a start: the lost node that ran the resource, whose fence (or, without fencing, confirmation) the start
    /// follows.
    public var replaces: NodeName?
    /// For a start that ``replaces`` a node: the senior found, as it sent the action, that the node is gone (fenced, or
    /// confirmed down on every link), so nothing can still answer for what it ran; a floating address needs no
    /// duplicate-address probe.
    public var holderGone = false

    /// Creates an action; the planner numbers actions, so tests and runners are the other callers.
    public init(
        id: Int, kind: ActionKind, node: NodeName, group: GroupName?, resource: ResourceName?, target: NodeName?,
        timeout: Duration, interval: Duration?, reason: String, waits: [Dependency], step: Int,
        fence: FencePlan? = nil
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
        self.fence = fence
    }

    /// `start vip on node2`: the name simulations and failure injection use.
    public var label: String {
        var text = ""
        label(into: &text)
        return text
    }

    /// Appends ``label`` to `text`, for renderers that write a plan into one string.
    func label(into text: inout String) {
        switch kind {
        case .fenceNeeded:
            text += "fence-needed "
            text += target?.rawValue ?? ""
        case .fence:
            text += "fence "
            text += target?.rawValue ?? ""
            guard let fence else { break }
            text += " ("
            text += fence.action.rawValue
            text += ") via "
            for (index, level) in fence.levels.enumerated() {
                if index > 0 { text += ", then " }
                text += level.map(\.rawValue).joined(separator: "+")
            }
        case .notify:
            text += "notify "
            text += group?.rawValue ?? ""
            text += " on "
            text += node.rawValue
        default:
            text += kind.rawValue
            text += " "
            text += resource?.rawValue ?? ""
            text += " on "
            text += node.rawValue
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
    /// A lost node must be confirmed dead before its resources start elsewhere. Without fencing, membership alone
    /// confirms it and this step succeeds at once; the plan shows where fencing would go.
    case fenceNeeded = "fence-needed"
    /// Power a node off (or reboot it) through its fence devices, so that what it ran may start elsewhere.
    case fence
    /// Run the administrator's event handler; never delays the plan.
    case notify
}

/// How a fence action fences its target: what it does, the devices level by level, and how long it waits first.
public struct FencePlan: Hashable, Sendable, Codable {
    /// `off` or `reboot`.
    public var action: FenceAction
    /// The target's fence levels in the order they are tried; every device of a level must succeed.
    public var levels: [[DeviceName]]
    /// How long the fencer waits before it starts: it holds fewer groups than its target, so in a fence race the
    /// target, which runs the groups, fences first.
    public var delay: Duration

    /// Creates a fence plan.
    public init(action: FenceAction, levels: [[DeviceName]], delay: Duration) {
        self.action = action
        self.levels = levels
        self.delay = delay
    }
}
