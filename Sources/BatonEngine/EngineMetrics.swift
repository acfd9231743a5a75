import BatonControl
import BatonCore
import BatonNet
import Prometheus

/// What `/metrics` says, in the Prometheus text format, through swift-prometheus: the engine's own registry (never
/// the process-wide swift-metrics system, whose factory writes no help text, which `promtool check metrics` flags;
/// and engines in one test process keep theirs apart). Durations are histograms recorded as they happen; the
/// cluster's facts are set from the engine's status at each scrape.
final class EngineMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    /// From 5 ms to 2 minutes: an address added, a database's start.
    private static let buckets: [Duration] = [
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
        .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30),
        .seconds(60), .seconds(120),
    ]

    private func gauge(_ name: String, _ labels: [(String, String)], _ help: String) -> Prometheus.Gauge {
        registry.makeGauge(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    private func counter(_ name: String, _ labels: [(String, String)], _ help: String) -> Prometheus.Counter {
        registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// An action an agent ran on this node, by agent and action.
    func recordAction(agent: String, action: String, duration: Duration) {
        histogram(
            "baton_action_duration_seconds", [("agent", agent), ("action", action)],
            "How long agents' actions took on this node, by agent and action"
        ).record(duration)
    }

    /// A plan this node ran, as the senior: from its first action to its report.
    func recordPlan(_ duration: Duration) {
        histogram("baton_plan_duration_seconds", [], "How long the plans this node ran as the senior took")
            .record(duration)
    }

    private func histogram(_ name: String, _ labels: [(String, String)], _ help: String) -> DurationHistogram {
        registry.makeDurationHistogram(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels,
            buckets: Self.buckets)
    }

    /// An event this node recorded: monitor failures, takeovers and fences among them.
    func count(_ event: String) {
        counter("baton_events_total", [("event", event)], "Events recorded by this node, by name").increment()
    }

    /// Sets what the status says, and returns every metric as text.
    func text(
        _ status: StatusReport, _ spec: ClusterSpec, rejectedBefore: inout [String: Int], acceptedBefore: inout Int
    )
        -> String
    {
        for peer in status.peers {
            for (index, link) in peer.links.enumerated() {
                let labels = [("peer", peer.name), ("link", "\(index + 1)")]
                gauge("baton_link_up", labels, "1 when the link to the peer is up")
                    .set(to: link.state == "up" ? 1.0 : 0.0)
                gauge(
                    "baton_link_last_heard_seconds", labels,
                    "Seconds since the last packet from the peer on the link (-1: never)"
                ).set(to: link.ageMs.map { Double($0) / 1000 } ?? -1)
            }
        }
        counter("baton_packets_accepted_total", [], "Packets accepted from peers")
            .increment(by: Int64(max(0, status.accepted - acceptedBefore)))
        acceptedBefore = status.accepted
        for reason in PacketVerifier.Rejection.allCases.map(\.rawValue) {
            let count = status.rejected[reason] ?? 0
            counter("baton_packets_rejected_total", [("reason", reason)], "Packets dropped, by reason").increment(
                by: Int64(max(0, count - (rejectedBefore[reason] ?? 0))))
            rejectedBefore[reason] = count
        }
        for role in NodeRole.allCases {
            gauge("baton_role", [("role", role.rawValue)], "1 for this node's role")
                .set(to: role == status.role ? 1.0 : 0.0)
        }
        gauge("baton_senior", [], "1 when this node plans for the cluster")
            .set(to: status.senior == status.node ? 1.0 : 0.0)
        gauge("baton_term", [], "The term of the senior this node follows")
            .set(to: Double(status.term))
        let seniority = spec.nodesBySeniority.map(\.name)
        gauge("baton_seniority", [], "This node's rank by seniority, 1 the most senior")
            .set(to: Double((seniority.firstIndex(of: NodeName(status.node)) ?? seniority.count) + 1))
        for group in spec.groups {
            let runs = status.state.runningNode(of: group)
            for node in spec.nodes {
                gauge(
                    "baton_group_running", [("group", group.name.rawValue), ("node", node.name.rawValue)],
                    "1 when every member of the group runs on the node"
                ).set(to: runs == node.name ? 1.0 : 0.0)
            }
        }
        return registry.emitToString()
    }
}
