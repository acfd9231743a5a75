/// Turns a plan into text an administrator reads, or into Graphviz DOT. Output depends on the plan only.
public enum PlanRenderer {
    /// The human form: numbered actions grouped by step, each with its group's lane, timeout, reason and edges;
    /// then where groups end up, the notes, and the time budget.
    public static func text(_ plan: Plan) -> String {
        var text = "Plan: \(plan.trigger)\n"
        if let senior = plan.senior { text += "Senior node: \(senior) (computes this plan and coordinates it)\n" }
        if plan.actions.isEmpty { text += "\nNothing to do.\n" }
        var perStep: [Int: Int] = [:]
        for action in plan.actions { perStep[action.step, default: 0] += 1 }
        var step = 0
        for action in plan.actions {
            if action.step != step {
                step = action.step
                text += "\nStep \(step)\(perStep[step]! > 1 ? " (in parallel)" : "")\n"
            }
            text +=
                "  \(pad(action.id, to: plan.actions.count)). [\(action.group?.rawValue ?? "cluster")] \(summary(action))\n"
            text += "      \(explanation(action, in: plan))\n"
        }
        text += "\nResult:\n"
        for (group, node) in plan.placement.sorted(by: { $0.key < $1.key }) {
            text += "  \(group): \(node.map { "on \($0)" } ?? "stopped")\n"
        }
        if !plan.notes.isEmpty {
            text += "\nNotes:\n" + plan.notes.map { "  - \($0)\n" }.joined()
        }
        let chain = plan.longestChain
        text +=
            "\nTime budget: \(plan.detection.time.compactText) detection (\(plan.detection.source)) + "
            + "\(chain.time.compactText) longest chain"
            + (chain.actions.isEmpty ? "" : " (actions \(chain.actions.map(String.init).joined(separator: " > ")))")
            + " = \(plan.budget.compactText)\n"
        return text
    }

    /// `start vip on node2 (timeout 20s)`.
    static func summary(_ action: PlannedAction) -> String {
        switch action.kind {
        case .monitor:
            "\(action.label) every \(action.interval?.configText ?? "?") (timeout \(action.timeout.configText))"
        case .cancelMonitor, .notify:
            action.label
        case .fenceNeeded:
            "\(action.label) (on \(action.node))"
        case .probe, .start, .stop:
            "\(action.label) (timeout \(action.timeout.configText))"
        }
    }

    /// The reason and, when there are any, what the action waits for: `...; waits for data (group order)`.
    static func explanation(_ action: PlannedAction, in plan: Plan) -> String {
        guard !action.waits.isEmpty else { return action.reason }
        // Edges with the same reason are listed together: "waits for data, vip (group order)".
        var reasons: [String] = []
        var names: [String: [String]] = [:]
        for wait in action.waits {
            let other = plan.action(wait.action)
            if names[wait.why] == nil { reasons.append(wait.why) }
            names[wait.why, default: []].append(
                other.kind == .start ? other.resource?.rawValue ?? other.label : other.label)
        }
        let waits = reasons.map { "\(names[$0]!.joined(separator: ", ")) (\($0))" }
        return "\(action.reason); waits for \(waits.joined(separator: ", "))"
    }

    /// Graphviz DOT: one box per action, one cluster per group, an arrow per edge labelled with why.
    public static func dot(_ plan: Plan) -> String {
        var lines = [
            "digraph plan {",
            "  label=\(quote("Plan: \(plan.trigger)")); labelloc=t;",
            "  node [shape=box, fontname=\"Helvetica\"]; edge [fontname=\"Helvetica\", fontsize=10];",
        ]
        var lanes: [String: [PlannedAction]] = [:]
        for action in plan.actions { lanes[action.group?.rawValue ?? "", default: []].append(action) }
        for (lane, actions) in lanes.sorted(by: { $0.key < $1.key }) {
            let boxes = actions.map { "a\($0.id) [label=\(quote("\($0.id). \(summary($0))"))];" }
            if lane.isEmpty {
                lines += boxes.map { "  \($0)" }
            } else {
                lines.append("  subgraph \(quote("cluster_\(lane)")) {")
                lines.append("    label=\(quote(lane));")
                lines += boxes.map { "    \($0)" }
                lines.append("  }")
            }
        }
        for action in plan.actions {
            for wait in action.waits {
                lines.append("  a\(wait.action) -> a\(action.id) [label=\(quote(wait.why))];")
            }
        }
        lines.append("}")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func quote(_ text: String) -> String {
        "\"" + text.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }

    private static func pad(_ number: Int, to largest: Int) -> String {
        String(repeating: " ", count: String(largest).count - String(number).count) + String(number)
    }
}
