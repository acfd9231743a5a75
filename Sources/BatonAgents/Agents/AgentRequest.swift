/// One action for one resource: everything an agent needs to perform it.
public struct AgentRequest: Sendable {
    /// The resource's name (`OCF_RESOURCE_INSTANCE`).
    public var instance: String
    /// What to do.
    public var action: AgentAction
    /// The resource's parameters, in the configuration's order (`OCF_RESKEY_<name>`).
    public var parameters: [(name: String, value: String)]
    /// How long the action may take.
    public var timeout: Duration
    /// The node the action runs on, if known (`OCF_RESKEY_CRM_meta_on_node`).
    public var node: String?
    /// A start that takes over from a node that is gone, fenced or confirmed down
    /// (``BatonCore/PlannedAction/holderGone``): nothing else can answer for what the resource holds.
    public var holderGone: Bool

    /// Creates a request.
    public init(
        instance: String, action: AgentAction, parameters: [(name: String, value: String)] = [],
        timeout: Duration = AgentRequest.defaultTimeout, node: String? = nil, holderGone: Bool = false
    ) {
        self.holderGone = holderGone
        self.instance = instance
        self.action = action
        self.parameters = parameters
        self.timeout = timeout
        self.node = node
    }

    /// The timeout when neither the configuration nor the agent's meta-data gives one.
    public static let defaultTimeout: Duration = .seconds(20)
    /// The timeout of `meta-data` and `validate-all` when the agent's meta-data recommends none (and of reading the
    /// meta-data itself).
    public static let metadataTimeout: Duration = .seconds(10)

    /// The value of the parameter of that name, if given.
    public func parameter(_ name: String) -> String? {
        parameters.first { $0.name == name }?.value
    }
}
