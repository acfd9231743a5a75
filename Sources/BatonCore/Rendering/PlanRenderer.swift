/// Turns a plan into text an administrator reads, or into Graphviz DOT. Output depends on the plan only.
public enum PlanRenderer {
    /// The human form: numbered actions grouped by step, each with its group's lane, timeout, reason and edges;
    /// then where groups end up, the notes, and the time budget.
    ///
    /// Written into one string: a plan of 5,000 groups prints about 100,000 lines, and building a string per
    /// piece cost more than planning.
    public static func text(_ plan: Plan) -> String {
        var text = "Plan: \(plan.trigger)\n"
        text.reserveCapacity(plan.actions.count * 140)
        if let senior = plan.senior { text += "Senior node: \(senior) (computes this plan and coordinates it)\n" }
        if plan.actions.isEmpty { text += "\nNothing to do.\n" }
        let width = digits(plan.actions.count)
        var index = 0
        while index < plan.actions.count {
            // Actions are numbered by step, so a step's actions are consecutive.
            let step = plan.actions[index].step
            var end = index + 1
            while end < plan.actions.count, plan.actions[end].step == step { end += 1 }
            text += "\nStep \(step)"
            text += end - index > 1 ? " (in parallel)\n" : "\n"
            for id in index + 1...end { line(id, of: plan, width: width, into: &text) }
            index = end
        }
        text += "\nResult:\n"
        for (group, node) in plan.placement.sorted(by: { $0.key < $1.key }) {
            text += "  "
            text += group.rawValue
            text += node.map { ": on \($0)\n" } ?? ": stopped\n"
        }
        if !plan.notes.isEmpty {
            text += "\nNotes:\n" + plan.notes.map { "  - \($0)\n" }.joined()
        }
        let chain = plan.longestChain
        text +=
            "\nTime budget: \(plan.detection.time.compactText) detection (\(plan.detection.source)) + "
            + "\(chain.time.compactText) longest chain"
            + (chain.actions.isEmpty ? "" : " (actions \(chain.actions.map(String.init).joined(separator: " > ")))")
            + " = \(plan.budget(chain: chain.time).compactText)\n"
        return text
    }

    /// Two lines of an action: `  12. [erp-db] start vip on node2 (timeout 20s)`, then its explanation.
    private static func line(_ id: Int, of plan: Plan, width: Int, into text: inout String) {
        let index = id - 1
        text += String(repeating: " ", count: 2 + width - digits(id))
        text += String(id)
        text += ". ["
        text += plan.actions[index].group?.rawValue ?? "cluster"
        text += "] "
        summary(plan.actions[index], into: &text)
        text += "\n      "
        text += plan.actions[index].reason
        if !plan.actions[index].waits.isEmpty {
            text += "; waits for "
            waits(of: plan.actions[index].waits, in: plan, into: &text)
        }
        text += "\n"
    }

    private static func digits(_ number: Int) -> Int {
        var count = 1
        var rest = number
        while rest >= 10 {
            rest /= 10
            count += 1
        }
        return count
    }

    /// `start vip on node2 (timeout 20s)`.
    static func summary(_ action: PlannedAction) -> String {
        var text = ""
        summary(action, into: &text)
        return text
    }

    private static func summary(_ action: PlannedAction, into text: inout String) {
        switch action.kind {
        case .monitor:
            action.label(into: &text)
            text += " every "
            text += action.interval?.configText ?? "?"
            text += " (timeout "
            text += action.timeout.configText
            text += ")"
        case .cancelMonitor, .notify:
            action.label(into: &text)
        case .fenceNeeded:
            action.label(into: &text)
            text += " (on "
            text += action.node.rawValue
            text += ")"
        case .fence:
            action.label(into: &text)
            text += " (on "
            text += action.node.rawValue
            if let delay = action.fence?.delay, delay > .zero {
                text += ", after a delay of "
                text += delay.configText
            }
            text += ", timeout "
            text += action.timeout.configText
            text += ")"
        case .probe, .start, .stop:
            action.label(into: &text)
            text += " (timeout "
            text += action.timeout.configText
            text += ")"
        }
    }

    /// What an action waits for; edges with the same reason are listed together: `data, vip (group order)`.
    private static func waits(of waits: [Dependency], in plan: Plan, into text: inout String) {
        // Most actions wait for one to three others: searching the list beats building a dictionary.
        for (index, wait) in waits.enumerated() where !waits[..<index].contains(where: { $0.why == wait.why }) {
            if index > 0 { text += ", " }
            for (position, other) in waits[index...].enumerated() where other.why == wait.why {
                if position > 0 { text += ", " }
                let waited = other.action - 1
                if plan.actions[waited].kind == .start, let resource = plan.actions[waited].resource {
                    text += resource.rawValue
                } else {
                    plan.actions[waited].label(into: &text)
                }
            }
            text += " ("
            text += wait.why
            text += ")"
        }
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
}
