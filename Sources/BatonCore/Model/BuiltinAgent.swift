/// Baton's own agents, written in Swift; each declares the parameters it takes.
public enum BuiltinAgent: String, Hashable, Sendable, CaseIterable {
    /// Adds an IPv4 or IPv6 address to an interface and announces it.
    case floatingIP = "floating-ip"
    /// Rose HA's drifting host name: an alias that follows the group.
    case hostnameAlias = "hostname-alias"
    /// Mounts a block device, bind or tmpfs source on a directory.
    case volume
    /// A systemd unit, or a command with a pidfile where no systemd runs.
    case service
    /// A long-running command that Baton supervises itself.
    case process

    /// The parameters this agent takes; `validate` refuses any other.
    public var parameters: [ParameterSpec] { Self.tables[self]! }

    /// The depths its recurring monitor checks at besides 0: `volume` at 20 also writes and reads back a file.
    public var monitorDepths: Set<Int> { self == .volume ? [0, 20] : [0] }

    /// Built once: validation asks for a table per resource.
    private static let tables = Dictionary(uniqueKeysWithValues: allCases.map { ($0, $0.makeParameters()) })

    private func makeParameters() -> [ParameterSpec] {
        switch self {
        case .floatingIP:
            [
                ParameterSpec("address", .prefixedAddress, required: true, "the address, with its prefix length"),
                ParameterSpec("interface", .text, "the interface; default: the one whose subnet holds the address"),
                ParameterSpec(
                    "probe_time", .duration,
                    "how long to send ARP probes and wait for an answer before adding an IPv4 address; 0s: none; "
                        + "default 500ms; skipped when the node that held it is fenced or confirmed down"),
                ParameterSpec(
                    "arp_count", .integer, range: 1...20,
                    "gratuitous ARPs (or neighbour advertisements) sent; 1 to 20, default 5"),
                ParameterSpec("arp_interval", .duration, "the time between them; default 200ms"),
            ]
        case .hostnameAlias:
            [
                ParameterSpec("name", .hostname, required: true, "the alias host name"),
                ParameterSpec("address", .address, required: true, "the address the alias resolves to"),
                ParameterSpec("hosts_file", .absolutePath, "the hosts file to keep the alias in; default /etc/hosts"),
                ParameterSpec("dns_server", .address, "a DNS server to update with nsupdate (RFC 2136)"),
                ParameterSpec("dns_port", .port, "the DNS server's port; default 53"),
                ParameterSpec("dns_key_file", .absolutePath, "the TSIG key file for nsupdate"),
                ParameterSpec("dns_ttl", .duration, "the TTL of the DNS record; default 60s"),
            ]
        case .volume:
            [
                ParameterSpec("device", .text, required: true, "the block device, bind source or 'tmpfs'"),
                ParameterSpec("directory", .absolutePath, required: true, "the mount point"),
                ParameterSpec("fstype", .text, "the file system type; default: detected"),
                ParameterSpec("options", .text, "mount options, comma-separated"),
                ParameterSpec("fsck", .boolean, "check the file system before mounting; default false"),
                ParameterSpec(
                    "kill_holders", .boolean, "on a busy unmount, stop the processes holding it; default true"),
                ParameterSpec("probe_file", .boolean, "monitor by writing and reading a file; default false"),
            ]
        case .service:
            [
                ParameterSpec("unit", .text, "the systemd unit"),
                ParameterSpec("command", .command, "where no systemd runs: the command that starts the service"),
                ParameterSpec("pidfile", .absolutePath, "where no systemd runs: the pid file the service writes"),
                ParameterSpec("stop_command", .command, "where no systemd runs: a command that stops the service"),
                ParameterSpec("health", .command, "a command whose success means healthy, such as pg_isready"),
            ]
        case .process:
            [
                ParameterSpec("command", .command, required: true, "the command Baton runs and supervises"),
                ParameterSpec("pidfile", .absolutePath, "the pid file; default: in Baton's state directory"),
                ParameterSpec("log_file", .absolutePath, "where the output goes; default: in Baton's state directory"),
                ParameterSpec("port", .port, "a TCP port that must accept connections"),
                ParameterSpec("host", .address, "the address the port is checked on; default 127.0.0.1"),
                ParameterSpec("health", .command, "a command whose success means healthy"),
            ]
        }
    }
}

/// One parameter an agent takes.
public struct ParameterSpec: Hashable, Sendable {
    /// What a parameter's value must look like.
    public enum Kind: String, Hashable, Sendable {
        /// Any text, even empty: a parameter known only from an agent's meta-data.
        case any
        /// A whole number, as meta-data's `integer` type.
        case integer
        /// Any text that is not empty.
        case text
        /// An IP address.
        case address
        /// An IP address with an optional prefix length.
        case prefixedAddress = "prefixed-address"
        /// An absolute path.
        case absolutePath = "absolute-path"
        /// `true` or `false`.
        case boolean
        /// A TCP or UDP port, 1 to 65535.
        case port
        /// A duration with a unit.
        case duration
        /// A host name: labels of letters, digits and hyphens, separated by dots.
        case hostname
        /// A program and its arguments, split into words without a shell (``CommandWords``).
        case command
    }

    /// The parameter's name.
    public var name: String
    /// What its value must look like.
    public var kind: Kind
    /// Whether a resource must set it.
    public var isRequired: Bool
    /// The values an `integer` may take, when they are bounded.
    public var range: ClosedRange<Int>?
    /// One line about it.
    public var summary: String

    /// Creates a parameter description.
    public init(
        _ name: String, _ kind: Kind, required: Bool = false, range: ClosedRange<Int>? = nil, _ summary: String
    ) {
        self.name = name
        self.kind = kind
        self.isRequired = required
        self.range = range
        self.summary = summary
    }

    /// Why `value` does not fit this parameter (its kind, then its range), or `nil` when it does.
    public func check(_ value: String) -> ValueError? {
        if let error = kind.check(value) { return error }
        guard let range, let number = Int(value), !range.contains(number) else { return nil }
        return ValueError(
            .badParameter, "\(number) is out of range",
            hint: "write a number from \(range.lowerBound) to \(range.upperBound)")
    }
}
