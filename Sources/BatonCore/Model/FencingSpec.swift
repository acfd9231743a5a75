/// How a node that may still run something is made safe before its groups start elsewhere: the `fencing:` section.
///
/// A node's fence levels are tried in order until one succeeds; a level succeeds when every device of it does (two
/// power switches of one machine with two supplies). Each device is tried `retries` more times after a failure.
public struct FencingSpec: Hashable, Sendable {
    /// Whether Baton fences, as written in `mode`.
    public enum Mode: String, Hashable, Sendable, CaseIterable {
        /// Lost nodes and nodes whose stop failed are fenced (the default once `fencing:` is written).
        case on
        /// No fencing, said on purpose: a lost node's resources count as stopped on membership alone, and validation
        /// does not warn about groups that hold data.
        case off
    }

    /// The default time one attempt of a device may take.
    public static var defaultTimeout: Duration { .seconds(20) }
    /// The default number of attempts of a device after its first one fails.
    public static var defaultRetries: Int { 1 }
    /// The default delay of the node that holds fewer groups in a fence race.
    public static var defaultDelay: Duration { .seconds(5) }

    /// `on` or `off`.
    public var mode: Mode
    /// `off` or `reboot`: what a fence does to the node.
    public var action: FenceAction
    /// How long the node that holds fewer groups (or, holding as many, the less senior one) waits before it fences
    /// a peer it lost (Pacemaker's `priority-fencing-delay`): in a partition, the node that runs the groups fences
    /// first and survives.
    public var delay: Located<Duration>
    /// The devices, in file order.
    public var devices: [FenceDevice]
    /// Each node's fence levels, in the order they are tried, in file order.
    public var topology: [NodeFencing]
    /// Where `fencing:` is written.
    public var location: SourceLocation

    /// Creates fencing settings.
    public init(
        mode: Mode = .on, action: FenceAction = .reboot, delay: Located<Duration>? = nil, devices: [FenceDevice],
        topology: [NodeFencing], at location: SourceLocation
    ) {
        self.mode = mode
        self.action = action
        self.delay = delay ?? Located(Self.defaultDelay, at: location)
        self.devices = devices
        self.topology = topology
        self.location = location
    }

    /// Whether nodes are fenced.
    public var isEnabled: Bool { mode == .on }

    /// The device of that name, if any.
    public func device(named name: DeviceName) -> FenceDevice? { devices.first { $0.name == name } }

    /// The levels of `node`, as device names.
    public func levels(of node: NodeName) -> [[DeviceName]] {
        topology.first { $0.node.value == node }?.levels.map { $0.devices.map(\.value) } ?? []
    }

    /// How long fencing `node` may take at most: every attempt of every device of every level, one after another.
    public func budget(of node: NodeName) -> Duration {
        levels(of: node).joined().reduce(Duration.zero) { total, name in
            guard let device = device(named: name) else { return total }
            return total + device.timeout.value * (device.retries.value + 1)
        }
    }
}

/// What a fence does to a node.
public enum FenceAction: String, Hashable, Sendable, Codable, CaseIterable {
    /// Power it off and leave it off.
    case off
    /// Power it off, then on again: it comes back with nothing running and rejoins as a standby.
    case reboot
}

/// One fence device: a fence agent with its parameters.
public struct FenceDevice: Hashable, Sendable {
    /// The device's name, as levels name it.
    public var name: DeviceName
    /// The agent: a name such as `fence_ipmilan` (looked up in `/usr/sbin` and `/sbin`), or a path (absolute, or
    /// relative to the config file) to a program that speaks the fence-agent protocol.
    public var agent: Located<String>
    /// The options it reads on standard input, as `name=value` lines.
    public var parameters: [Parameter]
    /// How long one attempt may take.
    public var timeout: Located<Duration>
    /// How many more attempts after the first one fails.
    public var retries: Located<Int>
    /// Where the device's name is written.
    public var location: SourceLocation

    /// Creates a device.
    public init(
        name: DeviceName, agent: Located<String>, parameters: [Parameter] = [], timeout: Located<Duration>? = nil,
        retries: Located<Int>? = nil, at location: SourceLocation
    ) {
        self.name = name
        self.agent = agent
        self.parameters = parameters
        self.timeout = timeout ?? Located(FencingSpec.defaultTimeout, at: location)
        self.retries = retries ?? Located(FencingSpec.defaultRetries, at: location)
        self.location = location
    }
}

/// One node's fence levels, as `topology` lists them.
public struct NodeFencing: Hashable, Sendable {
    /// The node, where its name is written.
    public var node: Located<NodeName>
    /// Its levels, in the order they are tried.
    public var levels: [FenceLevel]

    /// Creates a node's entry.
    public init(node: Located<NodeName>, levels: [FenceLevel]) {
        self.node = node
        self.levels = levels
    }
}

/// One fence level of a node: devices that must all succeed.
public struct FenceLevel: Hashable, Sendable {
    /// The devices, as written.
    public var devices: [Located<DeviceName>]
    /// Where the level is written.
    public var location: SourceLocation

    /// Creates a level.
    public init(devices: [Located<DeviceName>], at location: SourceLocation) {
        self.devices = devices
        self.location = location
    }
}

extension ClusterSpec {
    /// Whether this cluster fences: `fencing:` written, and not `mode: off`.
    public var fences: Bool { fencing?.isEnabled ?? false }
}
