import BatonAgents
import BatonControl
import BatonCore
import NIOHTTP1

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension Engine {
    /// What the HTTP endpoint answers for `path`: `/metrics` (Prometheus), `/health` (200 once the engine formed or
    /// joined a cluster), `/group/NAME` (200 on the node that runs the group, 503 elsewhere: a load balancer's
    /// health check, as Patroni's `/primary`), `/status` (`baton status --json`'s answer), `/` (a status page).
    func answerHTTP(path: String) -> HTTPEndpoint.Answer {
        let route = String(path.prefix { $0 != "?" })
        let plain = { (status: HTTPResponseStatus, text: String) in
            HTTPEndpoint.Answer(status: status, contentType: "text/plain; charset=utf-8", body: text + "\n")
        }
        switch route {
        case "/metrics":
            let text = metrics.text(
                status(), spec, rejectedBefore: &rejectedScraped, acceptedBefore: &acceptedScraped)
            return HTTPEndpoint.Answer(status: .ok, contentType: "text/plain; version=0.0.4", body: text)
        case "/health":
            let healthy = !halted && controller.ready && !controller.membership.isListening
            return plain(
                healthy ? .ok : .serviceUnavailable,
                healthy ? "\(local) is \(role.rawValue)" : "\(local) is not in a cluster yet")
        case "/status":
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let body = (try? encoder.encode(status())).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return HTTPEndpoint.Answer(status: .ok, contentType: "application/json", body: body + "\n")
        case "/":
            return HTTPEndpoint.Answer(
                status: .ok, contentType: "text/html; charset=utf-8", body: StatusPage.html(status(), spec))
        default:
            guard route.hasPrefix("/group/") else { return plain(.notFound, "no such page: \(route)") }
            let name = GroupName(String(route.dropFirst("/group/".count)))
            guard let group = spec.group(named: name) else { return plain(.notFound, "no group is named '\(name)'") }
            let runs = state.runningNode(of: group)
            return runs == local
                ? plain(.ok, "\(name) runs on \(local)")
                : plain(.serviceUnavailable, "\(name) " + (runs.map { "runs on \($0)" } ?? "does not run"))
        }
    }
}

/// The status page: nodes, links, roles, groups, resources and the last events, in plain HTML and CSS, reloaded by
/// the browser every 5 s; no script.
enum StatusPage {
    static func html(_ status: StatusReport, _ spec: ClusterSpec) -> String {
        var rows: [String] = []
        func table(_ title: String, _ head: [String], _ body: [[String]]) {
            rows.append(
                "<h2>\(escape(title))</h2><table><tr>" + head.map { "<th>\(escape($0))</th>" }.joined() + "</tr>")
            for row in body { rows.append("<tr>" + row.map { "<td>\(escape($0))</td>" }.joined() + "</tr>") }
            rows.append("</table>")
        }
        table(
            "Nodes", ["node", "status", "role", "links (as \(status.node) hears them)"],
            spec.nodes.map { node in
                let record = status.state.nodes[node.name]
                let links =
                    node.name.rawValue == status.node
                    ? "this node"
                    : (status.peers.first { $0.name == node.name.rawValue }?.links.map {
                        "\($0.address) \($0.state)" + ($0.ageMs.map { " (\($0) ms)" } ?? "")
                    }.joined(separator: ", ") ?? "")
                return [
                    node.name.rawValue, record?.status.rawValue ?? "online",
                    (record?.role ?? .undefined).rawValue + " (" + (record?.role ?? .undefined).summary + ")", links,
                ]
            })
        table(
            "Groups", ["group", "runs on", "generation"],
            spec.groups.map { group in
                [
                    group.name.rawValue, status.state.runningNode(of: group)?.rawValue ?? "nowhere",
                    "\(status.state.state(of: group.name).generation)",
                ]
            })
        table(
            "Resources", ["resource", "status", "node", "failures"],
            spec.resources.map { resource in
                let record = status.state.state(of: resource.name)
                return [
                    resource.name.rawValue, record.status.rawValue, record.node?.rawValue ?? "",
                    "\(record.failures.count)",
                ]
            })
        table(
            "Last events", ["time", "severity", "event", "message"],
            status.events.suffix(20).reversed().map { event in
                [
                    Date(timeIntervalSince1970: Double(event.time.milliseconds) / 1000).formatted(
                        Date.ISO8601FormatStyle(includingFractionalSeconds: true)),
                    event.severity.rawValue, event.event, event.message,
                ]
            })
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
            <title>Baton: \(escape(spec.cluster.value.rawValue)) as \(escape(status.node)) sees it</title>
            <style>body{font-family:sans-serif;margin:1em 2em}table{border-collapse:collapse;margin-bottom:1em}\
            th,td{border:1px solid #bbb;padding:2px 8px;text-align:left}th{background:#eee}</style></head><body>
            <h1>\(escape(spec.cluster.value.rawValue)): \(escape(status.node)) is \(status.role.rawValue)</h1>
            <p>Senior node: \(escape(status.senior ?? "none yet")) (term \(status.term))</p>
            \(rows.joined(separator: "\n"))
            </body></html>

            """
    }

    static func escape(_ text: String) -> String { text.xmlEscaped }
}
