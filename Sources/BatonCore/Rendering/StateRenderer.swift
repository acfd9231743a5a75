/// The human form of a cluster state: nodes with role, groups with location and generation, resources with
/// status and failures. Everything sorted by name.
public enum StateRenderer {
    /// Renders `state` for the nodes, groups and resources `spec` defines; `time` writes a failure's time (by
    /// default as an offset from the state's origin, `90s`, as simulations count).
    public static func text(
        _ state: ClusterState, _ spec: ClusterSpec, time: (Timestamp) -> String = \.description
    ) -> String {
        var lines = ["Nodes:"]
        for node in spec.nodes.map(\.name).sorted() {
            let record = state.nodes[node] ?? NodeState()
            let role = record.status == .lost ? "last role" : "role"
            let maintenance = record.maintenance ? ", in maintenance (unmanaged)" : ""
            lines.append(
                "  \(node): \(record.status.rawValue)\(maintenance), \(role) \(record.role.rawValue) "
                    + "(\(record.role.summary))")
        }
        lines.append("Groups:")
        for groupSpec in spec.groups.sorted(by: { $0.name < $1.name }) {
            let group = groupSpec.name
            let record = state.state(of: group)
            let running = groupSpec.resources.contains { state.state(of: $0.name).status == .started }
            var text = running ? "on \(record.node?.rawValue ?? "?")" : "stopped"
            text += ", generation \(record.generation)"
            if let waiting = record.waiting {
                text += ", waits: \(waiting)"
            } else if record.stopped {
                text += ", stopped by an administrator"
            }
            if let pinned = record.pinned { text += ", switched to \(pinned)" }
            if let why = state.maintenance(of: groupSpec) { text += ", unmanaged: \(why)" }
            lines.append("  \(group): \(text)")
        }
        lines.append("Resources:")
        for resource in spec.resources.map(\.name).sorted() {
            let record = state.state(of: resource)
            var text = record.status.rawValue + (record.node.map { " on \($0)" } ?? "")
            if !record.failures.isEmpty, let resourceSpec = spec.resource(named: resource) {
                let failures = record.failures.map { failure in
                    "\(failure.action) on \(failure.node) exit \(failure.code) at \(time(failure.time))"
                        + (resourceSpec.expiry(of: failure).map { " (expires at \(time($0)))" } ?? "")
                }
                text += "; failures: " + failures.joined(separator: ", ")
            }
            lines.append("  \(resource): \(text)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// The human form of a played scenario.
public enum SimulationRenderer {
    /// For each event: the plan, its run, each re-plan and its run, and the state after it.
    public static func text(_ steps: [Simulator.Step], _ spec: ClusterSpec) -> String {
        var lines: [String] = []
        for step in steps {
            if !lines.isEmpty { lines.append("") }
            lines.append("=== Event \(step.number) at \(step.time): \(step.rounds[0].plan.trigger)")
            for (index, round) in step.rounds.enumerated() {
                lines.append("")
                if index > 0 { lines.append("--- Re-plan \(index)") }
                lines += indent(PlanRenderer.text(round.plan))
                lines.append(round.report.results.isEmpty ? "  Run: nothing to run" : "  Run:")
                for result in round.report.results {
                    lines.append(
                        "    \(result.action). \(round.plan.action(result.action).label): \(describe(result, round))")
                }
            }
            lines.append("")
            lines.append("  State after event \(step.number):")
            lines += indent(StateRenderer.text(step.state, spec), by: "    ")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func describe(_ result: ActionResult, _ round: Simulator.Round) -> String {
        switch result.status {
        case .succeeded:
            return "ok"
        case .failed:
            let outcome = result.outcome ?? ActionOutcome(code: 1)
            let how = outcome.timedOut ? "timed out" : OCFExitCode.describe(outcome.code)
            return "FAILED (\(how)\(round.injected.contains(result.action) ? ", injected" : ""))"
        case .skipped(let cause):
            return "skipped (\(round.plan.action(cause).label) did not succeed)"
        }
    }

    private static func indent(_ text: String, by prefix: String = "  ") -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map { $0.isEmpty ? "" : prefix + $0 }
    }
}
