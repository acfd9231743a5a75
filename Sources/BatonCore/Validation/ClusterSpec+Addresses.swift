extension ClusterSpec {
    /// Findings about the addresses of links and floating addresses: a link address that cannot be a node's own
    /// (unspecified, multicast, broadcast, or loopback beside links that are not), nodes with different numbers of
    /// links, and a floating address that no interface should take (a network or broadcast address, prefix 0) or
    /// that lies in no link's subnet while no `interface` is given.
    func validateAddresses() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let links = nodes.flatMap { node in node.links.map { (node: node.name, link: $0) } }
        let someLoopback = links.contains { $0.link.value.isLoopback }
        let allLoopback = links.allSatisfy { $0.link.value.isLoopback }
        for (node, link) in links {
            let address = link.value
            let problem: String? =
                address.isUnspecified
                ? "is unspecified"
                : address.isMulticast
                    ? "is a multicast address"
                    : address.isLimitedBroadcast
                        ? "is the broadcast address"
                        : address.isLoopback && someLoopback && !allLoopback
                            ? "is a loopback address, while other links are not" : nil
            guard let problem else { continue }
            diagnostics.append(
                Diagnostic(
                    .error, .badAddress, at: link.location, "link address \(address) of node '\(node)' \(problem)",
                    hint: "a link address is one this node has on that network, which its peers reach it at"))
        }
        if let most = nodes.map(\.links.count).max() {
            for node in nodes where node.links.count < most && !node.links.isEmpty {
                let other = nodes.first { $0.links.count == most }!
                diagnostics.append(
                    Diagnostic(
                        .warning, .heartbeat, at: node.location,
                        "node '\(node.name)' has \(node.links.count) of the \(most) links of node '\(other.name)'",
                        hint: "link N of every node is one network; a node without it is never heard there"))
            }
        }
        for group in groups {
            for resource in group.resources {
                diagnostics += floatingAddressDiagnostics(resource)
            }
        }
        return diagnostics
    }

    private func floatingAddressDiagnostics(_ resource: ResourceSpec) -> [Diagnostic] {
        guard case .builtin(.floatingIP) = resource.agent.value,
            let written = resource.written("address"),
            let address = try? PrefixedAddress(configText: written.value),
            let length = address.prefixLength
        else { return [] }
        let what = "floating address \(address) of resource '\(resource.name)'"
        if length == 0 {
            return [
                Diagnostic(
                    .error, .badAddress, at: written.valueLocation, "\(what) has prefix 0",
                    hint: "give the prefix of the network the address is on, such as /24")
            ]
        }
        if let role = address.address.reservedRole(prefixLength: length) {
            return [
                Diagnostic(
                    .error, .badAddress, at: written.valueLocation, "\(what) is the \(role) address of its subnet",
                    hint: "choose an address between the network and broadcast addresses that no machine has")
            ]
        }
        let inSubnet = nodes.contains { node in
            node.links.contains { $0.value.isIn(address.address, prefixLength: length) }
        }
        guard !inSubnet, resource.parameter("interface") == nil else { return [] }
        return [
            Diagnostic(
                .warning, .badAddress, at: written.valueLocation,
                "\(what) is in the subnet of no node's link",
                hint: "at start the agent needs an interface that already has an address in that subnet; "
                    + "set the parameter 'interface'")
        ]
    }
}
