import BatonCore

/// What an agent's meta-data says about it: its parameters and its actions.
///
/// Read leniently, as real agents need: unknown elements are skipped, a DOCTYPE is never fetched, a top-level
/// `longdesc` is accepted, and timeouts may be written `20s` or `20`.
public struct AgentMetadata: Sendable, Hashable {
    /// One parameter the agent takes.
    public struct Parameter: Sendable, Hashable {
        /// The parameter's name.
        public var name: String
        /// Whether a resource must set it.
        public var isRequired: Bool
        /// Whether its value must differ between resources of this agent.
        public var isUnique: Bool
        /// `string`, `integer`, `boolean` or `select`.
        public var type: String
        /// The default value, if the agent declares one.
        public var defaultValue: String?
        /// The one-line description.
        public var summary: String
        /// Whether the agent keeps it only for old configurations (fence agents: `ipaddr`, which `ip` replaces).
        public var isDeprecated = false

        /// Creates a parameter description.
        public init(
            name: String, isRequired: Bool = false, isUnique: Bool = false, type: String = "string",
            defaultValue: String? = nil, summary: String = ""
        ) {
            self.name = name
            self.isRequired = isRequired
            self.isUnique = isUnique
            self.type = type
            self.defaultValue = defaultValue
            self.summary = summary
        }
    }

    /// One action the agent advertises.
    public struct Action: Sendable, Hashable {
        /// `start`, `stop`, `monitor`, ...
        public var name: String
        /// The minimum timeout the agent recommends.
        public var timeout: Duration?
        /// The recommended interval of a recurring action.
        public var interval: Duration?
        /// The check level of a monitor.
        public var depth: Int?

        /// Creates an action description.
        public init(name: String, timeout: Duration? = nil, interval: Duration? = nil, depth: Int? = nil) {
            self.name = name
            self.timeout = timeout
            self.interval = interval
            self.depth = depth
        }
    }

    /// The agent's name, from `<resource-agent name=...>`.
    public var name: String
    /// The one-line description.
    public var summary: String
    /// The parameters, in the agent's order.
    public var parameters: [Parameter]
    /// The advertised actions, in the agent's order.
    public var actions: [Action]

    /// Creates meta-data.
    public init(name: String, summary: String = "", parameters: [Parameter] = [], actions: [Action] = []) {
        self.name = name
        self.summary = summary
        self.parameters = parameters
        self.actions = actions
    }

    /// The recommended timeout of an action, if the agent gives one: for a monitor, that of the entry of its depth
    /// (an entry without one is depth 0), else of the first.
    public func timeout(of action: String, depth: Int = 0) -> Duration? {
        let entries = actions.filter { $0.name == action && $0.timeout != nil }
        return (entries.first { ($0.depth ?? 0) == depth } ?? entries.first)?.timeout
    }
}
