import BatonCore

/// One request on the control socket: a JSON object on one line.
///
/// `{"command":"status"}`, `{"command":"events","follow":true}`, `{"command":"switch","group":"erp","node":"n2"}`,
/// `{"command":"standby","node":"n1"}`, `{"command":"online","node":"n1"}`,
/// `{"command":"cleanup","resource":"db"}`, `{"command":"start","group":"erp","force":true}`.
public struct ControlRequest: Codable, Hashable, Sendable {
    /// What to do.
    public var command: String
    /// The group acted on.
    public var group: String?
    /// The node acted on, or the target of a switch.
    public var node: String?
    /// The resource acted on.
    public var resource: String?
    /// `events`: keep the connection open and send every new event.
    public var follow: Bool?
    /// `start`: start although another node held newer data.
    public var force: Bool?
    /// An administrator's request: answer once its plans have run, with whether what was asked holds.
    public var wait: Bool?
    /// The file a `config-apply` names (absolute).
    public var path: String?

    /// Creates a request.
    public init(
        command: String, group: String? = nil, node: String? = nil, resource: String? = nil, follow: Bool? = nil,
        force: Bool? = nil, wait: Bool? = nil, path: String? = nil
    ) {
        self.command = command
        self.path = path
        self.group = group
        self.node = node
        self.resource = resource
        self.follow = follow
        self.force = force
        self.wait = wait
    }
}

/// One answer line on the control socket.
public struct ControlResponse: Codable, Hashable, Sendable {
    /// Whether the request was taken.
    public var ok: Bool
    /// Why not, in words.
    public var error: String?
    /// What was done, in words.
    public var message: String?
    /// `status`: the cluster as this engine sees it.
    public var status: StatusReport?
    /// `events`: one event per line.
    public var event: EventRecord?

    /// Creates a response.
    public init(
        ok: Bool, error: String? = nil, message: String? = nil, status: StatusReport? = nil, event: EventRecord? = nil
    ) {
        self.ok = ok
        self.error = error
        self.message = message
        self.status = status
        self.event = event
    }
}

/// Something the engine noticed or did, as the log, `baton events` and the event handler receive it.
public struct EventRecord: Codable, Hashable, Sendable {
    /// How bad it is.
    public typealias Severity = EventSeverity

    /// The event's name, from the documented list: `node-lost`, `takeover-finished`, ...
    public var event: String
    /// How bad it is.
    public var severity: Severity
    /// The node it is about: the node that acted (a resource started there), the node lost, or else the reporter.
    public var node: String
    /// The node whose engine recorded it.
    public var reporter: String
    /// The group concerned, if any.
    public var group: String?
    /// The resource concerned, if any.
    public var resource: String?
    /// The reporting node's role when it happened.
    public var role: NodeRole
    /// What happened, in one sentence.
    public var message: String
    /// What the administrator should do, if anything.
    public var action: String?
    /// When, by the reporting node's clock.
    public var time: Timestamp

    /// Creates an event.
    public init(
        event: String, severity: Severity, node: String, reporter: String? = nil, group: String? = nil,
        resource: String? = nil, role: NodeRole, message: String, action: String? = nil, time: Timestamp
    ) {
        self.event = event
        self.severity = severity
        self.node = node
        self.reporter = reporter ?? node
        self.group = group
        self.resource = resource
        self.role = role
        self.message = message
        self.action = action
        self.time = time
    }
}

/// The cluster as one engine sees it: `baton status`.
public struct StatusReport: Codable, Hashable, Sendable {
    /// A link of a peer.
    public struct Link: Codable, Hashable, Sendable {
        public var address: String
        /// `unknown`, `up`, `late` or `down`.
        public var state: String
        /// Whether the peer's traffic goes over this link.
        public var active: Bool
        /// Milliseconds since the last packet on this link; absent when none came yet.
        public var ageMs: Int64?

        public init(address: String, state: String, active: Bool, ageMs: Int64?) {
            self.address = address
            self.state = state
            self.active = active
            self.ageMs = ageMs
        }
    }

    /// A peer, as this node's membership sees it.
    public struct Peer: Codable, Hashable, Sendable {
        public var name: String
        /// `unknown`, `alive` or `lost`.
        public var state: String
        /// The role the peer announced in its last heartbeat.
        public var role: NodeRole?
        public var links: [Link]

        public init(name: String, state: String, role: NodeRole?, links: [Link]) {
            self.name = name
            self.state = state
            self.role = role
            self.links = links
        }
    }

    /// The node that answers.
    public var node: String
    /// Its role.
    public var role: NodeRole
    /// The node whose plans it follows, once known.
    public var senior: String?
    /// That senior's term.
    public var term: UInt64
    /// Peers whose configuration differs from this node's, with the sections of `cluster.yaml` that differ (empty
    /// when not known): they take no part in plans.
    public var mismatched: [String: [String]]
    /// The version of the cluster state it holds.
    public var version: UInt64
    /// Every peer with its links.
    public var peers: [Peer]
    /// The cluster state: nodes, groups and resources (the JSON of `baton plan --from`).
    public var state: ClusterState
    /// Groups that wait for a node with newer data, with why.
    public var waiting: [String: String]
    /// The last result of each recurring monitor that runs on this node: exit code by resource.
    public var monitors: [String: Int]
    /// Packets accepted.
    public var accepted: Int
    /// Packets dropped, by reason: `forged`, `replayed`, `foreign-cluster`, `malformed`, `oversized`,
    /// `unknown-sender`.
    public var rejected: [String: Int]
    /// The most recent events, oldest first.
    public var events: [EventRecord]
    /// The digest of the configuration file this node runs, and its epoch (raised by every `baton config apply`).
    public var configuration: String?
    public var configurationEpoch: UInt64?

    public init(
        node: String, role: NodeRole, senior: String?, term: UInt64 = 0, mismatched: [String: [String]] = [:],
        version: UInt64, peers: [Peer], state: ClusterState, waiting: [String: String], monitors: [String: Int],
        accepted: Int, rejected: [String: Int], events: [EventRecord]
    ) {
        self.node = node
        self.role = role
        self.senior = senior
        self.term = term
        self.mismatched = mismatched
        self.version = version
        self.peers = peers
        self.state = state
        self.waiting = waiting
        self.monitors = monitors
        self.accepted = accepted
        self.rejected = rejected
        self.events = events
    }
}
