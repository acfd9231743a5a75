import BatonCore

/// Turns a YAML tree into a ``ClusterSpec``, collecting every structural finding on the way.
///
/// A value that does not parse is reported and left out, so the rest of the file is still checked; an entity
/// without a name is left out whole.
struct ConfigDecoder {
    var diagnostics: [Diagnostic] = []

    /// The keys of each mapping, made once: the decoder checks every mapping against them.
    enum Keys {
        static let top = [
            "version", "cluster", "heartbeat", "nodes", "groups", "order", "colocation", "events", "fencing",
            "tiebreaker", "http",
        ]
        static let heartbeat = ["port", "interval", "warntime", "deadtime", "initdead", "key-file"]
        static let node = ["name", "priority", "links"]
        static let group = ["name", "nodes", "failback", "failback-delay", "resources"]
        static let resource = [
            "name", "agent", "params", "timeouts", "monitor", "on-fail", "max-restarts", "restart-window",
            "failure-timeout",
        ]
        static let timeouts = ["start", "stop"]
        static let monitor = ["interval", "timeout", "depth"]
        static let order = ["first", "then"]
        static let colocation = ["together", "apart"]
        static let events = ["handler", "timeout"]
        static let fencing = ["mode", "action", "delay", "devices", "topology"]
        static let device = ["name", "agent", "params", "timeout", "retries"]
        static let tiebreaker = ["targets", "timeout"]
        static let http = ["address", "port"]
    }

    mutating func decodeCluster(_ root: YAMLNode) -> ClusterSpec? {
        guard case .mapping(let entries) = root.content else {
            report(
                .wrongType, at: root.location, "the top level must be a mapping, found \(root.kindName)",
                hint: "start the file with 'version: 1', 'cluster: NAME', 'nodes:' and 'groups:'")
            return nil
        }
        let fields = Fields(
            entries, noun: "the top level", at: root.location,
            allowed: Keys.top)
        guard let version = required(fields, "version").flatMap({ integer($0, "version") }) else { return nil }
        guard version.value == ClusterSpec.schemaVersion else {
            report(
                .unsupportedVersion, at: version.location, "schema version \(version.value) is not supported",
                hint: "this Baton reads version \(ClusterSpec.schemaVersion)")
            return nil
        }
        diagnostics += fields.unknownKeys()
        let cluster = required(fields, "cluster").flatMap { string($0, "cluster") }
        let heartbeat = fields["heartbeat"].flatMap { decodeHeartbeat($0) } ?? HeartbeatSettings(at: root.location)
        let nodes = required(fields, "nodes").flatMap { list($0, "nodes") }?.compactMap { decodeNode($0) } ?? []
        if let nodeList = fields["nodes"], case .sequence(let items) = nodeList.content, items.isEmpty {
            report(
                .missingKey, at: nodeList.location, "the cluster has no nodes",
                hint: "list the cluster's nodes with their names and links")
        }
        let groups = fields["groups"].flatMap { list($0, "groups") }?.compactMap { decodeGroup($0) } ?? []
        if fields["groups"] == nil {
            report(
                .missingKey, at: root.location, "the file has no 'groups'",
                hint: "add the resource groups Baton should run",
                severity: .warning)
        }
        let order = fields["order"].flatMap { list($0, "order") }?.compactMap { decodeOrder($0) } ?? []
        let colocation =
            fields["colocation"].flatMap { list($0, "colocation") }?.compactMap { decodeColocation($0) } ?? []
        let events = fields["events"].flatMap { decodeEvents($0) }
        let fencing = fields["fencing"].flatMap { decodeFencing($0) }
        let tiebreaker = fields["tiebreaker"].flatMap { decodeTiebreaker($0, heartbeat: heartbeat) }
        let http = fields["http"].flatMap { decodeHTTP($0) }
        guard let cluster else { return nil }
        var spec = ClusterSpec(
            cluster: Located(ClusterName(cluster.value), at: cluster.location), heartbeat: heartbeat, nodes: nodes,
            groups: groups,
            order: order, colocation: colocation, events: events, fencing: fencing, tiebreaker: tiebreaker)
        spec.http = http
        return spec
    }

    private mutating func decodeHeartbeat(_ node: YAMLNode) -> HeartbeatSettings? {
        guard
            let fields = mapping(
                node, "heartbeat", allowed: Keys.heartbeat)
        else { return nil }
        return HeartbeatSettings(
            at: node.location,
            port: fields["port"].flatMap { integer($0, "heartbeat port") },
            interval: fields["interval"].flatMap { duration($0, "heartbeat interval") },
            warntime: fields["warntime"].flatMap { duration($0, "warntime") },
            deadtime: fields["deadtime"].flatMap { duration($0, "deadtime") },
            initdead: fields["initdead"].flatMap { duration($0, "initdead") },
            keyFile: fields["key-file"].flatMap { string($0, "key-file") })
    }

    private mutating func decodeNode(_ node: YAMLNode) -> NodeSpec? {
        guard let (fields, name) = namedMapping(node, "node", allowed: Keys.node) else {
            return nil
        }
        let priority = fields["priority"].flatMap { integer($0, "priority of \(fields.context)") }
        let written = nonEmptyList(
            fields, "links", at: name.location, code: .noLinks, "\(fields.context) has no links",
            hint: "list at least one address the node's heartbeats use, e.g. links: [10.0.0.1]")
        let links = written.map { addresses($0, "a link of \(fields.context)") }
        return NodeSpec(
            name: NodeName(name.value), priority: priority?.value ?? 0, links: links ?? [], at: name.location)
    }

    private mutating func decodeGroup(_ node: YAMLNode) -> GroupSpec? {
        guard let (fields, name) = namedMapping(node, "group", allowed: Keys.group)
        else {
            return nil
        }
        let nodes = fields["nodes"].flatMap { list($0, "nodes of \(fields.context)") }?.compactMap {
            string($0, "a node of \(fields.context)")
        }
        let failback = fields["failback"].flatMap {
            choice($0, "failback of \(fields.context)", GroupSpec.Failback.self)
        }
        let written = nonEmptyList(
            fields, "resources", at: name.location, code: .emptyGroup, "\(fields.context) has no resources",
            hint: "list the group's resources under 'resources', or remove the group")
        let resources = written.map { items in
            var resources: [ResourceSpec] = []
            resources.reserveCapacity(items.count)
            for item in items { decodeResource(item).map { resources.append($0) } }
            return resources
        }
        var group = GroupSpec(
            name: GroupName(name.value), nodes: nodes?.map { Located(NodeName($0.value), at: $0.location) },
            failback: failback ?? .manual, resources: resources ?? [], at: name.location)
        group.failbackDelay = fields["failback-delay"].flatMap { duration($0, "failback-delay of \(fields.context)") }
        return group
    }

    private mutating func decodeResource(_ node: YAMLNode) -> ResourceSpec? {
        guard let (fields, name) = namedMapping(node, "resource", allowed: Keys.resource) else { return nil }
        let agent = required(fields, "agent").flatMap { string($0, "agent of \(fields.context)") }.flatMap { text in
            parse(text) { text throws(ValueError) in try AgentReference(configText: text) }
        }
        let parameters = fields["params"].flatMap { decodeParameters($0, of: fields.context) } ?? []
        let timeouts = fields["timeouts"].flatMap {
            mapping($0, "timeouts of \(fields.context)", allowed: Keys.timeouts)
        }
        let onFail = fields["on-fail"].flatMap { choice($0, "on-fail of \(fields.context)", ResourceSpec.OnFail.self) }
        let maxRestarts = fields["max-restarts"].flatMap { integer($0, "max-restarts of \(fields.context)") }
        let restartWindow = fields["restart-window"].flatMap { duration($0, "restart-window of \(fields.context)") }
        let failureTimeout = fields["failure-timeout"].flatMap {
            duration($0, "failure-timeout of \(fields.context)")
        }
        let monitor = fields["monitor"].map { decodeMonitor($0, of: fields.context) } ?? MonitorSettings()
        let startTimeout = timeouts?["start"].flatMap { duration($0, "start timeout of \(fields.context)") }
        let stopTimeout = timeouts?["stop"].flatMap { duration($0, "stop timeout of \(fields.context)") }
        guard let agent else { return nil }
        return ResourceSpec(
            name: ResourceName(name.value), agent: agent, parameters: parameters, startTimeout: startTimeout,
            stopTimeout: stopTimeout, monitor: monitor, onFail: onFail ?? .restart, maxRestarts: maxRestarts,
            restartWindow: restartWindow, failureTimeout: failureTimeout, at: name.location)
    }

    private mutating func decodeParameters(_ node: YAMLNode, of context: @autoclosure () -> String) -> [Parameter]? {
        guard case .mapping(let entries) = node.content else {
            report(
                .wrongType, at: node.location, "params of \(context()) must be a mapping, found \(node.kindName)",
                hint: "write params as 'name: value' pairs, e.g. params: {address: 192.168.1.10/24}")
            return nil
        }
        return entries.compactMap { entry in
            string(entry.value, "parameter '\(entry.key)' of \(context())").map {
                Parameter(name: entry.key, value: $0.value, at: entry.keyLocation, valueAt: $0.location)
            }
        }
    }

    /// `monitor: off`, or a mapping of interval and timeout; the result `nil` means no monitor.
    private mutating func decodeMonitor(_ node: YAMLNode, of context: @autoclosure () -> String) -> MonitorSettings? {
        if case .scalar(let text, _) = node.content {
            if text != "off" {
                report(
                    .badValue, at: node.location, "monitor of \(context()) must be 'off' or a mapping",
                    hint: "write monitor: off, or monitor: {interval: 10s, timeout: 30s, depth: 0}")
            }
            return nil
        }
        guard let fields = mapping(node, "monitor of \(context())", allowed: Keys.monitor) else {
            return MonitorSettings()
        }
        return MonitorSettings(
            interval: fields["interval"].flatMap { duration($0, "monitor interval of \(context())") },
            timeout: fields["timeout"].flatMap { duration($0, "monitor timeout of \(context())") },
            depth: fields["depth"].flatMap { integer($0, "monitor depth of \(context())") })
    }

    private mutating func decodeOrder(_ node: YAMLNode) -> OrderConstraint? {
        guard let fields = mapping(node, "an order rule", allowed: Keys.order),
            let first = required(fields, "first").flatMap({ string($0, "first group of an order rule") }),
            let then = required(fields, "then").flatMap({ string($0, "then group of an order rule") })
        else { return nil }
        return OrderConstraint(
            first: Located(GroupName(first.value), at: first.location),
            then: Located(GroupName(then.value), at: then.location),
            at: node.location)
    }

    private mutating func decodeColocation(_ node: YAMLNode) -> ColocationConstraint? {
        guard let fields = mapping(node, "a colocation rule", allowed: Keys.colocation) else { return nil }
        let written = ColocationConstraint.Kind.allCases.filter { fields[$0.rawValue] != nil }
        guard written.count == 1, let kind = written.first else {
            report(
                .badValue, at: node.location, "a colocation rule takes exactly one of 'together' and 'apart'",
                hint: "write {together: [a, b]} or {apart: [a, b]}")
            return nil
        }
        guard let names = fields[kind.rawValue].flatMap({ list($0, "\(kind.rawValue) groups") }) else { return nil }
        let groups = names.compactMap { string($0, "a group of a colocation rule") }
        return ColocationConstraint(
            kind, groups: groups.map { Located(GroupName($0.value), at: $0.location) }, at: node.location)
    }

    private mutating func decodeEvents(_ node: YAMLNode) -> EventSettings? {
        guard let fields = mapping(node, "events", allowed: Keys.events),
            let handler = required(fields, "handler").flatMap({ string($0, "event handler") })
        else { return nil }
        return EventSettings(
            handler: handler, timeout: fields["timeout"].flatMap { duration($0, "event handler timeout") })
    }

    private mutating func decodeFencing(_ node: YAMLNode) -> FencingSpec? {
        guard let fields = mapping(node, "fencing", allowed: Keys.fencing) else { return nil }
        let mode = fields["mode"].flatMap { choice($0, "fencing mode", FencingSpec.Mode.self) }
        let action = fields["action"].flatMap { choice($0, "fence action", FenceAction.self) }
        let delay = fields["delay"].flatMap { duration($0, "fence delay") }
        let devices = fields["devices"].flatMap { list($0, "fence devices") }?.compactMap { decodeDevice($0) } ?? []
        var topology: [NodeFencing] = []
        if let written = fields["topology"] {
            if case .mapping(let entries) = written.content {
                for entry in entries {
                    let levels = list(entry.value, "fence levels of node '\(entry.key)'")?.compactMap {
                        decodeLevel($0, of: entry.key)
                    }
                    topology.append(
                        NodeFencing(node: Located(NodeName(entry.key), at: entry.keyLocation), levels: levels ?? []))
                }
            } else {
                report(
                    .wrongType, at: written.location, "fencing topology must be a mapping, found \(written.kindName)",
                    hint: "give each node its fence levels in order, e.g. topology: {n1: [ipmi-n1], n2: [ipmi-n2]}")
            }
        }
        return FencingSpec(
            mode: mode ?? .on, action: action ?? .reboot, delay: delay, devices: devices, topology: topology,
            at: node.location)
    }

    private mutating func decodeHTTP(_ node: YAMLNode) -> HTTPSettings? {
        guard let fields = mapping(node, "http", allowed: Keys.http) else { return nil }
        let address = fields["address"].flatMap { string($0, "http address") }.flatMap { text in
            parse(text) { text throws(ValueError) in try IPAddress(configText: text) }
        }
        return HTTPSettings(
            address: address, port: fields["port"].flatMap { integer($0, "http port") }, at: node.location)
    }

    private mutating func decodeTiebreaker(_ node: YAMLNode, heartbeat: HeartbeatSettings) -> TiebreakerSpec? {
        guard let fields = mapping(node, "tiebreaker", allowed: Keys.tiebreaker) else { return nil }
        let written = nonEmptyList(
            fields, "targets", at: node.location, code: .missingKey, "the tiebreaker has no targets",
            hint: "list the addresses each node pings, e.g. targets: [10.0.1.254], or remove 'tiebreaker'")
        return TiebreakerSpec(
            targets: written.map { addresses($0, "a tiebreaker target") } ?? [],
            timeout: fields["timeout"].flatMap { duration($0, "tiebreaker timeout") },
            heartbeat: heartbeat, at: node.location)
    }

    /// Each item as an IP address; one that is not is reported and left out.
    private mutating func addresses(_ items: YAMLItems, _ what: @autoclosure () -> String) -> [Located<IPAddress>] {
        items.compactMap { item in
            string(item, what()).flatMap { text in
                parse(text) { text throws(ValueError) in try IPAddress(configText: text) }
            }
        }
    }

    private mutating func decodeDevice(_ node: YAMLNode) -> FenceDevice? {
        guard let (fields, name) = namedMapping(node, "fence device", allowed: Keys.device),
            let agent = required(fields, "agent").flatMap({ string($0, "agent of \(fields.context)") })
        else { return nil }
        return FenceDevice(
            name: DeviceName(name.value), agent: agent,
            parameters: fields["params"].flatMap { decodeParameters($0, of: fields.context) } ?? [],
            timeout: fields["timeout"].flatMap { duration($0, "timeout of \(fields.context)") },
            retries: fields["retries"].flatMap { integer($0, "retries of \(fields.context)") }, at: name.location)
    }

    /// A level: one device name, or a list of names that must all succeed.
    private mutating func decodeLevel(_ node: YAMLNode, of nodeName: String) -> FenceLevel? {
        let names: [Located<String>]
        if case .sequence(let items) = node.content {
            names = items.compactMap { string($0, "a fence device of node '\(nodeName)'") }
        } else {
            guard let name = string(node, "a fence level of node '\(nodeName)'") else { return nil }
            names = [name]
        }
        return FenceLevel(devices: names.map { Located(DeviceName($0.value), at: $0.location) }, at: node.location)
    }
}
