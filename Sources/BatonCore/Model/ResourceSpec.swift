/// One thing an agent manages: an address, a mount, a service.
public struct ResourceSpec: Hashable, Sendable {
    /// What Baton does when a running resource fails its monitor.
    public enum OnFail: String, Hashable, Sendable, CaseIterable {
        /// Restart it in place, up to `max-restarts` within `restart-window`, then fail over.
        case restart
        /// Move the whole group to the next node at once.
        case failover
        /// Stop the group and leave it stopped.
        case stop
        /// Record the failure and do nothing.
        case ignore
    }

    /// The time Baton gives `start` and `stop` when none is written.
    public static var defaultActionTimeout: Duration { .seconds(20) }
    /// Failures tolerated in `restartWindow` before the group moves, when none is written.
    public static var defaultMaxRestarts: Int { 3 }
    /// The window over which restarts are counted, when none is written.
    public static var defaultRestartWindow: Duration { .seconds(600) }

    /// The resource's name, unique in the cluster.
    public var name: ResourceName
    /// The agent that manages it.
    public var agent: Located<AgentReference>
    /// The agent's parameters, in file order.
    public var parameters: [Parameter]
    /// How long `start` may take.
    public var startTimeout: Located<Duration>
    /// How long `stop` may take.
    public var stopTimeout: Located<Duration>
    /// The actions whose timeout the configuration writes; the others have the default, which an agent's
    /// meta-data may replace.
    public var writtenTimeouts: Set<ActionKind>
    /// The recurring monitor; `nil` when written `monitor: off`.
    public var monitor: MonitorSettings?
    /// What to do when the monitor fails.
    public var onFail: OnFail
    /// Restarts tolerated within `restartWindow`; `nil` when not written (then ``defaultMaxRestarts``).
    public var maxRestarts: Located<Int>?
    /// The window over which restarts are counted.
    public var restartWindow: Located<Duration>
    /// How long a failure keeps counting (Pacemaker's `failure-timeout`); `nil`: until `baton cleanup`. A failed stop
    /// never expires: the resource may still run there.
    public var failureTimeout: Located<Duration>?
    /// Where the resource's name is written.
    public var location: SourceLocation

    /// Creates a resource; unwritten settings take the defaults of DESIGN §3.
    public init(
        name: ResourceName, agent: Located<AgentReference>, parameters: [Parameter] = [],
        startTimeout: Located<Duration>? = nil, stopTimeout: Located<Duration>? = nil,
        monitor: MonitorSettings? = MonitorSettings(), onFail: OnFail = .restart, maxRestarts: Located<Int>? = nil,
        restartWindow: Located<Duration>? = nil, failureTimeout: Located<Duration>? = nil,
        at location: SourceLocation
    ) {
        self.name = name
        self.agent = agent
        self.parameters = parameters
        self.startTimeout = startTimeout ?? Located(Self.defaultActionTimeout, at: location)
        self.stopTimeout = stopTimeout ?? Located(Self.defaultActionTimeout, at: location)
        var written: Set<ActionKind> = []
        if startTimeout != nil { written.insert(.start) }
        if stopTimeout != nil { written.insert(.stop) }
        self.writtenTimeouts = written
        self.monitor = monitor
        self.onFail = onFail
        self.maxRestarts = maxRestarts
        self.restartWindow = restartWindow ?? Located(Self.defaultRestartWindow, at: location)
        self.failureTimeout = failureTimeout
        self.location = location
    }

    /// When `failure` stops counting, if it ever does (``failureTimeout``; never for a failed stop).
    public func expiry(of failure: Failure) -> Timestamp? {
        guard let timeout = failureTimeout?.value, failure.action != "stop" else { return nil }
        return failure.time.advanced(by: timeout)
    }

    /// Whether `failure` no longer counts at `now`.
    public func hasExpired(_ failure: Failure, at now: Timestamp) -> Bool {
        expiry(of: failure).map { $0 <= now } ?? false
    }

    /// The restart limit in force: the written one, or ``defaultMaxRestarts``.
    public var effectiveMaxRestarts: Int { maxRestarts?.value ?? Self.defaultMaxRestarts }

    /// The value of the parameter of that name, if written.
    public func parameter(_ name: String) -> String? {
        written(name)?.value
    }

    /// The parameter of that name, with where it is written, if it is.
    public func written(_ name: String) -> Parameter? {
        parameters.first { $0.name == name }
    }
}

/// One agent parameter as written: it reaches the agent as `OCF_RESKEY_<name>`, never through a shell.
public struct Parameter: Hashable, Sendable {
    /// The parameter's name.
    public var name: String
    /// Its value, as text.
    public var value: String
    /// Where the name is written.
    public var location: SourceLocation
    /// Where the value is written.
    public var valueLocation: SourceLocation

    /// Creates a parameter.
    public init(name: String, value: String, at location: SourceLocation, valueAt valueLocation: SourceLocation) {
        self.name = name
        self.value = value
        self.location = location
        self.valueLocation = valueLocation
    }
}

/// The recurring health check of a running resource.
public struct MonitorSettings: Hashable, Sendable {
    /// The period when none is written.
    public static var defaultInterval: Duration { .seconds(10) }
    /// The timeout when none is written.
    public static var defaultTimeout: Duration { .seconds(30) }

    /// How often the monitor runs.
    public var interval: Located<Duration>?
    /// How long one run may take.
    public var timeout: Located<Duration>?
    /// How deep the recurring monitor checks: OCF's `OCF_CHECK_LEVEL` (Pacemaker's `depth`); 0 when not written.
    /// Probes always check at depth 0.
    public var depth: Located<Int>?

    /// Creates monitor settings; `nil` takes the default.
    public init(interval: Located<Duration>? = nil, timeout: Located<Duration>? = nil, depth: Located<Int>? = nil) {
        self.interval = interval
        self.timeout = timeout
        self.depth = depth
    }

    /// The period in force.
    public var effectiveInterval: Duration { interval?.value ?? Self.defaultInterval }
    /// The timeout in force.
    public var effectiveTimeout: Duration { timeout?.value ?? Self.defaultTimeout }
    /// The depth in force.
    public var effectiveDepth: Int { depth?.value ?? 0 }
}
