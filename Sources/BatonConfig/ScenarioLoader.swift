import BatonCore

/// Reads a `baton simulate` scenario: a YAML mapping with `events`, a list of one-key event mappings.
///
/// ```yaml
/// events:
///   - node-lost: node1
///     fail: [start db on node2]       # actions that fail the first time they run
///   - resource-failed: db@node2:7     # RESOURCE[@NODE][:CODE]
///     at: 10m                         # from the scenario's start; default: 1s after the previous event
///   - switchover: {group: erp-db, to: node1}
/// ```
public enum ScenarioLoader {
    /// The event keys, each naming what happens.
    public static let eventKeys = [
        "node-lost", "node-joined", "standby", "online", "resource-failed", "switchover", "stop-group", "start-group",
    ]

    /// Loads a scenario from its bytes; names are checked when the scenario is played.
    public static func load(_ bytes: [UInt8], file: String) -> (scenario: Scenario?, diagnostics: [Diagnostic]) {
        let (root, syntax) = bytes.withUnsafeBufferPointer { YAMLReader.read($0, file: file) }
        guard let root, !root.isNull else {
            let empty = Diagnostic(
                .error, .missingKey, at: SourceLocation(file: file, line: 1, column: 1), "the scenario holds no events",
                hint: "write 'events:' with a list such as '- node-lost: node1'")
            return (nil, syntax.isEmpty ? [empty] : syntax.sorted())
        }
        var decoder = ConfigDecoder()
        let scenario = decoder.decodeScenario(root)
        let diagnostics = (syntax + decoder.diagnostics).sorted()
        return (diagnostics.containsErrors ? nil : scenario, diagnostics)
    }
}

extension ConfigDecoder {
    mutating func decodeScenario(_ root: YAMLNode) -> Scenario? {
        guard let fields = mapping(root, "the scenario", allowed: ["events"]),
            let items = required(fields, "events").flatMap({ list($0, "events") })
        else { return nil }
        let events = items.enumerated().compactMap { decodeEvent($1, number: $0 + 1) }
        checkTimes(events)
        return Scenario(events: events)
    }

    /// Refuses an `at` earlier than the time of the event before it (its own `at`, or one second after the event
    /// before it, counted from the last `at` written): events play in the order written.
    private mutating func checkTimes(_ events: [ScenarioEvent]) {
        var previous: (time: Duration, number: Int)?
        for (offset, event) in events.enumerated() {
            guard let time = event.time else {
                previous = previous.map { ($0.time + .seconds(1), offset + 1) }
                continue
            }
            if let previous, time < previous.time {
                report(
                    .badValue, at: event.timeLocation ?? event.location,
                    "'at' of event \(offset + 1) (\(time.configText)) is before event \(previous.number) "
                        + "(\(previous.time.configText))",
                    hint: "events play in the order written: move the event, or give it a later 'at'")
            }
            previous = (time, offset + 1)
        }
    }

    private mutating func decodeEvent(_ node: YAMLNode, number: Int) -> ScenarioEvent? {
        let what = "event \(number)"
        guard let fields = mapping(node, what, allowed: ScenarioLoader.eventKeys + ["at", "fail"]) else { return nil }
        let written = ScenarioLoader.eventKeys.filter { fields[$0] != nil }
        guard written.count == 1, let key = written.first, let value = fields[key] else {
            report(
                .badValue, at: node.location, "\(what) must name exactly one event",
                hint: "use one of \(ScenarioLoader.eventKeys.joined(separator: ", "))")
            return nil
        }
        let time = fields["at"].flatMap { duration($0, "'at' of \(what)") }
        var labels: [String: SourceLocation] = [:]
        let failing = fields["fail"].flatMap { list($0, "'fail' of \(what)") }?.compactMap { item in
            decodeInjection(item, of: what).map { injection in
                labels[injection.0] = item.location
                return injection
            }
        }
        guard let happening = decodeHappening(key, value, of: what) else { return nil }
        var event = ScenarioEvent(
            happening, at: time?.value, failing: Dictionary(failing ?? [], uniquingKeysWith: { _, last in last }),
            location: node.location)
        event.timeLocation = time?.location
        event.failingLocations = labels
        return event
    }

    private mutating func decodeHappening(_ key: String, _ value: YAMLNode, of what: String) -> ScenarioEvent.Happening?
    {
        if key == "switchover" {
            guard let fields = mapping(value, "switchover of \(what)", allowed: ["group", "to"]),
                let group = required(fields, "group").flatMap({ string($0, "group") }),
                let node = required(fields, "to").flatMap({ string($0, "to") })
            else { return nil }
            return .trigger(.switchover(GroupName(group.value), to: NodeName(node.value)))
        }
        guard let text = string(value, "\(key) of \(what)") else { return nil }
        switch key {
        case "node-lost": return .trigger(.nodeLost(NodeName(text.value)))
        case "node-joined": return .trigger(.nodeJoined(NodeName(text.value)))
        case "standby": return .trigger(.standby(NodeName(text.value)))
        case "online": return .trigger(.online(NodeName(text.value)))
        case "stop-group": return .trigger(.stopGroup(GroupName(text.value)))
        case "start-group": return .trigger(.startGroup(GroupName(text.value)))
        default:
            return parse(text) { text throws(ValueError) in try ResourceFailure(configText: text) }
                .map { .resourceFailure($0.value) }
        }
    }

    /// `start db on node2`, or `{action: start db on node2, code: 5}`; the code defaults to 1.
    private mutating func decodeInjection(_ node: YAMLNode, of what: String) -> (String, Int)? {
        if case .scalar = node.content {
            return string(node, "an action to fail").map { ($0.value, 1) }
        }
        guard let fields = mapping(node, "an action to fail in \(what)", allowed: ["action", "code"]),
            let action = required(fields, "action").flatMap({ string($0, "action") })
        else { return nil }
        guard let code = fields["code"].flatMap({ integer($0, "code") }) else { return (action.value, 1) }
        guard (0...255).contains(code.value) else {
            report(
                .badValue, at: code.location, "exit code \(code.value) of '\(action.value)' is outside 0 to 255",
                hint: "a process exits with 0 to 255; OCF agents use 0 to 9")
            return nil
        }
        return (action.value, code.value)
    }
}
