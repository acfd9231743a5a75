extension ClusterSpec {
    /// Findings about what two resources of built-in agents would share on one node: the same floating address,
    /// volume device or mount point (a mutual takeover would run both on one node), a floating address that is a
    /// node's own link address, and a volume mounted on `/`. Each at the value that repeats, naming the first use.
    func validateSharedResources() -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        var addresses: [IPAddress: ResourceName] = [:]
        var devices: [String: ResourceName] = [:]
        var directories: [String: ResourceName] = [:]
        let links = Dictionary(
            nodes.flatMap { node in node.links.map { ($0.value, node.name) } }, uniquingKeysWith: { first, _ in first })
        for group in groups {
            for resource in group.resources {
                guard case .builtin(let agent) = resource.agent.value else { continue }
                switch agent {
                case .floatingIP:
                    guard let written = resource.written("address"),
                        let address = try? PrefixedAddress(configText: written.value).address
                    else { continue }
                    if let node = links[address] {
                        diagnostics.append(
                            Diagnostic(
                                .error, .duplicateAddress, at: written.valueLocation,
                                "floating address \(address) of resource '\(resource.name)' is a link address of "
                                    + "node '\(node)'",
                                hint: "a floating address moves between nodes; give it one that no node owns"))
                    }
                    diagnostics += Self.sharedValue(
                        address, of: resource.name, at: written.valueLocation, in: &addresses, noun: "floating address")
                case .volume:
                    if let device = resource.written("device") {
                        diagnostics += Self.sharedValue(
                            device.value, of: resource.name, at: device.valueLocation, in: &devices, noun: "device")
                    }
                    if let directory = resource.written("directory") {
                        if directory.value == "/" {
                            diagnostics.append(
                                Diagnostic(
                                    .error, .badValue, at: directory.valueLocation,
                                    "volume '\(resource.name)' would be mounted on /",
                                    hint: "mount it on a directory of its own, such as /srv/data"))
                        }
                        diagnostics += Self.sharedValue(
                            directory.value, of: resource.name, at: directory.valueLocation, in: &directories,
                            noun: "mount point")
                    }
                default:
                    break
                }
            }
        }
        return diagnostics
    }

    /// An error when `value` was used by an earlier resource; else it is noted as this one's.
    private static func sharedValue<Value: Hashable & CustomStringConvertible>(
        _ value: Value, of resource: ResourceName, at location: SourceLocation, in seen: inout [Value: ResourceName],
        noun: String
    ) -> [Diagnostic] {
        guard let first = seen[value] else {
            seen[value] = resource
            return []
        }
        return [
            Diagnostic(
                .error, .sharedResource, at: location,
                "\(noun) \(value) of resource '\(resource)' is also that of resource '\(first)'",
                hint: "two groups that may run on one node (a mutual takeover) would both use it there")
        ]
    }
}
