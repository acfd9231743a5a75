import BatonControl
import BatonCore

extension Engine {
    /// Answers one control-socket request.
    public func answer(_ request: ControlRequest, reply: @Sendable (ControlResponse) async -> Bool) async {
        switch request.command {
        case "status":
            _ = await reply(ControlResponse(ok: true, status: status()))
        case "events":
            let follower = request.follow == true ? events.follow() : nil
            for event in events.recent {
                guard await reply(ControlResponse(ok: true, event: event)) else { return }
            }
            guard let follower else { return }
            defer { events.unfollow(follower.id) }
            for await event in follower.stream {
                guard await reply(ControlResponse(ok: true, event: event)) else { return }
            }
        case "configuration":
            _ = await reply(ControlResponse(ok: true, message: String(decoding: configuration, as: UTF8.self)))
        case "config-apply":
            guard let path = request.path else {
                _ = await reply(ControlResponse(ok: false, error: "config-apply needs the path of the file"))
                return
            }
            _ = await reply(Self.response(await applyConfiguration(at: path, wait: request.wait == true)))
        default:
            guard let wish = AdministratorRequest(request) else {
                _ = await reply(ControlResponse(ok: false, error: "unknown or incomplete request '\(request.command)'"))
                return
            }
            _ = await reply(Self.response(await route(wish, wait: request.wait == true)))
        }
    }

    static func response(_ outcome: ActionOutcome) -> ControlResponse {
        outcome.code == 0
            ? ControlResponse(ok: true, message: outcome.message) : ControlResponse(ok: false, error: outcome.message)
    }

    /// An administrator's request, to the senior (this node, or through the links), answered at once or, with
    /// `wait`, once its transition ended.
    func route(_ wish: AdministratorRequest, wait: Bool) async -> ActionOutcome {
        if wait, controller.isSenior {
            return await awaitTransition(wish)
        } else if wait, let senior {
            return await ask(senior, deadline: controller.handoverLimit) { .awaitedRequest(id: $0, wish) }
        } else if controller.isSenior {
            return answer(.request(wish))
        } else if let senior {
            return await ask(senior, deadline: .seconds(5)) { .request(id: $0, wish) }
        }
        return ActionOutcome(code: 1, message: "no senior node yet: \(local) is still listening")
    }

    /// The senior's part of an awaited request: planned now, answered when its transition ended.
    func awaitTransition(_ wish: AdministratorRequest) async -> ActionOutcome {
        guard !halted else { return Self.stoppedEngine(local) }
        nextAwaited += 1
        let id = nextAwaited
        return await withCheckedContinuation { waiter in
            awaiting[id] = waiter
            handle(.awaitedRequest(wish, id: id))
        }
    }

    /// The cluster as this node sees it.
    func status() -> StatusReport {
        let peers = controller.membership.peers.map { peer in
            StatusReport.Peer(
                name: peer.name.rawValue, state: peer.state.rawValue, role: controller.summaries[peer.name]?.role,
                links: peer.links.enumerated().map { index, link in
                    StatusReport.Link(
                        address: link.address.description, state: link.state.rawValue,
                        active: peer.activeLink == index,
                        ageMs: link.lastHeard.map { now.milliseconds - $0.milliseconds })
                })
        }
        var report = StatusReport(
            node: local.rawValue, role: role, senior: senior?.rawValue, term: term,
            mismatched: Dictionary(uniqueKeysWithValues: controller.mismatched.map { ($0.key.rawValue, $0.value) }),
            version: controller.version, peers: peers, state: state,
            waiting: Dictionary(
                uniqueKeysWithValues: state.groups.compactMap { name, group in group.waiting.map { (name.rawValue, $0) }
                }),
            monitors: Dictionary(uniqueKeysWithValues: monitorResults.map { ($0.key.rawValue, $0.value) }),
            accepted: coordinator?.accepted ?? 0,
            rejected: Dictionary(
                uniqueKeysWithValues: (coordinator?.rejected ?? [:]).map { ($0.key.rawValue, $0.value) }),
            events: Array(events.recent.suffix(20)))
        report.configuration = identity.digest
        report.configurationEpoch = controller.configurationEpoch
        return report
    }
}

extension AdministratorRequest {
    init?(_ request: ControlRequest) {
        switch (request.command, request.group, request.node, request.resource) {
        case ("switch", let group?, let node?, _): self = .switchover(group: group, to: node)
        case ("standby", _, let node?, _): self = .standby(node: node)
        case ("online", _, let node?, _): self = .online(node: node)
        case ("cleanup", _, _, let resource?): self = .cleanup(resource: resource)
        case ("start", let group?, _, _) where request.force == true: self = .forceStart(group: group)
        case ("start", let group?, _, _): self = .start(group: group)
        case ("stop", let group?, _, _): self = .stop(group: group)
        case ("unmove", let group?, _, _): self = .unmove(group: group)
        case ("fence", _, let node?, _): self = .fence(node: node)
        case ("fence-confirm", _, let node?, _): self = .confirmFenced(node: node)
        case ("maintenance-on", let group, let node, _): self = .maintenance(on: true, node: node, group: group)
        case ("maintenance-off", let group, let node, _): self = .maintenance(on: false, node: node, group: group)
        default: return nil
        }
    }
}
