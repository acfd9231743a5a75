import BatonCore

#if canImport(Glibc)
    import Glibc
#endif

extension AgentCatalog {
    /// Findings about the parameters of every OCF, LSB and script resource, from its agent's meta-data on this
    /// machine: unknown names, values that are not of the declared integer type, and missing required
    /// parameters, at their line and column. An agent that is not installed, or whose meta-data cannot be read,
    /// gives one warning per resource, since the configuration may be written on a machine that does not run it.
    /// Built-in agents are checked by ``ClusterSpec/validate()``; systemd units take no parameters to check.
    public func metadataDiagnostics(for spec: ClusterSpec) async -> [Diagnostic] {
        var metadata: [AgentReference: Result<AgentMetadata, MetadataUnavailable>] = [:]
        var diagnostics: [Diagnostic] = []
        /// The first resource that gave each agent's unique parameter each value.
        var uniqueValues: [String: ResourceName] = [:]
        for resource in spec.resources {
            let reference = resource.agent.value
            guard let path = installedPath(of: reference) else { continue }
            if metadata[reference] == nil {
                metadata[reference] = await readMetadata(of: reference, at: path)
            }
            switch metadata[reference]! {
            case .success(let found):
                diagnostics += resource.parameterDiagnostics(
                    against: found.parameterSpecs, agentName: reference.description)
                diagnostics += resource.monitorDepthDiagnostics(
                    declared: Set(found.actions.filter { $0.name == "monitor" }.compactMap(\.depth)),
                    agentName: reference.description, complete: false)
                for parameter in found.parameters where parameter.contradictsItsDefault {
                    guard let written = resource.written(parameter.name), Int(written.value) == nil else { continue }
                    diagnostics.append(
                        Diagnostic(
                            .warning, .badParameter, at: written.valueLocation,
                            "parameter '\(parameter.name)' of resource '\(resource.name)': '\(written.value)' is not "
                                + "the integer that the meta-data of \(reference) declares",
                            hint: "its own default, '\(parameter.defaultValue ?? "")', is not one either, so the type "
                                + "is not trusted; check what the agent accepts"))
                }
                for parameter in found.parameters where parameter.isUnique {
                    guard let written = resource.written(parameter.name) else { continue }
                    let key = "\(reference)\u{0}\(parameter.name)\u{0}\(written.value)"
                    guard let first = uniqueValues[key] else {
                        uniqueValues[key] = resource.name
                        continue
                    }
                    diagnostics.append(
                        Diagnostic(
                            .error, .sharedResource, at: written.valueLocation,
                            "parameter '\(parameter.name)' of resource '\(resource.name)' has the value of resource "
                                + "'\(first)', and \(reference) says it is unique",
                            hint: "two resources of this agent may not share it; give each its own value"))
                }
            case .failure(let unavailable):
                diagnostics.append(
                    Diagnostic(
                        .warning, .agentUnavailable, at: resource.agent.location,
                        "parameters of resource '\(resource.name)' not checked: \(unavailable.reason)",
                        hint: unavailable.hint))
            }
        }
        return diagnostics + (await fenceDiagnostics(for: spec))
    }

    /// Findings about each fence device from its agent's meta-data (`AGENT -o metadata`): unknown parameters, and
    /// required ones not written, but for those Baton passes itself (the action, the node). An agent that is not
    /// installed here gives a warning.
    func fenceDiagnostics(for spec: ClusterSpec) async -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for device in spec.fencing?.devices ?? [] where FenceDevice.isAgentText(device.agent.value) {
            let path = fenceAgentPath(device.agent.value)
            guard access(path, X_OK) == 0 else {
                diagnostics.append(
                    Diagnostic(
                        .warning, .agentUnavailable, at: device.agent.location,
                        "fence device '\(device.name)' not checked: \(device.agent.value) is not installed on this "
                            + "machine (no executable \(path))",
                        hint: "install it (Debian's fence-agents), or validate on a node that has it"))
                continue
            }
            guard let metadata = await fenceMetadata(device.agent.value) else {
                diagnostics.append(
                    Diagnostic(
                        .warning, .agentUnavailable, at: device.agent.location,
                        "fence device '\(device.name)' not checked: \(device.agent.value) prints no meta-data that "
                            + "Baton can read", hint: "run '\(path) -o metadata' to see what it prints"))
                continue
            }
            let passed: Set<String> = ["action", "nodename", "plug", "port"]
            // A deprecated parameter is required only as another name of its replacement (`ipaddr` of `ip`).
            let specs = zip(metadata.parameters, metadata.parameterSpecs).map { parameter, spec -> ParameterSpec in
                var spec = spec
                if passed.contains(spec.name) || parameter.isDeprecated { spec.isRequired = false }
                return spec
            }
            diagnostics += Parameter.diagnostics(
                device.parameters, against: specs, of: "fence device '\(device.name)'",
                agentName: device.agent.value, at: device.location)
        }
        return diagnostics
    }

    /// A fence agent's meta-data (`AGENT -o metadata`), or `nil` when it prints none that parses.
    public func fenceMetadata(_ agent: String) async -> AgentMetadata? {
        let result = await ProcessRunner().run(
            ProcessRequest(
                executable: fenceAgentPath(agent), arguments: ["-o", "metadata"], timeout: AgentRequest.metadataTimeout,
                grace: grace))
        return AgentMetadata(xml: result.outputText)
    }

    /// Why an agent's meta-data could not be had.
    struct MetadataUnavailable: Error {
        var reason: String
        var hint: String
    }

    private func readMetadata(
        of reference: AgentReference, at path: String
    ) async -> Result<AgentMetadata, MetadataUnavailable> {
        guard access(path, X_OK) == 0 else {
            return .failure(
                MetadataUnavailable(
                    reason: "\(reference) is not installed on this machine (no executable \(path))",
                    hint: "install the agent, or validate on a node that has it"))
        }
        guard let metadata = await agent(for: reference).metadata() else {
            return .failure(
                MetadataUnavailable(
                    reason: "\(reference) prints no meta-data that Baton can read",
                    hint: "run '\(path) meta-data' to see what the agent prints"))
        }
        return .success(metadata)
    }
}

extension AgentMetadata {
    /// The parameters as Baton checks them: integers must be whole numbers, other types take any text.
    public var parameterSpecs: [ParameterSpec] {
        parameters.map {
            ParameterSpec($0.name, $0.declaresInteger ? .integer : .any, required: $0.isRequired, $0.summary)
        }
    }
}

extension AgentMetadata.Parameter {
    /// Whether values must be whole numbers: the type says `integer`, and the agent's own default is one (Debian's
    /// `ocf:pacemaker:ping` declares `dampen` an integer with the default `5s`; such a type is not to be trusted).
    var declaresInteger: Bool {
        type == "integer" && defaultValue.map { Int($0) != nil } != false
    }

    /// Whether the type says `integer` while the agent's own default is not one.
    var contradictsItsDefault: Bool {
        type == "integer" && !declaresInteger
    }
}
