extension ClusterSpec {
    /// Every semantic finding about this specification, sorted by position.
    ///
    /// The YAML loader reports what it cannot turn into a model (syntax, types, unknown keys, a node without links
    /// or a group without resources as written); this reports what is wrong with the model itself: names,
    /// duplicates, references, timings, constraints and parameters.
    public func validate() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        diagnostics += Self.nameErrors(cluster.value.rawValue, ClusterName.self, at: cluster.location)
        diagnostics += heartbeat.validate()
        diagnostics += http?.validate() ?? []
        diagnostics += validateNodes()
        diagnostics += validateGroups()
        // By index: a resource copied out of its array retains each of its dozen fields, 50,000 times over.
        for group in groups.indices {
            for resource in groups[group].resources.indices {
                diagnostics += groups[group].resources[resource].validate()
            }
        }
        diagnostics += validateAddresses()
        diagnostics += validateSharedResources()
        diagnostics += validateOrder()
        diagnostics += validateColocation()
        if let events { diagnostics += events.validate() }
        diagnostics += validateFencing()
        diagnostics += validateTiebreaker()
        return diagnostics.sorted()
    }

    static func nameErrors<Kind>(_ text: String, _: Identifier<Kind>.Type, at location: SourceLocation) -> [Diagnostic]
    {
        Identifier<Kind>.syntaxError(in: text).map { [Diagnostic($0, at: location)] } ?? []
    }

    /// Reports the second and later uses of a name; the earlier place is looked up only when there is one.
    static func duplicateErrors<Name: Hashable & CustomStringConvertible>(
        _ items: some Collection<(name: Name, location: SourceLocation)>, noun: String
    ) -> [Diagnostic] {
        var seen = Set<Name>(minimumCapacity: items.count)
        var diagnostics: [Diagnostic] = []
        for item in items where !seen.insert(item.name).inserted {
            let earlier = items.first { $0.name == item.name }!.location
            diagnostics.append(
                Diagnostic(
                    .error, .duplicateName, at: item.location, "duplicate \(noun) '\(item.name)'",
                    hint: "it is first defined at \(earlier.position); give each \(noun) its own name"))
        }
        return diagnostics
    }

    /// An "unknown node/group" diagnostic with a suggestion from the names that exist.
    static func unknownReference<Kind>(_ name: Located<Identifier<Kind>>, known: [Identifier<Kind>], in context: String)
        -> Diagnostic
    {
        let suggestion = Spelling.suggestion(for: name.value.rawValue, among: known.map(\.rawValue))
        let hint = suggestion.map { "did you mean '\($0)'?" } ?? "define \(Kind.noun) '\(name.value)' or remove it here"
        return Diagnostic(
            .error, .unknownReference, at: name.location, "unknown \(Kind.noun) '\(name.value)' in \(context)",
            hint: hint)
    }

    private func validateNodes() -> [Diagnostic] {
        var diagnostics = Self.duplicateErrors(nodes.map { ($0.name, $0.location) }, noun: "node")
        var owners: [IPAddress: (node: NodeName, location: SourceLocation)] = [:]
        for node in nodes {
            diagnostics += Self.nameErrors(node.name.rawValue, NodeName.self, at: node.location)
            if !NodeSpec.priorityRange.contains(node.priority) {
                diagnostics.append(
                    Diagnostic(
                        .error, .badValue, at: node.location,
                        "priority \(node.priority) of node '\(node.name)' is out of range",
                        hint:
                            "use a priority from \(NodeSpec.priorityRange.lowerBound) to \(NodeSpec.priorityRange.upperBound)"
                    ))
            }
            for link in node.links {
                if let owner = owners[link.value] {
                    let whose = owner.node == node.name ? "node '\(node.name)' already" : "node '\(owner.node)'"
                    diagnostics.append(
                        Diagnostic(
                            .error, .duplicateAddress, at: link.location,
                            "link address \(link.value) of node '\(node.name)' is also a link of \(whose)",
                            hint:
                                "every link address belongs to one node only; the other is at \(owner.location.position)"
                        ))
                } else {
                    owners[link.value] = (node.name, link.location)
                }
            }
        }
        return diagnostics
    }

    private func validateGroups() -> [Diagnostic] {
        var diagnostics = Self.duplicateErrors(groups.map { ($0.name, $0.location) }, noun: "group")
        var resources: [(name: ResourceName, location: SourceLocation)] = []
        for group in groups.indices {
            for resource in groups[group].resources.indices {
                resources.append((groups[group].resources[resource].name, groups[group].resources[resource].location))
            }
        }
        diagnostics += Self.duplicateErrors(resources, noun: "resource")
        let nodeNames = nodes.map(\.name)
        let defined = Set(nodeNames)
        for group in groups {
            diagnostics += Self.nameErrors(group.name.rawValue, GroupName.self, at: group.location)
            if let delay = group.failbackDelay, group.failback != .auto {
                diagnostics.append(
                    Diagnostic(
                        .warning, .noEffect, at: delay.location,
                        "failback-delay of group '\(group.name)' has no effect: the group does not fail back",
                        hint: "write 'failback: auto', or remove failback-delay"))
            }
            guard let listed = group.nodes else { continue }
            if listed.isEmpty {
                diagnostics.append(
                    Diagnostic(
                        .error, .unplaceable, at: group.location, "group '\(group.name)' can run on no node",
                        hint: "list at least one node under 'nodes', or remove 'nodes' to allow every node"))
            }
            var seen: [NodeName: SourceLocation] = [:]
            for name in listed {
                if !defined.contains(name.value) {
                    diagnostics.append(Self.unknownReference(name, known: nodeNames, in: "group '\(group.name)'"))
                } else if let earlier = seen[name.value] {
                    diagnostics.append(
                        Diagnostic(
                            .error, .duplicateName, at: name.location,
                            "node '\(name.value)' is listed twice for group '\(group.name)'",
                            hint: "list each node once, in preference order; it is first listed at \(earlier.position)")
                    )
                } else {
                    seen[name.value] = name.location
                }
            }
            if seen.count == 1, let only = listed.first, nodes.count > 1 {
                diagnostics.append(
                    Diagnostic(
                        .warning, .unplaceable, at: only.location,
                        "group '\(group.name)' can run only on node '\(only.value)': nothing takes it over when "
                            + "\(only.value) is lost",
                        hint: "list the other nodes that may run it, in preference order"))
            }
        }
        return diagnostics
    }
}

extension HeartbeatSettings {
    /// Timings an administrator would never want: a node declared dead between two packets, and so on.
    func validate() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if !(1...65535).contains(port.value) {
            diagnostics.append(
                Diagnostic(
                    .error, .badValue, at: port.location, "port \(port.value) is out of range",
                    hint: "use a UDP port from 1 to 65535"))
        }
        guard interval.value > .zero else {
            return diagnostics + [
                Diagnostic(
                    .error, .heartbeat, at: interval.location, "heartbeat interval must be longer than zero",
                    hint: "use the test-packet period, e.g. 200ms or 1s")
            ]
        }
        if warntime.value <= interval.value {
            diagnostics.append(
                Diagnostic(
                    .warning, .heartbeat, at: warntime.location,
                    "warntime \(warntime.value.configText) is not longer than interval \(interval.value.configText); links will be reported late between packets",
                    hint: "make warntime at least twice the interval (\((interval.value * 2).configText))"))
        }
        if warntime.value >= deadtime.value {
            diagnostics.append(
                Diagnostic(
                    .error, .heartbeat, at: warntime.location,
                    "warntime \(warntime.value.configText) must be shorter than deadtime \(deadtime.value.configText)",
                    hint: "a link must be late before it is down; lower warntime or raise deadtime"))
        }
        if deadtime.value < interval.value * 2 {
            diagnostics.append(
                Diagnostic(
                    .error, .heartbeat, at: deadtime.location,
                    "deadtime \(deadtime.value.configText) is less than two intervals (\((interval.value * 2).configText))",
                    hint:
                        "one lost packet would declare a node dead; make deadtime at least \((interval.value * 2).configText)"
                ))
        }
        if initdead.value < deadtime.value {
            diagnostics.append(
                Diagnostic(
                    .error, .heartbeat, at: initdead.location,
                    "initdead \(initdead.value.configText) is shorter than deadtime \(deadtime.value.configText)",
                    hint: "at start, listen at least deadtime for peers before acting alone; raise initdead"))
        }
        if keyFile.value.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .error, .badValue, at: keyFile.location, "key-file is empty",
                    hint: "name the file that holds the cluster's shared secret, e.g. /etc/baton/authkey"))
        }
        return diagnostics
    }
}

extension EventSettings {
    func validate() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if handler.value.isEmpty {
            diagnostics.append(
                Diagnostic(
                    .error, .badValue, at: handler.location, "event handler is empty",
                    hint: "name the program to run for every event, or remove 'events'"))
        }
        diagnostics += timeout.positiveErrors("event handler timeout")
        return diagnostics
    }
}

extension Located<Duration> {
    /// An error when this duration is zero: no timeout or period may be.
    func positiveErrors(_ what: @autoclosure () -> String) -> [Diagnostic] {
        guard value <= .zero else { return [] }
        return [
            Diagnostic(
                .error, .badDuration, at: location, "\(what()) must be longer than zero",
                hint: "write a positive duration such as 10s")
        ]
    }
}
