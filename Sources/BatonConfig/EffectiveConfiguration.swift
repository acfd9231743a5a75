import BatonCore

/// `baton config show`: the configuration the engine runs, with every default filled in and, for each value, where
/// it came from: the file (`cluster.yaml:12:18`), a default, a value derived from others, or an agent's meta-data.
///
/// The text is YAML that `baton validate` accepts, with each value's source as a comment; ``entries`` are the same
/// values as a list, for `--json`.
public struct EffectiveConfiguration: Sendable {
    /// One value: its path (`groups.erp-db.resources.db.timeouts.start`), the value as cluster.yaml writes it, and
    /// where it came from.
    public struct Entry: Encodable, Hashable, Sendable {
        public var path: String
        public var value: String
        public var source: String
    }

    /// The YAML text, values aligned with their sources.
    public private(set) var lines: [(text: String, source: String?)] = []
    /// Every value, in file order.
    public private(set) var entries: [Entry] = []

    private let root: YAMLNode

    /// The configuration `spec` (as loaded from `bytes`, read from `file`), with the timeouts `timed` gives where the
    /// file writes none (an agent's meta-data recommendation; see `AgentCatalog.withRecommendedTimeouts`).
    public init?(spec: ClusterSpec, timed: ClusterSpec, bytes: [UInt8], file: String) {
        guard let root = bytes.withUnsafeBufferPointer({ YAMLReader.read($0, file: file) }).0 else { return nil }
        self.root = root
        render(spec, timed)
    }

    /// The YAML with each source as a trailing comment.
    public var text: String {
        let width = min(lines.filter { $0.source != nil }.map(\.text.count).max() ?? 0, 60)
        return lines.map { line in
            guard let source = line.source else { return line.text + "\n" }
            let padding = String(repeating: " ", count: max(1, width + 2 - line.text.count))
            return line.text + padding + "# " + source + "\n"
        }.joined()
    }

    // MARK: Rendering

    private mutating func render(_ spec: ClusterSpec, _ timed: ClusterSpec) {
        value(0, "version", "\(ClusterSpec.schemaVersion)", at: [.key("version")], path: "version")
        value(0, "cluster", "\(spec.cluster.value)", at: [.key("cluster")], path: "cluster")
        heartbeat(spec.heartbeat)
        section(0, "nodes")
        for node in spec.nodes {
            let at: [Step] = [.key("nodes"), .named(node.name.rawValue)]
            let path = "nodes.\(node.name)"
            item(1, "name", "\(node.name)", at: at + [.key("name")], path: path + ".name")
            value(2, "priority", "\(node.priority)", at: at + [.key("priority")], path: path + ".priority")
            value(
                2, "links", list(node.links.map(\.value.description)), at: at + [.key("links")], path: path + ".links")
        }
        section(0, "groups")
        for (group, timedGroup) in zip(spec.groups, timed.groups) { self.group(group, timedGroup, spec) }
        if !spec.order.isEmpty {
            section(0, "order")
            for (index, rule) in spec.order.enumerated() {
                let text = "{first: \(rule.first.value), then: \(rule.then.value)}"
                line(1, "- " + text, source: written([.key("order"), .index(index)]), path: "order.\(index)", text)
            }
        }
        if !spec.colocation.isEmpty {
            section(0, "colocation")
            for (index, rule) in spec.colocation.enumerated() {
                let text = "{\(rule.kind.rawValue): \(list(rule.groups.map(\.value.rawValue)))}"
                line(
                    1, "- " + text, source: written([.key("colocation"), .index(index)]), path: "colocation.\(index)",
                    text)
            }
        }
        if let events = spec.events {
            section(0, "events")
            value(1, "handler", events.handler.value, at: [.key("events"), .key("handler")], path: "events.handler")
            value(
                1, "timeout", events.timeout.value.configText, at: [.key("events"), .key("timeout")],
                path: "events.timeout")
        }
        if let fencing = spec.fencing { self.fencing(fencing) }
        if let http = spec.http {
            section(0, "http")
            value(
                1, "address", http.address.value.description, at: [.key("http"), .key("address")], path: "http.address")
            value(1, "port", "\(http.port.value)", at: [.key("http"), .key("port")], path: "http.port")
        }
        if let tiebreaker = spec.tiebreaker {
            section(0, "tiebreaker")
            let at: [Step] = [.key("tiebreaker")]
            value(
                1, "targets", list(tiebreaker.targets.map(\.value.description)), at: at + [.key("targets")],
                path: "tiebreaker.targets")
            value(
                1, "timeout", tiebreaker.timeout.value.configText, at: at + [.key("timeout")],
                path: "tiebreaker.timeout", otherwise: "default: deadtime")
        }
    }

    private mutating func heartbeat(_ settings: HeartbeatSettings) {
        section(0, "heartbeat")
        let at: [Step] = [.key("heartbeat")]
        value(1, "port", "\(settings.port.value)", at: at + [.key("port")], path: "heartbeat.port")
        value(
            1, "interval", settings.interval.value.configText, at: at + [.key("interval")], path: "heartbeat.interval")
        value(
            1, "warntime", settings.warntime.value.configText, at: at + [.key("warntime")], path: "heartbeat.warntime",
            otherwise: "default: 3 × interval, at most halfway from interval to deadtime")
        value(
            1, "deadtime", settings.deadtime.value.configText, at: at + [.key("deadtime")], path: "heartbeat.deadtime",
            otherwise: "default: 5 × interval")
        value(
            1, "initdead", settings.initdead.value.configText, at: at + [.key("initdead")], path: "heartbeat.initdead",
            otherwise: "default: 2 × deadtime")
        value(1, "key-file", settings.keyFile.value, at: at + [.key("key-file")], path: "heartbeat.key-file")
    }

    private mutating func group(_ group: GroupSpec, _ timed: GroupSpec, _ spec: ClusterSpec) {
        let at: [Step] = [.key("groups"), .named(group.name.rawValue)]
        let path = "groups.\(group.name)"
        item(1, "name", "\(group.name)", at: at + [.key("name")], path: path + ".name")
        value(
            2, "nodes", list(spec.candidates(for: group).map(\.rawValue)), at: at + [.key("nodes")],
            path: path + ".nodes", otherwise: "default: every node, by priority")
        value(2, "failback", group.failback.rawValue, at: at + [.key("failback")], path: path + ".failback")
        value(
            2, "failback-delay", (group.failbackDelay?.value ?? .zero).configText, at: at + [.key("failback-delay")],
            path: path + ".failback-delay")
        section(2, "resources")
        for (resource, timedResource) in zip(group.resources, timed.resources) {
            self.resource(resource, timedResource, at: at + [.key("resources"), .named(resource.name.rawValue)])
        }
    }

    private mutating func resource(_ resource: ResourceSpec, _ timed: ResourceSpec, at: [Step]) {
        let path = "resources.\(resource.name)"
        item(3, "name", "\(resource.name)", at: at + [.key("name")], path: path + ".name")
        value(4, "agent", resource.agent.value.description, at: at + [.key("agent")], path: path + ".agent")
        if !resource.parameters.isEmpty {
            section(4, "params")
            for parameter in resource.parameters {
                value(
                    5, parameter.name, Self.quoted(parameter.value), at: at + [.key("params"), .key(parameter.name)],
                    path: path + ".params.\(parameter.name)")
            }
        }
        section(4, "timeouts")
        for (kind, written, effective) in [
            ("start", resource.startTimeout.value, timed.startTimeout.value),
            ("stop", resource.stopTimeout.value, timed.stopTimeout.value),
        ] {
            value(
                5, kind, effective.configText, at: at + [.key("timeouts"), .key(kind)],
                path: path + ".timeouts.\(kind)",
                otherwise: effective == written ? "default" : "the agent's meta-data")
        }
        if let monitor = resource.monitor, let timedMonitor = timed.monitor {
            section(4, "monitor")
            let monitorAt = at + [.key("monitor")]
            value(
                5, "interval", monitor.effectiveInterval.configText, at: monitorAt + [.key("interval")],
                path: path + ".monitor.interval")
            value(
                5, "timeout", timedMonitor.effectiveTimeout.configText, at: monitorAt + [.key("timeout")],
                path: path + ".monitor.timeout",
                otherwise: timedMonitor.timeout == nil ? "default" : "the agent's meta-data")
            value(
                5, "depth", "\(monitor.depth?.value ?? 0)", at: monitorAt + [.key("depth")],
                path: path + ".monitor.depth")
        } else {
            value(4, "monitor", "off", at: at + [.key("monitor")], path: path + ".monitor")
        }
        value(4, "on-fail", resource.onFail.rawValue, at: at + [.key("on-fail")], path: path + ".on-fail")
        value(
            4, "max-restarts", "\(resource.maxRestarts?.value ?? ResourceSpec.defaultMaxRestarts)",
            at: at + [.key("max-restarts")], path: path + ".max-restarts")
        value(
            4, "restart-window", resource.restartWindow.value.configText, at: at + [.key("restart-window")],
            path: path + ".restart-window")
        if let timeout = resource.failureTimeout {
            value(
                4, "failure-timeout", timeout.value.configText, at: at + [.key("failure-timeout")],
                path: path + ".failure-timeout")
        } else {
            // Not a value cluster.yaml can write: the key's absence is the default.
            line(
                4, "# failure-timeout: none", source: "default: failures count until baton cleanup",
                path: path + ".failure-timeout", "none")
        }
    }

    private mutating func fencing(_ fencing: FencingSpec) {
        section(0, "fencing")
        let at: [Step] = [.key("fencing")]
        value(1, "mode", fencing.mode.rawValue, at: at + [.key("mode")], path: "fencing.mode")
        value(1, "action", fencing.action.rawValue, at: at + [.key("action")], path: "fencing.action")
        value(1, "delay", fencing.delay.value.configText, at: at + [.key("delay")], path: "fencing.delay")
        section(1, "devices")
        for device in fencing.devices {
            let deviceAt = at + [.key("devices"), .named(device.name.rawValue)]
            let path = "fencing.devices.\(device.name)"
            item(2, "name", "\(device.name)", at: deviceAt + [.key("name")], path: path + ".name")
            value(3, "agent", device.agent.value, at: deviceAt + [.key("agent")], path: path + ".agent")
            if !device.parameters.isEmpty {
                section(3, "params")
                for parameter in device.parameters {
                    value(
                        4, parameter.name, Self.quoted(parameter.value),
                        at: deviceAt + [.key("params"), .key(parameter.name)], path: path + ".params.\(parameter.name)")
                }
            }
            value(
                3, "timeout", device.timeout.value.configText, at: deviceAt + [.key("timeout")], path: path + ".timeout"
            )
            value(3, "retries", "\(device.retries.value)", at: deviceAt + [.key("retries")], path: path + ".retries")
        }
        if !fencing.topology.isEmpty {
            section(1, "topology")
            for node in fencing.topology {
                let levels = list(node.levels.map { list($0.devices.map(\.value.rawValue)) })
                value(
                    2, "\(node.node.value)", levels, at: at + [.key("topology"), .key(node.node.value.rawValue)],
                    path: "fencing.topology.\(node.node.value)")
            }
        }
    }

    // MARK: Lines

    /// A step of a path into the file: a key of a mapping, the item of a list whose `name` is this, or a position.
    private enum Step {
        case key(String)
        case named(String)
        case index(Int)
    }

    /// Where the file writes the value at `steps`, as `cluster.yaml:12:18`, or `nil` when it does not.
    private func written(_ steps: [Step]) -> String? {
        var node = root
        for step in steps {
            switch (step, node.content) {
            case (.key(let key), .mapping(let entries)):
                guard let found = entries.value(for: key) else { return nil }
                node = found
            case (.named(let name), .sequence(let items)):
                guard
                    let found = items.first(where: { item in
                        if case .mapping(let entries) = item.content, let named = entries.value(for: "name"),
                            case .scalar(let text, _) = named.content
                        {
                            return text == name
                        }
                        return false
                    })
                else { return nil }
                node = found
            case (.index(let index), .sequence(let items)):
                guard index < items.count else { return nil }
                node = items[index]
            default:
                return nil
            }
        }
        return node.location.description
    }

    private mutating func section(_ depth: Int, _ key: String) {
        lines.append((String(repeating: "  ", count: depth) + key + ":", nil))
    }

    /// `key: value`, from the file or else `otherwise` (`default` unless said).
    private mutating func value(
        _ depth: Int, _ key: String, _ text: String, at steps: [Step], path: String, otherwise: String = "default"
    ) {
        line(depth, "\(key): \(text)", source: written(steps) ?? otherwise, path: path, text)
    }

    /// The first key of a list item: `- name: value`, one level less indented.
    private mutating func item(_ depth: Int, _ key: String, _ text: String, at steps: [Step], path: String) {
        line(depth, "- \(key): \(text)", source: written(steps) ?? "default", path: path, text)
    }

    private mutating func line(_ depth: Int, _ text: String, source: String?, path: String, _ value: String) {
        lines.append((String(repeating: "  ", count: depth) + text, source))
        entries.append(Entry(path: path, value: value, source: source ?? "default"))
    }

    private func list(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }

    /// A parameter value as YAML writes it: quoted when a plain scalar would read differently.
    static func quoted(_ value: String) -> String {
        let plain =
            !value.isEmpty && value.allSatisfy { $0.isLetter || $0.isNumber || "/._-+@".contains($0) }
            && Int(value) == nil && !["true", "false", "yes", "no", "null", "on", "off"].contains(value.lowercased())
        if plain { return value }
        var text = "\""
        for character in value {
            switch character {
            case "\\": text += "\\\\"
            case "\"": text += "\\\""
            case "\n": text += "\\n"
            default: text.append(character)
            }
        }
        return text + "\""
    }
}
