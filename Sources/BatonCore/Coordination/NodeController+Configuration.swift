extension NodeController {
    // MARK: A new configuration on a running cluster

    /// A configuration change under way (`baton config apply`), on the senior: the new file is fetched from the
    /// node that asked, staged on every live node, what it removes or restarts stops with the old configuration,
    /// every node takes the new one, and what it adds or restarted starts with it.
    struct Application: Sendable {
        enum Phase: Sendable {
            /// The senior fetches the file from the node that asked.
            case fetching
            /// Every live peer fetches and checks it.
            case staging
            /// The plan of ``Trigger/reconfiguration(_:)`` runs.
            case stopping
            /// Every node takes it: writes it over its file and runs with it.
            case committing
            /// The plan of ``Trigger/reconfigured`` runs.
            case starting
        }

        var digest: String
        var epoch: UInt64
        var requester: NodeName
        var phase: Phase
        var since: Timestamp
        var change: ConfigurationChange?
        /// `--wait` requests to answer at the end, by the driver's number.
        var awaited: [UInt64]
    }

    /// How long each step of an application may wait for the peers: four deadtimes, at least 5 s.
    var applicationTimeout: Duration { max(spec.heartbeat.deadtime.value * 4, .seconds(5)) }

    /// The senior's part of `baton config apply`: `requester` holds the configuration `digest` staged. Answered at
    /// once, or with ``NodeAction/requestEnded(id:_:)`` at the end when `awaited`.
    mutating func applyRequested(_ digest: String, from requester: NodeName, awaited id: UInt64?) -> ActionOutcome? {
        guard isSenior, ready else { return ActionOutcome(code: 1, message: "\(local) is not the senior node") }
        if var application {
            guard application.digest == digest else {
                return ActionOutcome(
                    code: 1, message: "configuration \(application.digest) is being applied; try again once it is done")
            }
            if let id { application.awaited.append(id) }
            self.application = application
            return id == nil ? ActionOutcome(code: 0, message: "configuration \(digest) is being applied") : nil
        }
        guard digest != configuration else {
            return ActionOutcome(code: 0, message: "the cluster runs configuration \(digest) already")
        }
        application = Application(
            digest: digest, epoch: configurationEpoch + 1, requester: requester, phase: .fetching, since: now,
            awaited: id.map { [$0] } ?? [])
        if let staged, staged.digest == digest {
            configurationStaged(digest, staged.spec)
        } else {
            fetchConfiguration(digest, from: requester, force: true)
        }
        return id == nil ? ActionOutcome(code: 0, message: "configuration \(digest): applied by \(local)") : nil
    }

    /// A configuration the driver fetched or read and found valid is staged here.
    mutating func configurationStaged(_ digest: String, _ new: ClusterSpec) {
        staged = (digest, new)
        if var application, application.digest == digest, application.phase == .fetching {
            let change = ConfigurationChange(from: spec, to: new)
            if let problem = Trigger.reconfiguration(change).problem(in: spec, state: state) {
                endApplication(failure: problem)
                return
            }
            application.change = change
            application.phase = .staging
            application.since = now
            self.application = application
            advanceApplication()
        }
        // A node that follows (or returns to) a senior running it takes it at once.
        for (peer, summary) in summaries { followConfiguration(of: peer, summary) }
    }

    /// A configuration could not be fetched, was invalid, or could not be written.
    mutating func configurationRejected(_ digest: String, reason: String) {
        emit(.configurationRefused(local, reason: reason))
        if staged?.digest == digest { staged = nil }
        if taking == digest { taking = nil }
        if let application, application.digest == digest { endApplication(failure: "\(local): \(reason)") }
    }

    /// The driver took the configuration `digest` (written over the file, agents and heartbeats use it): the
    /// controller runs with it, and forgets what it no longer has.
    mutating func configurationTaken(_ digest: String, _ new: ClusterSpec, epoch: UInt64) {
        let change = ConfigurationChange(from: spec, to: new)
        spec = new
        queue.spec = new
        state = state.adopting(new)
        configuration = digest
        configurationEpoch = epoch
        staged = nil
        taking = nil
        emit(.configurationTaken(local, epoch: epoch, change: change.description))
        guard isSenior, var application, application.digest == digest else {
            save()
            return
        }
        application.phase = .committing
        application.since = now
        self.application = application
        publish()
        advanceApplication()
    }

    /// On each tick and heartbeat, on the senior: the application goes on once every live peer did its part, or
    /// ends when one takes too long.
    mutating func advanceApplication() {
        guard isSenior, var application else { return }
        let peers = membership.peers.filter { $0.state == .alive && mismatched[$0.name] == nil }.map(\.name)
        let late = now.milliseconds - application.since.milliseconds >= applicationTimeout.wholeMilliseconds
        switch application.phase {
        case .fetching:
            if late { endApplication(failure: "\(application.requester) did not send the configuration") }
        case .staging:
            let waiting = peers.filter {
                summaries[$0]?.staged != application.digest && summaries[$0]?.configuration != application.digest
            }
            if waiting.isEmpty, let change = application.change {
                application.phase = .stopping
                self.application = application
                enqueue(.reconfiguration(change))
            } else if late {
                endApplication(
                    failure: "\(Self.names(waiting)) did not take the configuration within "
                        + applicationTimeout.configText)
            }
        case .committing:
            let waiting = peers.filter { summaries[$0]?.configuration != application.digest }
            if waiting.isEmpty || late {
                // One that is late runs another configuration from now on: it takes part in nothing.
                application.phase = .starting
                self.application = application
                enqueue(.reconfigured)
            }
        case .stopping, .starting:
            break
        }
    }

    /// The end of a transition of an application: after the stops, every node takes the configuration (unless a
    /// stop failed); after the starts, the application is done.
    mutating func transitionEnded(_ transition: TransitionQueue.Transition) {
        guard var application else { return }
        switch (transition.cause, application.phase) {
        case (.reconfiguration(let change), .stopping):
            let stopping =
                change.restarted.keys.sorted()
                + spec.groups.filter { change.removedGroups.contains($0.name) }
                .flatMap { $0.resources.map(\.name) }
            let left = stopping.filter { state.state(of: $0).activeNode != nil }
            guard left.isEmpty else {
                // What it removed starts again: the old configuration stays.
                for group in change.removedGroups { state.groups[group]?.stopped = false }
                endApplication(
                    failure: "\(Self.names(left)) did not stop: the new configuration is not taken; clean up with "
                        + "`baton cleanup`, then apply it again")
                enqueue(.replan(failed: []))
                return
            }
            application.phase = .committing
            application.since = now
            self.application = application
            take(application.digest, epoch: application.epoch)
        case (.reconfigured, .starting):
            let behind = membership.peers.filter { $0.state == .alive }.map(\.name).filter {
                summaries[$0]?.configuration != application.digest
            }
            endApplication(
                outcome: ActionOutcome(
                    code: behind.isEmpty ? 0 : 1,
                    message: "configuration \(application.digest) (epoch \(application.epoch)) "
                        + (behind.isEmpty
                            ? "runs on every node heard"
                            : "runs here; \(Self.names(behind)) did not take it and take part in nothing")))
        default:
            break
        }
    }

    private mutating func endApplication(failure reason: String) {
        emit(.configurationRefused(local, reason: reason))
        endApplication(outcome: ActionOutcome(code: 1, message: "the configuration is not applied: \(reason)"))
    }

    private mutating func endApplication(outcome: ActionOutcome) {
        for id in application?.awaited ?? [] { out.append(.requestEnded(id: id, outcome)) }
        application = nil
    }

    // MARK: Following the senior's configuration

    /// A node takes the configuration of the node that leads when it is newer than its own (it was applied while
    /// this node was away, or the senior just took it), and fetches the one the senior stages.
    mutating func followConfiguration(of peer: NodeName, _ summary: PeerSummary) {
        guard summary.senior == peer, peer != local, !summary.configuration.isEmpty else { return }
        if summary.epoch > configurationEpoch, summary.configuration != configuration {
            if staged?.digest == summary.configuration {
                take(summary.configuration, epoch: summary.epoch)
            } else {
                fetchConfiguration(summary.configuration, from: peer)
            }
        } else if let offered = summary.staged, offered != configuration, staged?.digest != offered {
            fetchConfiguration(offered, from: peer)
        }
    }

    /// Whether a peer whose configuration differs is only catching up: it runs the configuration this node has
    /// staged and takes now, or (on the senior, while every node takes the new one) it holds this node's staged.
    func catchesUp(_ summary: PeerSummary) -> Bool {
        if let staged, summary.configuration == staged.digest { return true }
        return application?.phase == .committing && summary.staged == configuration
    }

    /// Asks the driver for a configuration, at most once per interval unless `force`.
    private mutating func fetchConfiguration(_ digest: String, from peer: NodeName, force: Bool = false) {
        if !force, let last = lastConfigurationRequest,
            now.milliseconds - last.milliseconds < spec.heartbeat.interval.value.wholeMilliseconds * 5
        {
            return
        }
        lastConfigurationRequest = now
        out.append(.fetchConfiguration(digest: digest, from: peer))
    }

    private mutating func take(_ digest: String, epoch: UInt64) {
        guard taking != digest else { return }
        taking = digest
        out.append(.takeConfiguration(digest: digest, epoch: epoch))
    }

    private static func names(_ nodes: [some CustomStringConvertible]) -> String {
        nodes.map(\.description).joined(separator: ", ")
    }
}
