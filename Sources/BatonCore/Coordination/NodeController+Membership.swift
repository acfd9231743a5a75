extension NodeController {
    // MARK: Packets

    /// A verified packet from `peer`'s link number `link`; `summary` when it was a heartbeat.
    mutating func heard(_ peer: NodeName, link: Int, boot: BootIdentifier, _ summary: PeerSummary?) {
        // The summary first: the end of listening that this packet may cause must know whom the peer follows.
        if let summary {
            summaries[peer] = summary
            compareConfiguration(of: peer, summary)
            followConfiguration(of: peer, summary)
        }
        // A peer with another configuration is heard (membership, its heartbeats) but never obeyed or served.
        if mismatched[peer] != nil, summary == nil { return }
        handle(membership.heard(from: peer, link: link, boot: boot, at: now))
        guard let summary else { return }
        // A restart that this packet revealed forgot the peer's old summary; this one is its new boot's.
        summaries[peer] = summary
        if returning.remove(peer) != nil { planReturn(of: peer) }
        // A peer that says it leads while this node leads thought this node lost (an asymmetric cut, a stall) and
        // may have run plans of its own: once it gives way, its node is probed like a returning one.
        if isSenior, summary.senior == peer, rivals.insert(peer).inserted {
            restarted.insert(peer)
        } else if summary.senior != peer, rivals.remove(peer) != nil {
            planReturn(of: peer)
        }
        election.heard(term: summary.term, from: peer)
        if peer == senior, !isSenior, summary.digest != digest || source != senior { requestState() }
        if let reached = summary.tiebreaker { noteTiebreaker(of: peer, reached: reached) }
        if cutOff { checkCutOff() }
    }

    /// Whether this node runs an action of `term` that `sender` sent: only the senior it follows, in its current
    /// term, gives it actions. Others get no answer: a senior this node has not followed yet sends again each
    /// interval, an old one gives way.
    public func obeys(_ sender: NodeName, term: UInt64) -> Bool {
        sender == senior && term >= self.term
    }

    /// Notes whether the peer's configuration is this node's; says so when that changes.
    private mutating func compareConfiguration(of peer: NodeName, _ summary: PeerSummary) {
        // A peer that is taking the configuration this node takes, or has staged, differs for a moment only.
        guard let sections = summary.differences, !catchesUp(summary) else {
            if mismatched.removeValue(forKey: peer) != nil {
                emit(.configMatched(local: local, peer: peer))
                planReturn(of: peer)
            }
            return
        }
        guard mismatched[peer] == nil else { return }
        mismatched[peer] = sections
        emit(.configMismatch(local: local, peer: peer, sections: sections))
        // The senior plans nothing for it any more: what it ran counts as lost.
        if isSenior, ready, state.status(of: peer) != .lost { enqueue(.nodeLost(peer)) }
        elect()
    }

    private mutating func requestState() {
        if let last = lastStateRequest,
            now.milliseconds - last.milliseconds < spec.heartbeat.interval.value.wholeMilliseconds
        {
            return
        }
        guard let senior else { return }
        lastStateRequest = now
        out.append(.requestState(from: senior))
    }

    // MARK: Membership

    mutating func handle(_ changes: [Membership.Event]) {
        for change in changes {
            switch change {
            case .linkUp(let node, let link):
                emit(.linkUp(peer: node, link: linkName(node, link)))
            case .linkLate(let node, let link):
                emit(
                    .linkLate(
                        peer: node, link: linkName(node, link), warntime: spec.heartbeat.warntime.value,
                        leaving: isLeaving(node)))
            case .linkDown(let node, let link):
                let others = membership.peer(node)?.links.contains { $0.state == .up } ?? false
                emit(
                    .linkDown(
                        peer: node, link: linkName(node, link), deadtime: spec.heartbeat.deadtime.value,
                        leaving: isLeaving(node), heardElsewhere: others))
            case .activeLinkChanged(let node, let from, let to):
                if from != nil { emit(.linkSwitched(peer: node, link: linkName(node, to))) }
            case .nodeJoined(let node):
                emit(.nodeJoined(node))
                // Its heartbeat says whether it leads (two seniors after a partition heals): only then is it known
                // which of the two plans its return.
                if summaries[node] == nil { returning.insert(node) } else { planReturn(of: node) }
            case .nodeLost(let node):
                nodeLost(node)
            case .nodeRestarted(let node):
                emit(.nodeRestarted(node))
                summaries[node] = nil
                out.append(.endRequests(to: node, left: false))
                // Only its engine restarted, within deadtime: what it ran may still run there. No takeover; what it
                // ran counts as stopped until its probes say otherwise. The senior plans them on its first heartbeat,
                // and when it was the senior itself, so does the node that leads after it.
                restarted.insert(node)
                returning.insert(node)
                if node == senior {
                    election.seniorGone()
                    elect()
                }
            case .listeningEnded(let alone):
                emit(.listeningEnded(local, alone: alone))
                elect()
            }
        }
    }

    private mutating func nodeLost(_ node: NodeName) {
        if summaries[node]?.role == .stopped {
            // Its last heartbeat said its engine stopped, after handing its groups over: maintenance.
            left.insert(node)
            emit(.nodeLeft(node))
        } else {
            left.remove(node)
            emit(.nodeLost(node, deadtime: spec.heartbeat.deadtime.value))
        }
        summaries[node] = nil
        restarted.remove(node)
        returning.remove(node)
        rivals.remove(node)
        out.append(.endRequests(to: node, left: left.contains(node)))
        if node == senior {
            election.seniorGone()
            elect()
        } else if isSenior, ready, state.status(of: node) != .lost {
            enqueue(.nodeLost(node))
        }
    }

    /// The senior's part of a peer's return: probe what runs there, and start what waited for its data. A node that
    /// meets a more senior one that leads gives way first and plans nothing.
    private mutating func planReturn(of node: NodeName) {
        elect()
        guard mismatched[node] == nil else { return }
        // No senior decided yet (the senior's own engine restarted): the next heartbeat tries again.
        guard senior != nil else {
            returning.insert(node)
            return
        }
        let restarted = self.restarted.remove(node) != nil
        // Planned even when the state does not show the node lost yet: its loss may still wait in the queue, and
        // the return comes after it there. A probe of a node that was not lost only finds what runs.
        guard isSenior, ready else { return }
        if restarted { state.nodes[node, default: NodeState()].status = .lost }
        enqueue(.nodeJoined(node))
        // A group held elsewhere ends its wait when the probes of this return find it running; one that waited for
        // this node's newer data may start now.
        for (group, record) in state.groups where record.waiting != nil && record.node == node {
            guard heldElsewhere[group] == nil else { continue }
            enqueue(.startGroup(group))
        }
    }

    /// After giving way, asks the senior to plan this node's return (its probes), once at a time, each tick until
    /// the senior takes it.
    mutating func askToRejoin() {
        guard rejoin == .due, let senior, senior != local else { return }
        rejoin = .sent
        out.append(.askToRejoin(senior))
    }

    /// Whether the peer's last heartbeat said it is stopping: its silence is expected.
    public func isLeaving(_ node: NodeName) -> Bool {
        summaries[node]?.role == .shutDown || summaries[node]?.role == .stopped
    }

    /// Whether `node` is this one or a live peer.
    public func isAlive(_ node: NodeName) -> Bool {
        node == local || membership.peer(node)?.state == .alive
    }

    private func linkName(_ node: NodeName, _ link: Int) -> String {
        spec.node(named: node).map { "\(link + 1) (\($0.links[link].value))" } ?? "\(link + 1)"
    }

    // MARK: Election

    /// Chooses the node to follow: the most senior live peer that says it is the senior (two seniors after a
    /// partition heals: the less senior gives way), else the most senior live node. When that is this node, it takes
    /// the senior's part.
    mutating func elect() {
        guard !membership.isListening, !shuttingDown else { return }
        let alive = membership.peers.filter { $0.state == .alive }.map(\.name)
        let peers = alive.compactMap { name in
            summaries[name].map { summary in
                SeniorElection.Peer(
                    name: name, follows: summary.senior, term: summary.term, mismatched: mismatched[name] != nil)
            }
        }
        // A live peer's first packet may be an action, not a heartbeat: wait for each one's heartbeat, which says
        // whom it follows.
        switch election.decide(peers, everyPeerHeard: peers.count == alive.count) {
        case .unchanged:
            return
        case .follow(let claimant, let term, let gaveWay):
            emit(.seniorChanged(local: local, senior: claimant, term: term))
            if gaveWay { giveWay(to: claimant) }
            requestState()
        case .lead:
            becomeSenior(alive: Set(peers.filter { !$0.mismatched }.map(\.name)))
        }
    }

    private mutating func becomeSenior(alive: Set<NodeName>) {
        rejoin = nil
        emit(.seniorChanged(local: local, senior: local, term: term))
        if !ready {
            formCluster(alive: alive)
            return
        }
        // It led before, gave way, and never received the other senior's state: what its abandoned plan did here is
        // not in the state it holds. Its own probes find it, and what should run is placed again.
        let abandoned = source == local
        source = local
        // The state it holds may count it lost: the senior's, from before this node's return was planned (an engine
        // back within deadtime, then a stall). A node that leads runs: it plans from itself online.
        if state.status(of: local) == .lost { state.nodes[local, default: NodeState()].status = .online }
        // Who reaches the tiebreaker, as its heartbeats said, before anything is planned (a takeover among it); the
        // groups are placed again for each change.
        tiebreakerQueued = [:]
        var reach: [(NodeName, Bool)] = []
        for node in spec.nodes.map(\.name) where alive.contains(node) || node == local {
            guard let reached = node == local ? tiebreakerReached : summaries[node]?.tiebreaker,
                (state.nodes[node]?.tiebreakerLost ?? false) == reached
            else { continue }
            state.nodes[node, default: NodeState()].tiebreakerLost = !reached
            reach.append((node, reached))
        }
        for node in spec.nodes.map(\.name) where node != local && !alive.contains(node) {
            if state.status(of: node) != .lost { enqueue(.nodeLost(node)) }
        }
        for (node, reached) in reach { enqueue(.tiebreaker(node, reached: reached)) }
        if abandoned { enqueue(.nodeJoined(local)) }
        publish()
    }

    /// This node stops being the senior: what it queued is dropped and what it asked of peers ends unanswered; its
    /// running plan's report is not applied, and the new senior's state replaces its own.
    private mutating func giveWay(to claimant: NodeName) {
        // What this node started while it led is unknown to the claimant, which may never have seen it gone (the
        // partition was this node's alone): it asks to be probed.
        rejoin = .due
        queue.abandon()
        steps = []
        rivals = []
        takingOver = false
        startingAlone = false
        returning = []
        restarted = []
        // The senior's business: it retries the groups held elsewhere.
        heldElsewhere = [:]
        out.append(.abandonRequests("\(local) is no longer the senior: \(claimant) is"))
        endEveryAwaited("\(local) is no longer the senior (\(claimant) is): how the request ends is not known here")
    }

    // MARK: Cold start

    /// The first senior of a cluster: builds the state from the state files (its own, and what its peers said they
    /// held), holds back groups whose newest data is on a node that is not here, and probes everything.
    private mutating func formCluster(alive: Set<NodeName>) {
        var formed = ClusterState(time: wall)
        for node in spec.nodes.map(\.name) {
            let reached = node == local ? tiebreakerReached : summaries[node]?.tiebreaker
            formed.nodes[node] = NodeState(
                status: node == local || alive.contains(node) ? .online : .lost, tiebreakerLost: reached == false,
                maintenance: stored.maintenance?.contains(node.rawValue) == true)
        }
        var newest: [String: (generation: Int, owner: String?)] = stored.groups.mapValues { ($0.generation, $0.owner) }
        for (peer, summary) in summaries where alive.contains(peer) {
            for (group, generation) in summary.held ?? [:] where generation > newest[group]?.generation ?? -1 {
                newest[group] = (generation, peer.rawValue)
            }
        }
        for group in spec.groups {
            // An administrator's stop outlasts the engines: the group stays stopped until `baton start`.
            // So does a maintenance.
            let stopped = stored.groups[group.name.rawValue]?.stopped == true
            let maintenance = stored.groups[group.name.rawValue]?.maintenance == true
            guard let record = newest[group.name.rawValue] else {
                if stopped || maintenance {
                    formed.groups[group.name] = GroupState(stopped: stopped, maintenance: maintenance)
                }
                continue
            }
            var groupState = GroupState(
                node: record.owner.map(NodeName.init), generation: record.generation, stopped: stopped,
                maintenance: maintenance)
            if let owner = record.owner, record.generation > 0, formed.status(of: NodeName(owner)) != .online {
                let reason =
                    "\(group.name) last ran on \(owner) (generation \(record.generation)), which holds the newest "
                    + "data and is not here"
                groupState.stopped = true
                groupState.waiting = reason
                emit(.groupWaiting(group.name, reason: reason, owner: owner))
            }
            formed.groups[group.name] = groupState
        }
        for (resource, failures) in stored.failures where spec.resource(named: ResourceName(resource)) != nil {
            formed.resources[ResourceName(resource)] = ResourceState(failures: failures)
        }
        state = formed.withRoles(spec)
        startingAlone = alive.isEmpty
        ready = true
        source = local
        publish()
        enqueue(.formed)
    }
}

extension NodeController {
    // MARK: Tiebreaker

    /// The engine's pings say whether a tiebreaker target answers: said as an event when it changes, and put in the
    /// state by the senior.
    ///
    /// A node that reaches a target again while it hears no peer (a partition heals: its peers' heartbeats may come
    /// a moment later) counts as reaching it only once that lasted a deadtime, so that two nodes cut off do not both
    /// take the groups over when the network returns.
    mutating func tiebreakerChanged(_ reached: Bool) {
        guard let tiebreaker = spec.tiebreaker else { return }
        if reached, tiebreakerReached == false, peersSilent(for: spec.heartbeat.deadtime.value / 2) {
            let since = tiebreakerReturned ?? now
            tiebreakerReturned = since
            guard now.milliseconds - since.milliseconds >= spec.heartbeat.deadtime.value.wholeMilliseconds else {
                return
            }
        }
        tiebreakerReturned = nil
        guard reached != tiebreakerReached else { return }
        let first = tiebreakerReached == nil
        tiebreakerReached = reached
        if !reached {
            emit(.tiebreakerLost(local, targets: tiebreaker.targets.map(\.value), timeout: tiebreaker.timeout.value))
        } else if !first {
            emit(.tiebreakerReached(local))
        }
        noteTiebreaker(of: local, reached: reached)
        checkCutOff()
    }

    /// The senior puts a node's reach of the tiebreaker in the state, through the queue: what runs on a node that
    /// lost it moves to one that reaches it, and nothing starts where it is lost.
    mutating func noteTiebreaker(of node: NodeName, reached: Bool) {
        guard spec.tiebreaker != nil, isSenior, ready else { return }
        let known = tiebreakerQueued[node] ?? !(state.nodes[node]?.tiebreakerLost ?? false)
        guard known != reached else { return }
        tiebreakerQueued[node] = reached
        enqueue(.tiebreaker(node, reached: reached))
    }

    /// A node that hears no peer for half the deadtime and reaches no tiebreaker target may be the one cut off: it
    /// stops what it runs before its peers' deadtime ends, so that a peer that reaches the tiebreaker may take it
    /// over, and starts nothing until it hears a peer or reaches the tiebreaker again.
    mutating func checkCutOff() {
        guard spec.tiebreaker != nil, !membership.isListening, !stopped else { return }
        let silence = spec.heartbeat.deadtime.value / 2
        let isCutOff = peersSilent(for: silence) && tiebreakerReached == false
        guard isCutOff != cutOff else { return }
        cutOff = isCutOff
        guard isCutOff else { return }
        let stopping = !remainingHere.isEmpty
        emit(.cutOff(local, silence: silence, stopping: stopping))
        if stopping { out.append(.stopHere) }
    }

    /// The next instant at which a ``NodeInput/tick`` would change what this node knows: a link going late or down, a
    /// peer lost, the end of listening, or (with a tiebreaker) the moment no peer has been heard for half the
    /// deadtime. The driver ticks then as well as every interval, so that each is noticed at its deadline.
    public var nextDeadline: Timestamp? {
        var next = membership.nextDeadline
        if spec.tiebreaker != nil, !cutOff, !membership.isListening,
            let last = membership.peers.compactMap({ $0.links.compactMap(\.lastHeard).max() }).max()
        {
            let due = last.advanced(by: spec.heartbeat.deadtime.value / 2)
            if due > now { next = next.map { min($0, due) } ?? due }
        }
        return next
    }

    /// Whether no peer was heard on any link for `silence`.
    private func peersSilent(for silence: Duration) -> Bool {
        membership.peers.allSatisfy { peer in
            guard let last = peer.links.compactMap(\.lastHeard).max() else { return true }
            return now.milliseconds - last.milliseconds >= silence.wholeMilliseconds
        }
    }
}
