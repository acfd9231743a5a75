/// Where a group runs and how often it has been started.
public struct GroupState: Hashable, Sendable {
    /// The node the group runs on, or last ran on.
    public var node: NodeName?
    /// Raised on every start of the group; at a cold start the newest generation holds the newest data.
    public var generation: Int
    /// An administrator stopped the group (or `on-fail: stop` did); it stays stopped until started again.
    public var stopped: Bool
    /// The node an administrator switched the group to; `failback: auto` returns it there rather than to its first
    /// candidate.
    public var pinned: NodeName?
    /// Why Baton holds the stopped group back, when it does rather than an administrator: the newest data is on a
    /// node that is not here, or a member answers from another machine. A probe that finds its first member running
    /// ends the wait there (the group runs where it was found); so does `startGroup`.
    public var waiting: String?
    /// An administrator put the group in maintenance (`baton maintenance on GROUP`): Baton starts, stops and
    /// monitors none of its members, wherever they are, until `baton maintenance off GROUP`.
    public var maintenance: Bool
    /// Where the group starts again after a configuration change stopped it (or some of it): the node it ran on,
    /// rather than the one it would prefer. Forgotten once the new configuration's first plan ran.
    public var restartOn: NodeName?

    /// Creates a group state.
    public init(
        node: NodeName? = nil, generation: Int = 0, stopped: Bool = false, pinned: NodeName? = nil,
        waiting: String? = nil, maintenance: Bool = false
    ) {
        self.maintenance = maintenance
        self.node = node
        self.generation = generation
        self.stopped = stopped
        self.pinned = pinned
        self.waiting = waiting
    }
}
