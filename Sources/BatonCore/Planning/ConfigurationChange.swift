/// What changes when a running cluster takes a new configuration (`baton config apply`), and what it touches.
///
/// Only what changed is touched: a group that is removed stops; a resource whose agent or parameters changed, or that
/// leaves its group, stops and starts again with the members after it (and the groups ordered after its group);
/// added groups and resources start. Timeouts, monitors, failure handling, placement, order, colocation, fencing and
/// the event handler take effect without stopping anything. The cluster's name, its nodes and links, the heartbeat
/// and the tiebreaker cannot change on a running cluster: the engines are restarted with the new file for those.
public struct ConfigurationChange: Hashable, Sendable, CustomStringConvertible {
    /// The sections that changed and cannot change on a running cluster; the change is refused when not empty.
    public var fixed: [String]
    /// Groups of the old configuration that the new one does not have.
    public var removedGroups: [GroupName]
    /// Groups that only the new configuration has.
    public var addedGroups: [GroupName]
    /// Resources of the old configuration that stop before the new one takes effect, with why: their definition
    /// changed, or they leave their group (or the configuration).
    public var restarted: [ResourceName: String]
    /// Resources whose other settings changed (timeouts, monitor, on-fail, restarts, failure-timeout): nothing stops.
    public var retuned: [ResourceName]

    /// The difference from `old` to `new`.
    public init(from old: ClusterSpec, to new: ClusterSpec) {
        var fixed: [String] = []
        if old.cluster.value != new.cluster.value { fixed.append("cluster") }
        if !Self.sameNodes(old.nodes, new.nodes) { fixed.append("nodes") }
        if !Self.sameHeartbeat(old.heartbeat, new.heartbeat) { fixed.append("heartbeat") }
        if old.tiebreaker.map(Self.tiebreakerKey) != new.tiebreaker.map(Self.tiebreakerKey) {
            fixed.append("tiebreaker")
        }
        let endpoint = { (spec: ClusterSpec) in spec.http.map { "\($0.address.value) \($0.port.value)" } }
        if endpoint(old) != endpoint(new) { fixed.append("http") }
        self.fixed = fixed
        let newGroups = Set(new.groups.map(\.name))
        let oldGroups = Set(old.groups.map(\.name))
        removedGroups = old.groups.map(\.name).filter { !newGroups.contains($0) }
        addedGroups = new.groups.map(\.name).filter { !oldGroups.contains($0) }
        var restarted: [ResourceName: String] = [:]
        var retuned: [ResourceName] = []
        for group in old.groups where newGroups.contains(group.name) {
            let kept = new.group(named: group.name)!
            for resource in group.resources {
                guard let now = kept.resources.first(where: { $0.name == resource.name }) else {
                    restarted[resource.name] = "\(resource.name) leaves \(group.name)"
                    continue
                }
                if resource.agent.value != now.agent.value {
                    restarted[resource.name] =
                        "the agent of \(resource.name) changed (\(resource.agent.value) to \(now.agent.value))"
                } else if let changed = Self.changedParameters(resource, now) {
                    restarted[resource.name] = "parameters of \(resource.name) changed: \(changed)"
                } else if Self.settingsKey(resource) != Self.settingsKey(now) {
                    retuned.append(resource.name)
                }
            }
        }
        self.restarted = restarted
        self.retuned = retuned
    }

    /// Whether the new configuration can be taken without restarting the engines.
    public var isLive: Bool { fixed.isEmpty }

    /// Whether nothing the engine runs changes.
    public var isEmpty: Bool { removedGroups.isEmpty && addedGroups.isEmpty && restarted.isEmpty }

    /// One line: what it removes, adds and restarts.
    public var description: String {
        var parts: [String] = []
        if !removedGroups.isEmpty { parts.append("removes \(Self.names(removedGroups))") }
        if !addedGroups.isEmpty { parts.append("adds \(Self.names(addedGroups))") }
        if !restarted.isEmpty { parts.append("restarts \(Self.names(restarted.keys.sorted()))") }
        if !retuned.isEmpty { parts.append("changes the settings of \(Self.names(retuned))") }
        return parts.isEmpty ? "the configuration changes nothing that runs" : parts.joined(separator: "; ")
    }

    private static func names<Kind>(_ names: [Identifier<Kind>]) -> String {
        names.map(\.rawValue).joined(separator: ", ")
    }

    /// The names of the parameters that differ, or `nil` when none does.
    private static func changedParameters(_ old: ResourceSpec, _ new: ResourceSpec) -> String? {
        let before = Dictionary(old.parameters.map { ($0.name, $0.value) }) { _, last in last }
        let after = Dictionary(new.parameters.map { ($0.name, $0.value) }) { _, last in last }
        let changed = Set(before.keys).union(after.keys).filter { before[$0] != after[$0] }.sorted()
        return changed.isEmpty ? nil : changed.joined(separator: ", ")
    }

    /// What a resource's settings are, without where they are written.
    private static func settingsKey(_ resource: ResourceSpec) -> [String] {
        [
            resource.startTimeout.value.configText, resource.stopTimeout.value.configText,
            resource.monitor.map {
                "\($0.effectiveInterval) \($0.timeout?.value.configText ?? "-") \($0.depth?.value ?? 0)"
            } ?? "off",
            resource.onFail.rawValue, "\(resource.maxRestarts?.value ?? -1)", resource.restartWindow.value.configText,
            resource.failureTimeout?.value.configText ?? "-",
        ]
    }

    private static func sameNodes(_ old: [NodeSpec], _ new: [NodeSpec]) -> Bool {
        old.map { [$0.name.rawValue, "\($0.priority)"] + $0.links.map(\.value.description) }
            == new.map { [$0.name.rawValue, "\($0.priority)"] + $0.links.map(\.value.description) }
    }

    private static func sameHeartbeat(_ old: HeartbeatSettings, _ new: HeartbeatSettings) -> Bool {
        [old.interval.value, old.warntime.value, old.deadtime.value, old.initdead.value]
            == [new.interval.value, new.warntime.value, new.deadtime.value, new.initdead.value]
            && old.port.value == new.port.value && old.keyFile.value == new.keyFile.value
    }

    private static func tiebreakerKey(_ tiebreaker: TiebreakerSpec) -> [String] {
        tiebreaker.targets.map(\.value.description) + [tiebreaker.timeout.value.configText]
    }
}

/// The two plans of a configuration change, as `baton plan` shows it before `baton config apply`.
public enum Reconfiguration {
    /// The stops with `old`, then the starts with `new`, the second planned from the state the first leaves when
    /// every action of it succeeds; or why the change cannot be made on a running cluster.
    public static func plans(
        from old: ClusterSpec, to new: ClusterSpec, state: ClusterState
    ) -> Result<[Plan], Refusal> {
        let change = ConfigurationChange(from: old, to: new)
        let trigger = Trigger.reconfiguration(change)
        if let problem = trigger.problem(in: old, state: state) { return .failure(Refusal(reason: problem)) }
        let stops = Planner.plan(old, from: state, trigger: trigger)
        let stopped = state.applying(trigger, in: old).applying(ExecutionReport(succeeding: stops), of: stops, in: old)
        return .success([stops, Planner.plan(new, from: stopped.adopting(new), trigger: .reconfigured)])
    }

    /// Why a change cannot be made.
    public struct Refusal: Error, Hashable, Sendable {
        public var reason: String
    }
}

extension ExecutionReport {
    /// The report of `plan` when every action succeeds and every probe finds nothing running.
    public init(succeeding plan: Plan) {
        self.init(
            results: plan.actions.map { action in
                ActionResult(
                    action: action.id, status: .succeeded, outcome: ActionOutcome(code: action.kind == .probe ? 7 : 0))
            })
    }
}
