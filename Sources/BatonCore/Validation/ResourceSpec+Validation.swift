extension ResourceSpec {
    /// Findings about one resource: its name, timings and parameters.
    func validate() -> [Diagnostic] {
        var diagnostics = ClusterSpec.nameErrors(name.rawValue, ResourceName.self, at: location)
        diagnostics += startTimeout.positiveErrors("start timeout of resource '\(name)'")
        diagnostics += stopTimeout.positiveErrors("stop timeout of resource '\(name)'")
        diagnostics += restartWindow.positiveErrors("restart-window of resource '\(name)'")
        diagnostics += failureTimeout?.positiveErrors("failure-timeout of resource '\(name)'") ?? []
        if let interval = monitor?.interval {
            diagnostics += interval.positiveErrors("monitor interval of resource '\(name)'")
        }
        if let timeout = monitor?.timeout {
            diagnostics += timeout.positiveErrors("monitor timeout of resource '\(name)'")
        }
        if let depth = monitor?.depth {
            diagnostics += depthDiagnostics(depth)
        }
        if let maxRestarts {
            if maxRestarts.value < 0 {
                diagnostics.append(
                    Diagnostic(
                        .error, .badValue, at: maxRestarts.location, "max-restarts of resource '\(name)' is negative",
                        hint: "use 0 to fail over at the first failure, or a positive count"))
            } else if onFail != .restart {
                diagnostics.append(
                    Diagnostic(
                        .warning, .noEffect, at: maxRestarts.location,
                        "max-restarts has no effect on resource '\(name)' with on-fail: \(onFail.rawValue)",
                        hint: "remove max-restarts, or set on-fail: restart"))
            }
        }
        for parameter in parameters where !Self.isEnvironmentName(parameter.name) {
            diagnostics.append(
                Diagnostic(
                    .error, .badParameter, at: parameter.location,
                    "parameter name '\(parameter.name)' cannot become OCF_RESKEY_\(parameter.name)",
                    hint: "use letters, digits and '_', starting with a letter or '_'"))
        }
        if case .builtin(let builtin) = agent.value {
            diagnostics += parameterDiagnostics(against: builtin.parameters, agentName: builtin.rawValue)
            if builtin == .service { diagnostics += serviceDiagnostics() }
        }
        diagnostics += monitorTimingWarnings()
        return diagnostics
    }

    /// A `service` runs a systemd unit or a command: exactly one of the two.
    private func serviceDiagnostics() -> [Diagnostic] {
        switch (written("unit"), written("command")) {
        case (nil, nil):
            [
                Diagnostic(
                    .error, .badParameter, at: location, "resource '\(name)' (service) has neither unit nor command",
                    hint: "give unit (a systemd unit) or, where no systemd runs, command and pidfile")
            ]
        case (.some, .some(let command)):
            [
                Diagnostic(
                    .error, .badParameter, at: command.location,
                    "resource '\(name)' (service) has both unit and command",
                    hint: "a service is a systemd unit or a command; keep the one this node runs")
            ]
        default:
            []
        }
    }

    /// Monitor timings that defeat their purpose: a restart-window shorter than the interval (two failures never
    /// fall in one window, so max-restarts never moves the group), and a written timeout longer than the interval
    /// (a hung monitor is noticed only after the timeout). The default timeout (30 s) is not judged: it was not
    /// chosen.
    private func monitorTimingWarnings() -> [Diagnostic] {
        guard let monitor else { return [] }
        let interval = monitor.effectiveInterval
        var diagnostics: [Diagnostic] = []
        if restartWindow.value < interval, onFail == .restart {
            diagnostics.append(
                Diagnostic(
                    .warning, .noEffect, at: restartWindow.location,
                    "restart-window \(restartWindow.value.configText) of resource '\(name)' is shorter than its "
                        + "monitor interval \(interval.configText): failures never add up, so the group never moves",
                    hint: "make the window several intervals long, such as the default 10m"))
        }
        if let timeout = monitor.timeout, timeout.value > interval {
            diagnostics.append(
                Diagnostic(
                    .warning, .badValue, at: timeout.location,
                    "monitor timeout \(timeout.value.configText) of resource '\(name)' is longer than its interval "
                        + "\(interval.configText): a monitor that hangs is noticed only after the timeout",
                    hint: "a timeout no longer than the interval keeps detection within one interval"))
        }
        return diagnostics
    }

    /// Findings about a monitor depth: never negative, and for a built-in agent one it checks at. Other agents'
    /// depths are checked against their meta-data (``monitorDepthDiagnostics(declared:agentName:)``).
    private func depthDiagnostics(_ depth: Located<Int>) -> [Diagnostic] {
        guard depth.value >= 0 else {
            return [
                Diagnostic(
                    .error, .badValue, at: depth.location, "monitor depth of resource '\(name)' is negative",
                    hint: "OCF check levels are 0 (the default), 10, 20 and so on")
            ]
        }
        guard case .builtin(let builtin) = agent.value else { return [] }
        return monitorDepthDiagnostics(declared: builtin.monitorDepths, agentName: builtin.rawValue, complete: true)
    }

    /// Findings about the monitor depth against the depths an agent declares for its monitor action (0 is always
    /// accepted: it is every agent's plain check). A depth a built-in agent does not have is an error; one that an
    /// agent's meta-data does not list is a warning (`complete: false`), since agents such as Debian's Filesystem
    /// list only depth 0 and describe their deeper checks in prose.
    public func monitorDepthDiagnostics(declared: Set<Int>, agentName: String, complete: Bool) -> [Diagnostic] {
        guard let depth = monitor?.depth, depth.value > 0, !declared.contains(depth.value) else { return [] }
        let depths = (declared.union([0])).sorted().map(String.init).joined(separator: ", ")
        return [
            Diagnostic(
                complete ? .error : .warning, complete ? .badValue : .noEffect, at: depth.location,
                complete
                    ? "\(agentName) has no monitor at depth \(depth.value) (resource '\(name)')"
                    : "the meta-data of \(agentName) lists no monitor at depth \(depth.value) (resource '\(name)')",
                hint: complete
                    ? "its monitor depths are \(depths)"
                    : "it lists depths \(depths); check that the agent's documentation describes depth \(depth.value)")
        ]
    }

    /// Findings about the parameters against those an agent declares: unknown names (with a suggestion), values
    /// that do not fit their kind, and required parameters that are missing.
    /// - Parameters:
    ///   - specs: the agent's parameters, from its table or its meta-data.
    ///   - agentName: the agent as hints name it.
    public func parameterDiagnostics(against specs: [ParameterSpec], agentName: String) -> [Diagnostic] {
        Parameter.diagnostics(parameters, against: specs, of: "resource '\(name)'", agentName: agentName, at: location)
    }

    private static func isEnvironmentName(_ text: String) -> Bool {
        guard let first = text.utf8.first, first.isASCIILetter || first == .underscore else { return false }
        return text.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == .underscore }
    }
}

extension ParameterSpec.Kind {
    /// Why `value` does not fit this kind, or `nil` when it does.
    public func check(_ value: String) -> ValueError? {
        do throws(ValueError) {
            switch self {
            case .any:
                break
            case .integer:
                if Int(value) == nil {
                    return ValueError(.badParameter, "'\(value)' is not an integer", hint: "write a whole number")
                }
            case .text:
                if value.isEmpty {
                    return ValueError(.badParameter, "value is empty", hint: "write a value or remove the parameter")
                }
            case .address:
                _ = try IPAddress(configText: value)
            case .prefixedAddress:
                _ = try PrefixedAddress(configText: value)
            case .duration:
                _ = try Duration(configText: value)
            case .absolutePath:
                if !value.hasPrefix("/") {
                    return ValueError(
                        .badParameter, "'\(value)' is not an absolute path", hint: "write a path that starts with '/'")
                }
            case .boolean:
                if !["true", "false"].contains(value) {
                    return ValueError(.badParameter, "'\(value)' is not true or false", hint: "write true or false")
                }
            case .port:
                if !(1...65535).contains(Int(value) ?? 0) {
                    return ValueError(.badParameter, "'\(value)' is not a port", hint: "write a port from 1 to 65535")
                }
            case .hostname:
                return Self.hostnameError(value)
            case .command:
                _ = try CommandWords(configText: value)
            }
        } catch {
            return error
        }
        return nil
    }

    private static func hostnameError(_ value: String) -> ValueError? {
        let labels = value.split(separator: ".", omittingEmptySubsequences: false)
        let valid =
            value.utf8.count <= 253
            && labels.allSatisfy { label in
                (1...63).contains(label.utf8.count) && label.utf8.first != .hyphen && label.utf8.last != .hyphen
                    && label.utf8.allSatisfy { $0.isASCIIAlphanumeric || $0 == .hyphen }
            }
        return valid
            ? nil
            : ValueError(
                .badParameter, "'\(value)' is not a host name",
                hint: "use labels of letters, digits and '-', separated by dots, such as erp-db or erp-db.example.lan")
    }
}

extension Parameter {
    /// Findings about `parameters` of `owner` (`resource 'db'`, `fence device 'ipmi-n1'`, written at `location`)
    /// against what its agent takes: unknown names, values of the wrong kind, required parameters not written.
    public static func diagnostics(
        _ parameters: [Parameter], against specs: [ParameterSpec], of owner: String, agentName: String,
        at location: SourceLocation
    ) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for parameter in parameters {
            guard let spec = specs.first(where: { $0.name == parameter.name }) else {
                let names = specs.map(\.name)
                let suggestion = Spelling.suggestion(for: parameter.name, among: names)
                let takes =
                    names.isEmpty
                    ? "\(agentName) takes no parameters"
                    : names.count > 8
                        ? "'baton agent info \(agentName)' lists its parameters"
                        : "\(agentName) takes \(names.joined(separator: ", "))"
                diagnostics.append(
                    Diagnostic(
                        .error, .badParameter, at: parameter.location,
                        "unknown parameter '\(parameter.name)' in \(owner)",
                        hint: suggestion.map { "did you mean '\($0)'?" } ?? takes))
                continue
            }
            if let error = spec.check(parameter.value) {
                diagnostics.append(
                    Diagnostic(
                        .error, error.code, at: parameter.valueLocation,
                        "parameter '\(parameter.name)' of \(owner): \(error.message)", hint: error.hint))
            }
        }
        for spec in specs where spec.isRequired && !parameters.contains(where: { $0.name == spec.name }) {
            diagnostics.append(
                Diagnostic(
                    .error, .badParameter, at: location, "\(owner) lacks parameter '\(spec.name)'",
                    hint: "\(agentName) needs \(spec.name): \(spec.summary)"))
        }
        return diagnostics
    }
}
