/// What an agent is asked to do.
public enum AgentAction: Sendable, Hashable, CustomStringConvertible {
    /// Start the resource; succeeds when it already runs.
    case start
    /// Stop the resource; succeeds when it is already stopped.
    case stop
    /// Check the resource. An interval of zero is a probe (a one-off check); the depth is `OCF_CHECK_LEVEL`.
    case monitor(interval: Duration, depth: Int)
    /// Print the agent's meta-data XML.
    case metaData
    /// Check the parameters; depth 0 checks them alone, 10 also the machine.
    case validateAll(depth: Int)

    /// A one-off monitor, asking whether the resource runs here.
    public static var probe: Self { .monitor(interval: .zero, depth: 0) }

    /// The action's name as agents take it: `start`, `monitor`, `meta-data`, `validate-all`.
    public var name: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .monitor: "monitor"
        case .metaData: "meta-data"
        case .validateAll: "validate-all"
        }
    }

    /// `monitor` or `probe`, as people say it.
    public var description: String {
        if case .monitor(let interval, _) = self, interval == .zero { return "probe" }
        return name
    }

    /// Whether this is a probe: a monitor with no interval.
    public var isProbe: Bool {
        if case .monitor(let interval, _) = self { return interval == .zero }
        return false
    }

    /// Parses an action as `baton agent exec` takes it: `start`, `stop`, `monitor`, `probe`, `meta-data`,
    /// `validate-all`.
    public init?(command: String, interval: Duration, depth: Int) {
        switch command {
        case "start": self = .start
        case "stop": self = .stop
        case "monitor", "status": self = .monitor(interval: interval, depth: depth)
        case "probe": self = .probe
        case "meta-data": self = .metaData
        case "validate-all": self = .validateAll(depth: depth)
        default: return nil
        }
    }
}
