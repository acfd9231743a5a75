extension ClusterSpec {
    /// The tiebreaker's timeout, against the deadtime; its targets, against each other and the nodes' links.
    func validateTiebreaker() -> [Diagnostic] {
        guard let tiebreaker else { return [] }
        var diagnostics = tiebreaker.timeout.positiveErrors("tiebreaker timeout")
        if tiebreaker.timeout.value >= heartbeat.deadtime.value {
            diagnostics.append(
                Diagnostic(
                    .error, .heartbeat, at: tiebreaker.timeout.location,
                    "tiebreaker timeout \(tiebreaker.timeout.value.configText) must be shorter than deadtime "
                        + heartbeat.deadtime.value.configText,
                    hint: "a node cut off stops its groups once it reaches no target for this long and hears no peer "
                        + "for half the deadtime: both must come before its peers take the groups over"))
        }
        var seen: [IPAddress: SourceLocation] = [:]
        let links = Dictionary(nodes.flatMap { node in node.links.map { ($0.value, node.name) } }) { first, _ in first }
        for target in tiebreaker.targets {
            if let earlier = seen[target.value] {
                diagnostics.append(
                    Diagnostic(
                        .error, .duplicateAddress, at: target.location, "duplicate tiebreaker target \(target.value)",
                        hint: "it is first listed at \(earlier.position)"))
            }
            seen[target.value] = seen[target.value] ?? target.location
            if let node = links[target.value] {
                diagnostics.append(
                    Diagnostic(
                        .error, .badValue, at: target.location,
                        "tiebreaker target \(target.value) is a link of node '\(node)'",
                        hint: "a tiebreaker is a machine outside the cluster (a router, a switch) that each node pings")
                )
            }
        }
        return diagnostics
    }
}
