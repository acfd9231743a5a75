extension ClusterSpec {
    /// Devices, their agents, timeouts and retries; the topology's nodes and devices; that every node can be fenced;
    /// and, without fencing, a warning for each group that holds data.
    func validateFencing() -> [Diagnostic] {
        guard let fencing else { return dataWithoutFencing() }
        var diagnostics = Self.duplicateErrors(fencing.devices.map { ($0.name, $0.location) }, noun: "fence device")
        for device in fencing.devices {
            diagnostics += Self.nameErrors(device.name.rawValue, DeviceName.self, at: device.location)
            diagnostics += device.validate()
        }
        let nodeNames = nodes.map(\.name)
        let deviceNames = fencing.devices.map(\.name)
        diagnostics += Self.duplicateErrors(
            fencing.topology.map { ($0.node.value, $0.node.location) }, noun: "node in the fencing topology")
        for entry in fencing.topology {
            if !nodeNames.contains(entry.node.value) {
                diagnostics.append(Self.unknownReference(entry.node, known: nodeNames, in: "the fencing topology"))
            }
            for level in entry.levels {
                if level.devices.isEmpty {
                    diagnostics.append(
                        Diagnostic(
                            .error, .badValue, at: level.location,
                            "a fence level of node '\(entry.node.value)' has no devices",
                            hint: "name the devices of the level, or remove it"))
                }
                for device in level.devices where !deviceNames.contains(device.value) {
                    diagnostics.append(
                        Self.unknownReference(
                            device, known: deviceNames, in: "the levels of node '\(entry.node.value)'")
                    )
                }
            }
        }
        guard fencing.isEnabled else { return diagnostics }
        for node in nodes where fencing.levels(of: node.name).isEmpty {
            diagnostics.append(
                Diagnostic(
                    .error, .missingKey, at: fencing.location, "node '\(node.name)' has no fence levels",
                    hint:
                        "list its devices under 'topology' (\(node.name): [DEVICE]); a node that cannot be fenced "
                        + "keeps its groups from starting elsewhere once it is lost"))
        }
        return diagnostics
    }

    /// Without `fencing:` or `tiebreaker:`, a group whose resources hold data may run on two nodes at once.
    private func dataWithoutFencing() -> [Diagnostic] {
        guard nodes.count > 1, tiebreaker == nil else { return [] }
        return groups.compactMap { group in
            guard let holder = group.resources.first(where: \.holdsData) else { return nil }
            return Diagnostic(
                .warning, .noEffect, at: holder.location,
                "group '\(group.name)' holds data (\(holder.name)) and the cluster has no fencing: when a node's "
                    + "engine dies alone or every link is cut, its peer starts the group while the old holder may "
                    + "still run it, and both write the data",
                hint: "add a 'fencing:' section with a device for each node, or a 'tiebreaker:' the nodes ping, or "
                    + "write 'fencing: {mode: off}' to accept the risk")
        }
    }
}

extension ResourceSpec {
    /// Whether the resource holds data that two nodes must never write at once: a volume, a file system, a volume
    /// group or a database.
    public var holdsData: Bool {
        switch agent.value {
        case .builtin(let builtin): builtin == .volume
        case .ocf(_, let type):
            ["Filesystem", "LVM-activate", "LVM", "pgsql", "mysql", "iSCSILogicalUnit"].contains(type)
        default: false
        }
    }
}

extension FenceDevice {
    /// What a fence-agent program is called: `fence_NAME`, or a path.
    public static func isAgentText(_ text: String) -> Bool {
        if text.contains("/") { return !text.hasSuffix("/") }
        guard text.hasPrefix("fence_"), text.utf8.count > 6 else { return false }
        return text.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == .underscore || $0 == .hyphen }
    }

    func validate() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if !Self.isAgentText(agent.value) {
            diagnostics.append(
                Diagnostic(
                    .error, .badAgent, at: agent.location, "'\(agent.value)' is not a fence agent",
                    hint: "name one of /usr/sbin/fence_* (fence_ipmilan, fence_dummy), or give a path to a program "
                        + "that speaks the fence-agent protocol"))
        }
        if timeout.value <= .zero {
            diagnostics.append(
                Diagnostic(
                    .error, .badValue, at: timeout.location,
                    "timeout of fence device '\(name)' must be longer than zero",
                    hint: "give the device time to power the node off, e.g. 20s"))
        }
        if !(0...10).contains(retries.value) {
            diagnostics.append(
                Diagnostic(
                    .error, .badValue, at: retries.location,
                    "retries \(retries.value) of fence device '\(name)' is "
                        + "out of range", hint: "use 0 to 10 more attempts after the first"))
        }
        for reserved in parameters where ["action", "nodename"].contains(reserved.name) {
            diagnostics.append(
                Diagnostic(
                    .error, .badParameter, at: reserved.location,
                    "parameter '\(reserved.name)' of fence device '\(name)' is set by Baton",
                    hint: "remove it; Baton passes the action (fencing 'action') and the node being fenced"))
        }
        // One option per line on the agent's standard input: a line break would smuggle in another option.
        for parameter in parameters where parameter.value.contains("\n") || parameter.value.contains("\r") {
            diagnostics.append(
                Diagnostic(
                    .error, .badValue, at: parameter.valueLocation,
                    "parameter '\(parameter.name)' of fence device '\(name)' holds a line break",
                    hint: "fence agents read one name=value option per line; write the value on one line"))
        }
        return diagnostics
    }
}
