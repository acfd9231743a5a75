/// The kinds of finding `baton validate` reports; the raw values are stable and documented.
public enum DiagnosticCode: String, Hashable, Sendable, Codable, CaseIterable {
    /// The file cannot be read as one YAML document.
    case syntax
    /// The file is larger, deeper or expands further than Baton accepts.
    case tooLarge = "too-large"
    /// A key that the schema does not have.
    case unknownKey = "unknown-key"
    /// A duplicate key in one mapping.
    case duplicateKey = "duplicate-key"
    /// A value of the wrong YAML type (a list where a mapping belongs, and so on).
    case wrongType = "wrong-type"
    /// A required key is absent.
    case missingKey = "missing-key"
    /// A value outside the allowed set or range.
    case badValue = "bad-value"
    /// A duration without a unit, or with an unknown one.
    case badDuration = "bad-duration"
    /// An IP address or prefix that does not parse.
    case badAddress = "bad-address"
    /// A name that does not match `[A-Za-z0-9][A-Za-z0-9._-]*`.
    case badName = "bad-name"
    /// A schema version this Baton does not read.
    case unsupportedVersion = "unsupported-version"
    /// Two things of one kind with the same name.
    case duplicateName = "duplicate-name"
    /// The same link address on two links, or a floating address that is a node's link address.
    case duplicateAddress = "duplicate-address"
    /// Two resources that would use the same floating address, device or mount point on one node.
    case sharedResource = "shared-resource"
    /// A reference to a node or group that is not defined.
    case unknownReference = "unknown-reference"
    /// Groups whose `order` forms a cycle.
    case orderCycle = "order-cycle"
    /// Colocation rules that contradict each other.
    case colocationConflict = "colocation-conflict"
    /// A group, or a set of groups kept apart, that cannot be placed on the nodes there are.
    case unplaceable
    /// Heartbeat timings that would misjudge nodes.
    case heartbeat
    /// A node without links.
    case noLinks = "no-links"
    /// A group without resources.
    case emptyGroup = "empty-group"
    /// An agent reference that does not parse.
    case badAgent = "bad-agent"
    /// A resource parameter that is unknown, missing or malformed.
    case badParameter = "bad-parameter"
    /// A setting that has no effect.
    case noEffect = "no-effect"
    /// An agent that is not installed on this machine, or whose meta-data cannot be read: its parameters were not
    /// checked.
    case agentUnavailable = "agent-unavailable"
    /// What this machine lacks that the configuration names: the key file (or one it would refuse), the event
    /// handler, a command's program, a volume's file system type. A warning: configurations are often written
    /// elsewhere.
    case notOnHost = "not-on-host"
}
