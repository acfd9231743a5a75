import BatonCLI
import BatonControl
import BatonCore
import BatonNet
import Crypto
import Foundation
import Testing

/// Real `baton run` engines, one per network namespace, on two bridges (two links per node), with a client
/// namespace on the first bridge that reaches the floating address from outside. Faults are real: `kill -9`, links
/// set down, forged packets on the wire.
@Suite(.serialized, .timeLimit(.minutes(10))) struct ClusterTests {
    static let baton = ValidateCommandTests.binary.path

    @Test func coldStartLinkCutCrashAndReturn() async throws {
        guard let cluster = try await Cluster.make("cs") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")

        // Cold start: the group starts on its preferred node only, and both engines agree.
        let first = try await cluster.waitFor("n2", "the group runs on n1 and n2 holds that state") {
            $0.state.state(of: GroupName("web")).node == NodeName("n1") && Self.running($0, on: "n1")
                && $0.role == .slaveOK
        }
        let seenByN1 = try await cluster.waitFor("n1", "n1 is MAIN") { $0.role == .main }
        // The same facts; the time of the state may be a later one (n1 may publish again, with the same facts, after
        // n2's status was read).
        var sameTime = seenByN1.state
        sameTime.time = first.state.time
        #expect(sameTime == first.state, "both nodes hold the same cluster state")
        #expect(!(try await cluster.holdsFloatingAddress("n2")), "the floating address is on n1 only")
        #expect(await cluster.ping(), "the client reaches the floating address")
        // The engines run at real-time priority; the service their agent started, at normal priority.
        let resetOnFork: Int32 = 0x4000_0000
        #expect(sched_getscheduler(try #require(cluster.engines["n1"])) == SCHED_RR | resetOnFork)
        let service = try #require(cluster.agentProcesses("n1").first)
        #expect(sched_getscheduler(service) == SCHED_OTHER && getpriority(__priority_which_t(0), id_t(service)) == 0)
        let dryRun = try await ValidateCommandTests.run(
            Self.baton,
            ["plan", "--live", "--fail", "n1", "-c", cluster.config, "--state-dir", cluster.stateDirectory("n2")])
        #expect(dryRun.status == 0 && dryRun.output.contains("start vip on n2"), "\(dryRun.output)\(dryRun.error)")

        // Forged, foreign, malformed and replayed packets from the client namespace are dropped and counted.
        try await cluster.sendHostilePackets(to: "10.\(cluster.net).1.1")
        let counted = try await cluster.waitFor("n1", "the hostile packets are counted") {
            ($0.rejected["forged"] ?? 0) >= 1 && ($0.rejected["replayed"] ?? 0) >= 2
                && ($0.rejected["malformed"] ?? 0) >= 1 && ($0.rejected["foreign-cluster"] ?? 0) >= 1
        }
        #expect(counted.role == .main, "n1 still runs the group")

        // One link of two cut: an event, the spare link in use, no takeover.
        let peer = try #require(first.peers.first { $0.name == "n1" })
        let active = try #require(peer.links.firstIndex { $0.active })
        try await cluster.ip("n1", ["link", "set", "eth\(active)", "down"])
        let cut = try await cluster.waitFor("n2", "link \(active + 1) is down and the other carries the traffic") {
            let links = $0.peers.first { $0.name == "n1" }!.links
            return links[active].state == "down" && links[1 - active].active && links[1 - active].state == "up"
        }
        #expect(cut.events.contains { $0.event == "link-down" })
        #expect(cut.state.status(of: NodeName("n1")) == .online && Self.running(cut, on: "n1"), "no takeover")
        try await cluster.ip("n1", ["link", "set", "eth\(active)", "up"])

        // The active node crashes: every process of it killed, its links down. n2 takes over.
        let crashed = ContinuousClock.now
        await cluster.crash("n1")
        let takenOver = try await cluster.waitFor("n2", "n2 runs the group", limit: .seconds(20)) {
            Self.running($0, on: "n2") && $0.role == .mono
        }
        #expect(takenOver.state.status(of: NodeName("n1")) == .lost)
        // Its links answered no ICMP echo: it is confirmed down, and the address was taken without a probe.
        #expect(takenOver.events.contains { $0.event == "node-down" && $0.node == "n1" })
        #expect(try await cluster.holdsFloatingAddress("n2"))
        #expect(await cluster.ping(), "the client reaches the floating address on n2")
        print("takeover observed by status polling after \(ContinuousClock.now - crashed)")
        let handled = try await cluster.handledEvents(containing: "group-started node=n2 group=web severity=info")
        #expect(handled.contains("node-lost node=n1 group= severity=critical role=SLAVE_OK"), "\(handled)")
        #expect(handled.contains("message=n1 is lost"), "\(handled)")

        // The old active returns: with failback: manual it becomes the ready standby.
        try await cluster.ip("n1", ["link", "set", "eth0", "up"])
        try await cluster.ip("n1", ["link", "set", "eth1", "up"])
        try cluster.start("n1")
        let back = try await cluster.waitFor("n1", "n1 is the ready standby") {
            $0.role == .slaveOK && $0.senior == "n2"
        }
        #expect(Self.running(back, on: "n2"), "the group stays on n2")
        #expect(!(try await cluster.holdsFloatingAddress("n1")))

        // The control socket is not world writable.
        var info = stat()
        #expect(stat(cluster.stateDirectory("n1") + "/baton.sock", &info) == 0 && info.st_mode & 0o777 == 0o660)
    }

    @Test func aNodeAloneWaitsForNewerDataUntilForced() async throws {
        guard let cluster = try await Cluster.make("nd") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }

        // Both nodes go down at once; n2 comes back alone. n1 ran the group last, with the newest data: n2 waits.
        // Both engines stop first: a crash takes its commands' time, and n2 would take the group over (and hold the
        // newest data) if n1's crash took longer than deadtime before n2's began.
        for node in ["n1", "n2"] { kill(try #require(cluster.engines[node]), SIGSTOP) }
        await cluster.crash("n1")
        await cluster.crash("n2")
        try await cluster.ip("n2", ["link", "set", "eth0", "up"])
        try await cluster.ip("n2", ["link", "set", "eth1", "up"])
        try cluster.start("n2")
        let alone = try await cluster.waitFor("n2", "n2 acts alone and the group waits") {
            $0.role == .slaveOK && $0.waiting["web"] != nil
        }
        #expect(alone.waiting["web"]!.contains("last ran on n1"), "\(alone.waiting)")
        #expect(alone.events.contains { $0.event == "group-waiting" })
        #expect(!Self.running(alone, on: "n2"))

        // The administrator checked the data: --force starts it here.
        try await cluster.control("n2", ["start", "web", "--force"])
        let forced = try await cluster.waitFor("n2", "the forced group runs on n2") { Self.running($0, on: "n2") }
        #expect(forced.waiting.isEmpty && forced.role == .mono)
        #expect(await cluster.ping())
    }

    @Test func resourceFailureSwitchoverStandbyAndHandoverOnSIGTERM() async throws {
        guard let cluster = try await Cluster.make("rs", failback: "auto") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }

        // The service's process is killed: it restarts in place (max-restarts 2), then the group fails over.
        for round in 1...2 {
            try cluster.killService(on: "n1")
            _ = try await cluster.waitFor("n1", "app restarted on n1 (\(round))") {
                $0.state.state(of: ResourceName("app")).failures.count == round && Self.running($0, on: "n1")
            }
        }
        try cluster.killService(on: "n1")
        _ = try await cluster.waitFor("n2", "the group failed over to n2") { Self.running($0, on: "n2") }

        // Switchover back to n1 (cleanup first: n1 reached max-restarts), there and back, then standby and online.
        try await cluster.control("n2", ["cleanup", "app"])
        try await cluster.control("n2", ["switch", "web", "--to", "n1"])
        _ = try await cluster.waitFor("n2", "the group is back on n1") { Self.running($0, on: "n1") }
        try await cluster.control("n1", ["switch", "web", "--to", "n2"])
        _ = try await cluster.waitFor("n1", "the group is switched to n2") { Self.running($0, on: "n2") }
        try await cluster.control("n2", ["switch", "web", "--to", "n1"])
        _ = try await cluster.waitFor("n1", "the group is switched back to n1") { Self.running($0, on: "n1") }
        try await cluster.control("n1", ["standby", "n1"])
        _ = try await cluster.waitFor("n1", "standby moves the group to n2") {
            Self.running($0, on: "n2") && $0.state.status(of: NodeName("n1")) == .standby
        }
        try await cluster.control("n1", ["online", "n1"])
        _ = try await cluster.waitFor("n1", "online: with failback: auto the group comes home") {
            Self.running($0, on: "n1")
        }

        // SIGTERM of the active engine hands the group over, then the engine exits 0.
        let status = try await cluster.terminate("n1")
        #expect(status == 0)
        // The engine exits once its event handler has run for its last event.
        #expect(cluster.handledEventsSoFar.contains("engine-stopped node=n1"), "\(cluster.handledEventsSoFar)")
        _ = try await cluster.waitFor("n2", "n2 runs the group after n1 left") {
            Self.running($0, on: "n2") && $0.role == .mono
        }
        #expect(await cluster.ping())

        // n1 returns: with failback: auto the group comes home.
        try cluster.start("n1")
        _ = try await cluster.waitFor("n2", "the group returned to n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        let n1Holds = try await cluster.holdsFloatingAddress("n1")
        let n2Holds = try await cluster.holdsFloatingAddress("n2")
        #expect(n1Holds && !n2Holds)
    }

    @Test func aSwitchWhoseStartFailsGoesBackAndAFailedStopBlocks() async throws {
        guard let cluster = try await Cluster.make("gb", gate: true) else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        let gate = ResourceName("gate")
        func onNode(_ status: StatusReport, _ node: String) -> Bool {
            Self.running(status, on: node) && status.state.state(of: gate).node == NodeName(node)
                && status.state.state(of: gate).status == .started
        }
        _ = try await cluster.waitFor("n2", "the group runs on n1") { onNode($0, "n1") && $0.role == .slaveOK }

        let followed = try cluster.followEvents("n1")

        // The gate refuses to start on n2: the switch fails there and the group goes back to n1.
        try cluster.refuse("n2")
        try await cluster.control("n1", ["switch", "web", "--to", "n2"])
        let back = try await cluster.waitFor("n1", "the group went back to n1") {
            onNode($0, "n1") && $0.state.state(of: gate).failures.contains { $0.node == NodeName("n2") }
        }
        #expect(back.events.contains { $0.event == "switchover-requested" })
        #expect(back.events.contains { $0.event == "resource-failed" && $0.resource == "gate" })

        // The gate's stop fails on n1: the group is blocked there and starts nowhere else.
        try cluster.refuse("stop-n1")
        try await cluster.control("n1", ["cleanup", "gate"])
        try await cluster.control("n2", ["standby", "n1"])
        let blocked = try await cluster.waitFor("n1", "the gate is blocked on n1") {
            $0.state.state(of: gate).status == .blocked && $0.events.contains { $0.event == "group-blocked" }
        }
        let event = try #require(blocked.events.last { $0.event == "group-blocked" })
        #expect(event.severity == .critical && event.action?.contains("baton cleanup gate") == true)
        try await Task.sleep(for: .seconds(1))
        let still = try #require(await cluster.status("n2"))
        #expect(!Self.running(still, on: "n2") && still.state.state(of: gate).status == .blocked)

        // The administrator stopped it by hand and cleans up: the group moves to n2.
        try cluster.allow("stop-n1")
        try cluster.allow("n2")
        try await cluster.control("n2", ["cleanup", "gate"])
        _ = try await cluster.waitFor("n2", "the group runs on n2") { onNode($0, "n2") }

        // `baton events --follow` printed each event as it happened, one JSON object per line.
        let lines = try String(contentsOfFile: followed, encoding: .utf8).split(separator: "\n")
        let names = lines.compactMap { try? JSONDecoder().decode(EventRecord.self, from: Data($0.utf8)).event }
        #expect(names.count == lines.count, "every line is an event")
        #expect(names.contains("switchover-requested") && names.contains("group-blocked"), "\(names)")

        // n2 crashes while n1 is in standby: nothing can take the group, and n1 says so.
        await cluster.crash("n2")
        let failed = try await cluster.waitFor("n1", "the takeover failed") {
            $0.events.contains { $0.event == "takeover-failed" }
        }
        let takeover = try #require(failed.events.last { $0.event == "takeover-failed" })
        #expect(
            takeover.severity == .critical && takeover.message.contains("left web not running"), "\(takeover.message)")
    }

    /// A takeover announces the floating address `arp_count` times, `arp_interval` apart (a request and a reply each),
    /// and a stop ends the announcements that are still to come.
    @Test func aTakeoverAnnouncesTheAddressSeveralTimesAndAStopEndsIt() async throws {
        guard
            let cluster = try await Cluster.make(
                "an",
                groups: { net, _ in
                    """
                    groups:
                      - name: web
                        resources:
                          - name: vip
                            agent: floating-ip
                            params: {address: 10.\(net).1.50/24, interface: eth0, arp_count: 4, arp_interval: 700ms}
                          - {name: app, agent: process, params: {command: "sleep 100000"}}

                    """
                })
        else { return }
        defer { cluster.tearDown() }
        try await FaultTests.settled(cluster)
        let mac = try await cluster.hardwareAddress("n2")
        async let captured = cluster.announcements(for: 5)
        try await Task.sleep(for: .milliseconds(300))
        await cluster.crash("n1")
        _ = try await cluster.waitFor("n2", "n2 took the group over") { Self.running($0, on: "n2") }
        let frames = try await captured.filter { $0.mac == mac }
        #expect(frames.map(\.operation) == [1, 2, 1, 2, 1, 2, 1, 2], "\(frames)")
        if let first = frames.first, let last = frames.last {
            #expect(last.time - first.time >= 2.0, "three intervals of 700 ms: \(frames)")
        }
        // Stopped, started again, then stopped at once: nothing more is announced once the stop has ended.
        try await cluster.control("n2", ["stop", "web", "--wait"])
        try await cluster.control("n2", ["start", "web", "--wait"])
        try await cluster.control("n2", ["stop", "web", "--wait"])
        let after = try await cluster.announcements(for: 2.5).filter { $0.mac == mac }
        #expect(after.isEmpty, "announced after the stop: \(after)")
        await #expect(try !cluster.holdsFloatingAddress("n2"))
    }

    /// `baton stop` stops the group on a running cluster, and it stays stopped while the engine of its node is
    /// killed and started again; `baton start` runs it again.
    @Test func anAdministratorStopsAndStartsAGroup() async throws {
        guard let cluster = try await Cluster.make("ss") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        let check = try await ValidateCommandTests.run(
            Cluster.baton, ["config", "check-nodes", "-c", cluster.config, "--state-dir", cluster.stateDirectory("n2")])
        #expect(check.status == 0 && check.output == "n2: this node\nn1: the same configuration\n", "\(check.output)")
        // A switch the senior cannot plan is refused with the reason, an exit status of 1 and an event.
        let refused = try await ValidateCommandTests.run(
            Cluster.baton,
            ["switch", "web", "--to", "n3", "-c", cluster.config, "--state-dir", cluster.stateDirectory("n2")])
        #expect(refused.status == 1 && refused.error.contains("n3"), "\(refused.error)")
        _ = try await cluster.waitFor("n1", "the refusal is an event") {
            $0.events.contains { $0.event == "request-refused" }
        }
        // A live view on each node, from before the stop to after the start.
        let watchedJSON = try cluster.watchStatus("n1", json: true)
        let watchedText = try cluster.watchStatus("n2", json: false)
        try await Task.sleep(for: .milliseconds(500))
        // With --wait the command returns once the group has stopped, asked on the follower.
        try await cluster.control("n2", ["stop", "web", "--wait"])
        let stopped = try #require(await cluster.status("n1"))
        #expect(
            stopped.state.state(of: GroupName("web")).stopped
                && stopped.state.state(of: ResourceName("vip")).status == .stopped
                && stopped.state.state(of: ResourceName("app")).status == .stopped, "stopped when --wait returned")
        #expect(stopped.events.contains { $0.event == "group-stopped" })
        let heldAfterStop = try await cluster.holdsFloatingAddress("n1")
        #expect(!heldAfterStop && cluster.agentProcesses("n1").isEmpty)
        try await cluster.killEngine("n1")
        try cluster.start("n1")
        _ = try await cluster.waitFor("n1", "n1 is back, web still stopped") {
            $0.role == .slaveOK && $0.state.state(of: GroupName("web")).stopped
        }
        let heldOnN1 = try await cluster.holdsFloatingAddress("n1")
        let heldOnN2 = try await cluster.holdsFloatingAddress("n2")
        #expect(!heldOnN1 && !heldOnN2, "nothing started while the group is stopped")
        try await cluster.control("n1", ["start", "web"])
        _ = try await cluster.waitFor("n1", "web runs again") {
            Self.running($0, on: "n1") || Self.running($0, on: "n2")
        }
        #expect(await cluster.ping(), "the floating address answers the client")

        // `status --watch` printed a view each time something changed: the group running, stopped, running again
        // (n1's engine was killed meanwhile: the watch said so, and went on).
        try await Task.sleep(for: .milliseconds(500))
        let lines = try String(contentsOfFile: watchedJSON, encoding: .utf8).split(separator: "\n")
        let views = lines.compactMap { try? JSONDecoder().decode(StatusReport.self, from: Data($0.utf8)) }
        let unanswered = lines.filter { $0.hasPrefix("{\"error\":\"no engine answers at ") }
        #expect(views.count + unanswered.count == lines.count, "every line is a view or an error: \(lines)")
        #expect(!unanswered.isEmpty, "n1's engine was away for a while")
        let stoppedAt = try #require(views.firstIndex { $0.state.state(of: GroupName("web")).stopped })
        #expect(views[..<stoppedAt].contains { Self.running($0, on: "n1") })
        #expect(views[stoppedAt...].contains { !$0.state.state(of: GroupName("web")).stopped })
        let text = try String(contentsOfFile: watchedText, encoding: .utf8)
        #expect(text.contains("stopped by an administrator") && text.contains("---\n"), "\(text)")
        #expect(text.components(separatedBy: "---\n").count < 40, "a view only when something changed")
    }

    /// `baton maintenance on --node n1`: n1's service dies unwatched, its engine stops (SIGTERM) and is killed (-9),
    /// and neither n1 nor n2 stops, restarts, moves or fences anything; `off` probes n1 and repairs what it finds.
    @Test func aNodeInMaintenanceIsLeftAloneUntilItEnds() async throws {
        guard let cluster = try await Cluster.make("mn") else { return }
        defer { cluster.tearDown() }
        let n1 = NodeName("n1")
        let app = ResourceName("app")
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        try await cluster.control("n2", ["maintenance", "on", "--node", "n1", "--wait"])
        _ = try await cluster.waitFor("n1", "n1 holds the state with itself in maintenance") {
            $0.state.inMaintenance(n1) && $0.events.contains { $0.event == "maintenance-started" }
        }
        // Its monitor is cancelled: the service dies and nothing notices.
        try cluster.killService(on: "n1")
        try await Task.sleep(for: .seconds(3))
        let unwatched = try #require(await cluster.status("n1"))
        #expect(Self.running(unwatched, on: "n1") && unwatched.state.state(of: app).failures.isEmpty)
        #expect(!unwatched.events.contains { $0.event == "monitor-failed" }, "\(unwatched.events.map(\.event))")

        // Its engine stops: nothing is handed over or stopped, and n2 takes nothing over.
        #expect(try await cluster.terminate("n1") == 0)
        let left = try await cluster.waitFor("n2", "n1 left") { $0.state.status(of: n1) == .lost }
        #expect(!Self.running(left, on: "n2") && left.state.inMaintenance(n1))
        #expect(try await cluster.holdsFloatingAddress("n1"), "the address stays where it was")
        try cluster.start("n1")
        _ = try await cluster.waitFor("n2", "n1 is back, still in maintenance") {
            $0.state.status(of: n1) == .online && $0.state.inMaintenance(n1)
        }
        // Killed with -9: lost, and still nothing moves.
        try await cluster.killEngine("n1")
        let kept = try await ValidateCommandTests.run(
            Cluster.baton,
            ["events", "--history", "--json", "-c", cluster.config, "--state-dir", cluster.stateDirectory("n1")])
        #expect(
            kept.output.components(separatedBy: "\"event\":\"engine-started\"").count == 3,
            "the history outlasts two engines, the second killed with -9")
        _ = try await cluster.waitFor("n2", "n1 is lost") { $0.state.status(of: n1) == .lost }
        try await Task.sleep(for: .seconds(2))
        let lost = try #require(await cluster.status("n2"))
        #expect(!Self.running(lost, on: "n2"))
        #expect(
            !lost.events.contains { ["takeover-started", "group-held-elsewhere", "fence-started"].contains($0.event) },
            "\(lost.events.map(\.event))")
        #expect(await cluster.ping(), "the client still reaches the address on n1")

        // The maintenance ends: n1 is probed, the group stays there, and the dead service is started again.
        try cluster.start("n1")
        _ = try await cluster.waitFor("n2", "n1 is back") { $0.state.status(of: n1) == .online }
        try await cluster.control("n2", ["maintenance", "off", "--node", "n1", "--wait"])
        let ended = try await cluster.waitFor("n2", "the group runs on n1 again, watched") {
            Self.running($0, on: "n1") && !$0.state.inMaintenance(n1)
                && $0.events.contains { $0.event == "maintenance-ended" }
        }
        #expect(!ended.events.contains { $0.event == "takeover-started" })
        let n1Holds = try await cluster.holdsFloatingAddress("n1")
        let n2Holds = try await cluster.holdsFloatingAddress("n2")
        #expect(n1Holds && !n2Holds)
        // Watched again: the next time the service dies it is restarted in place.
        try cluster.killService(on: "n1")
        _ = try await cluster.waitFor("n1", "app restarted on n1") {
            $0.state.state(of: app).failures.count == 1 && Self.running($0, on: "n1")
        }
    }

    /// `failback-delay: 4s` with `failback: auto`: n1 crashes and returns; the group stays on n2 until n1 has been
    /// heard for the delay, then goes back to n1.
    @Test func aReturningNodeGetsItsGroupBackOnlyAfterTheFailbackDelay() async throws {
        guard let cluster = try await Cluster.make("fy", failback: "auto", failbackDelay: "4s") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        await cluster.crash("n1")
        _ = try await cluster.waitFor("n2", "n2 runs the group", limit: .seconds(20)) { Self.running($0, on: "n2") }
        try await cluster.ip("n1", ["link", "set", "eth0", "up"])
        try await cluster.ip("n1", ["link", "set", "eth1", "up"])
        try cluster.start("n1")
        _ = try await cluster.waitFor("n2", "n1 is heard again") {
            $0.state.status(of: NodeName("n1")) == .online && $0.state.nodes[NodeName("n1")]?.heardSince != nil
        }
        try await Task.sleep(for: .seconds(2))
        let early = try #require(await cluster.status("n2"))
        #expect(Self.running(early, on: "n2"), "2 s after n1 returned, the group is still on n2")
        #expect(try await cluster.holdsFloatingAddress("n2"))
        _ = try await cluster.waitFor("n2", "the group went back to n1", limit: .seconds(20)) {
            Self.running($0, on: "n1")
        }
        #expect(await cluster.ping())
    }

    /// `failure-timeout: 4s`: the service dies on n1 (max-restarts 0), the group moves to n2 and n1 is kept off;
    /// once the failure is 4 s old it no longer counts (`failures-expired`), and with `failback: auto` the group
    /// comes home to n1 without `baton cleanup`.
    @Test func aFailureExpiresAndTheGroupMayRunWhereItFailed() async throws {
        guard
            let cluster = try await Cluster.make(
                "ft",
                groups: { net, _ in
                    """
                    groups:
                      - name: web
                        failback: auto
                        resources:
                          - name: vip
                            agent: floating-ip
                            params: {address: 10.\(net).1.50/24, interface: eth0}
                          - name: app
                            agent: process
                            params: {command: "sleep 100000"}
                            monitor: {interval: 500ms, timeout: 5s}
                            max-restarts: 0
                            failure-timeout: 4s

                    """
                })
        else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        try cluster.killService(on: "n1")
        let moved = try await cluster.waitFor("n2", "the group moved to n2") { Self.running($0, on: "n2") }
        let failure = try #require(moved.state.state(of: ResourceName("app")).failures.first)
        #expect(failure.node == NodeName("n1") && failure.action == "monitor")
        // The failure keeps n1 off until it expires, 4 s after it happened.
        let back = try await cluster.waitFor("n1", "the failure expired and the group came back to n1") {
            Self.running($0, on: "n1") && $0.events.contains { $0.event == "failures-expired" }
        }
        #expect(back.state.state(of: ResourceName("app")).failures.isEmpty)
        let expired = try #require(back.events.last { $0.event == "failures-expired" })
        #expect(expired.time.milliseconds - failure.time.milliseconds >= 4000, "not before failure-timeout")
        #expect(await cluster.ping())
    }

    /// `baton config apply`: a group added and a monitor retuned without touching what runs; then, with n2's engine
    /// stopped, the floating address changed (vip and app restart in place) and the group removed; n2, started
    /// again with its old file, takes the new one before it joins; SIGHUP applies an engine's own file; a change of
    /// the heartbeat is refused. n2 runs from a file of its own, as another machine would.
    @Test func aNewConfigurationIsAppliedTouchingOnlyWhatChanged() async throws {
        guard let cluster = try await Cluster.make("ca") else { return }
        defer { cluster.tearDown() }
        let original = try String(contentsOfFile: cluster.config, encoding: .utf8)
        let n2File = cluster.directory.appendingPathComponent("n2.yaml").path
        try original.write(toFile: n2File, atomically: true, encoding: .utf8)
        try cluster.start("n1")
        try cluster.start("n2", config: n2File)
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        let service = try #require(cluster.agentProcesses("n1").first)
        func write(_ name: String, _ text: String) throws -> String {
            let path = cluster.directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let extra = """
              - name: extra
                resources:
                  - {name: side, agent: process, params: {command: "sleep 300000"}}

            """
        // 1. A group added, app's monitor retuned: app keeps running, the same process.
        let first = try write(
            "first.yaml",
            original.replacingOccurrences(of: "interval: 1s, timeout: 5s", with: "interval: 2s, timeout: 5s") + extra)
        let applied = try await ValidateCommandTests.run(
            Cluster.baton,
            ["config", "apply", first, "--wait", "-c", n2File, "--state-dir", cluster.stateDirectory("n2")])
        #expect(applied.status == 0 && applied.output.contains("runs on every node heard"), "\(applied.error)")
        let withExtra = try await cluster.waitFor("n1", "extra runs") {
            $0.state.state(of: ResourceName("side")).status == .started
        }
        #expect(Self.running(withExtra, on: "n1"))
        #expect(cluster.agentProcesses("n1").contains(service) && kill(service, 0) == 0, "app was not restarted")
        #expect(try String(contentsOfFile: n2File, encoding: .utf8) == String(contentsOfFile: first, encoding: .utf8))
        #expect(FileManager.default.fileExists(atPath: n2File + ".previous"))
        #expect(try await cluster.events("n2").contains { $0.event == "config-applied" })

        // 2. n2 stops; the address changes and extra goes: vip and app restart in place, extra stops.
        #expect(try await cluster.terminate("n2") == 0)
        let moved = "10.\(cluster.net).1.51/24"
        let second = try write(
            "second.yaml",
            String(contentsOfFile: first, encoding: .utf8).replacingOccurrences(
                of: "10.\(cluster.net).1.50/24", with: moved
            ).replacingOccurrences(of: extra, with: ""))
        // The dry-run first: the stops with the running configuration, then the starts with the new one.
        let dryRun = try await ValidateCommandTests.run(
            Cluster.baton, ["plan", "--live", "-c", second, "--state-dir", cluster.stateDirectory("n1")])
        #expect(dryRun.status == 0, "\(dryRun.error)")
        let plans = dryRun.output.components(separatedBy: "Plan: ")
        #expect(plans.count == 3, "\(dryRun.output)")
        #expect(plans[1].hasPrefix("configuration change: removes extra; restarts vip"), "\(plans[1])")
        #expect(plans[1].contains("stop vip on n1") && plans[1].contains("stop side on n1"), "\(plans[1])")
        #expect(!plans[1].contains("start "), "nothing starts with the old configuration")
        #expect(plans[2].hasPrefix("the new configuration took effect") && plans[2].contains("start vip on n1"))
        try await cluster.control("n1", ["config", "apply", second, "--wait"])
        let restarted = try await cluster.waitFor("n1", "web runs at the new address") {
            Self.running($0, on: "n1") && $0.state.resources[ResourceName("side")] == nil
        }
        #expect(!restarted.state.groups.keys.contains(GroupName("extra")))
        #expect(!cluster.agentProcesses("n1").contains(service), "app restarted after vip")
        let shown = try await ValidateCommandTests.run("/usr/sbin/ip", ["-n", cluster.prefix + "n1", "-o", "addr"])
        #expect(shown.output.contains(" \(moved) ") && !shown.output.contains(" 10.\(cluster.net).1.50/24 "))

        // 3. n2 returns with its old file: it takes the cluster's before it joins.
        try cluster.start("n2", config: n2File)
        _ = try await cluster.waitFor("n1", "n2 is back as the ready standby") {
            $0.peers.first { $0.name == "n2" }?.role == .slaveOK && $0.mismatched.isEmpty
        }
        #expect(try String(contentsOfFile: n2File, encoding: .utf8) == String(contentsOfFile: second, encoding: .utf8))
        _ = try await cluster.waitFor("n2", "n2 follows n1 with its state") { $0.role == .slaveOK }

        // 4. SIGHUP: n1 reads its own file again, and the cluster takes it.
        let third = try String(contentsOfFile: second, encoding: .utf8).replacingOccurrences(
            of: "restart-window: 10m", with: "restart-window: 20m")
        try third.write(toFile: cluster.config, atomically: true, encoding: .utf8)
        kill(try #require(cluster.engines["n1"]), SIGHUP)
        for _ in 0..<100 where (try? String(contentsOfFile: n2File, encoding: .utf8)) != third {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(try String(contentsOfFile: n2File, encoding: .utf8) == third, "n2 took n1's file")

        // 5. What cannot change on a running cluster is refused, and nothing changes.
        let heartbeat = try write(
            "fourth.yaml", third.replacingOccurrences(of: "interval: 200ms", with: "interval: 300ms"))
        let refused = try await ValidateCommandTests.run(
            Cluster.baton,
            ["config", "apply", heartbeat, "-c", cluster.config, "--state-dir", cluster.stateDirectory("n1")])
        #expect(
            refused.status == 1 && refused.error.contains("heartbeat cannot change on a running cluster"),
            "\(refused.error)")
        #expect(try String(contentsOfFile: n2File, encoding: .utf8) == third)
    }

    /// A rolling restart with the same configuration, the standby first: the group moves once, when its node's
    /// engine stops, and not back when it returns.
    @Test func aRollingRestartMovesTheGroupOnce() async throws {
        guard let cluster = try await Cluster.make("ru") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        let before = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        let generation = before.state.state(of: GroupName("web")).generation
        for node in ["n2", "n1"] {
            #expect(try await cluster.terminate(node) == 0)
            try cluster.start(node)
            // Back, and probed: the group runs on n2 and the node that returned is its ready standby.
            _ = try await cluster.waitFor(node, "\(node) is back as the ready standby") {
                $0.role == .slaveOK && Self.running($0, on: node == "n1" ? "n2" : "n1")
            }
        }
        let after = try #require(await cluster.status("n1"))
        #expect(Self.running(after, on: "n2"))
        #expect(after.state.state(of: GroupName("web")).generation == generation + 1, "one move")
        #expect(await cluster.ping())
    }

    /// The HTTP endpoint on every address of each node, asked from the client namespace as a load balancer's
    /// health check and a Prometheus scrape would: health, the group's holder, metrics (checked by promtool), the
    /// status as JSON, the status page; after a crash of n1, n2 answers for the group.
    @Test func theHTTPEndpointAnswersHealthChecksAndScrapes() async throws {
        guard
            let cluster = try await Cluster.make(
                "hp",
                groups: { net, _ in
                    """
                    groups:
                      - name: web
                        resources:
                          - {name: vip, agent: floating-ip, params: {address: 10.\(net).1.50/24, interface: eth0}}
                          - {name: app, agent: process, params: {command: "sleep 100000"}}
                    http: {address: 0.0.0.0, port: 9105}

                    """
                })
        else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "the group runs on n1") {
            Self.running($0, on: "n1") && $0.role == .slaveOK
        }
        func get(_ node: Int, _ path: String) async throws -> (code: Int, body: String) {
            let run = try await ValidateCommandTests.run(
                "/usr/sbin/ip",
                [
                    "netns", "exec", cluster.prefix + "c", "curl", "-s", "-m", "5", "-w", "\n%{http_code}",
                    "http://10.\(cluster.net).1.\(node):9105\(path)",
                ])
            let lines = run.output.split(separator: "\n", omittingEmptySubsequences: false)
            return (Int(lines.last ?? "") ?? 0, lines.dropLast().joined(separator: "\n"))
        }
        #expect(try await get(1, "/health").code == 200)
        #expect(try await get(1, "/group/web").code == 200)
        let standby = try await get(2, "/group/web")
        #expect(standby.code == 503 && standby.body.contains("web runs on n1"), "\(standby)")
        #expect(try await get(2, "/group/nope").code == 404)
        let metrics = try await get(1, "/metrics")
        #expect(metrics.code == 200)
        for line in [
            "baton_group_running{group=\"web\",node=\"n1\"} 1", "baton_senior 1",
            "baton_link_up{peer=\"n2\",link=\"1\"} 1",
            "baton_role{role=\"MAIN\"} 1",
        ] {
            #expect(metrics.body.contains(line), "\(line) in\n\(metrics.body)")
        }
        #expect(metrics.body.contains("baton_action_duration_seconds_bucket{"), "action durations")
        #expect(metrics.body.contains("baton_events_total{event=\"group-started\"}"))
        if AgentCommandTests.have(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/promtool"), "promtool is not installed (prometheus)")
        {
            let file = cluster.directory.appendingPathComponent("metrics.txt").path
            try (metrics.body + "\n").write(toFile: file, atomically: true, encoding: .utf8)
            let check = try await ValidateCommandTests.run("/bin/sh", ["-c", "promtool check metrics < \"$0\"", file])
            #expect(check.status == 0, "promtool: \(check.output)\(check.error)")
        }
        let status = try await get(2, "/status")
        let report = try JSONDecoder().decode(StatusReport.self, from: Data(status.body.utf8))
        #expect(report.node == "n2" && report.role == .slaveOK)
        let page = try await get(2, "/")
        #expect(page.code == 200 && page.body.contains("<table>") && page.body.contains("http-equiv=\"refresh\""))
        #expect(!page.body.contains("<script"), "no script")
        // The page as a browser draws it: headless Chromium in the client namespace; the screenshot stays in the
        // test's folder.
        if AgentCommandTests.have(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium is not installed")
        {
            let shot = cluster.directory.appendingPathComponent("status.png").path
            let browser = [
                "netns", "exec", cluster.prefix + "c", "/usr/bin/chromium", "--headless", "--no-sandbox",
                "--disable-gpu", "--window-size=1000,700", "--user-data-dir=\(cluster.directory.path)/chromium",
            ]
            let address = "http://10.\(cluster.net).1.2:9105/"
            let drawn = try await ValidateCommandTests.run("/usr/sbin/ip", browser + ["--screenshot=\(shot)", address])
            let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
            let png = (try? Data(contentsOf: URL(fileURLWithPath: shot)).prefix(4)) == Data([0x89, 0x50, 0x4E, 0x47])
            #expect(drawn.status == 0 && png && size > 10_000, "screenshot: \(size) bytes; \(drawn.error.suffix(400))")
            let dom = try await ValidateCommandTests.run("/usr/sbin/ip", browser + ["--dump-dom", address])
            for text in ["<td>n1</td>", "<td>n2</td>", "<td>web</td>", "SLAVE_OK"] {
                #expect(dom.output.contains(text), "\(text) in the page Chromium rendered")
            }
        }

        await cluster.crash("n1")
        _ = try await cluster.waitFor("n2", "n2 runs the group") { Self.running($0, on: "n2") }
        #expect(try await get(2, "/group/web").code == 200)
        // The figures follow: the group's node, and the takeover counted.
        let after = try await get(2, "/metrics").body
        #expect(after.contains("baton_group_running{group=\"web\",node=\"n2\"} 1"), "\(after)")
        #expect(after.contains("baton_events_total{event=\"takeover-started\"} 1"), "\(after)")
        #expect(after.contains("baton_link_up{peer=\"n1\",link=\"1\"} 0"))
    }

    /// Whether every resource of the group runs on `node`.
    static func running(_ status: StatusReport, on node: String) -> Bool {
        ["vip", "app"].allSatisfy {
            let resource = status.state.state(of: ResourceName($0))
            return resource.status == .started && resource.node == NodeName(node)
        }
    }
}

/// A test step that did not happen, with what was seen.
struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
