import BatonCLI
import BatonControl
import BatonCore
import Foundation
import Testing

/// The tiebreaker without fencing, on real engines in network namespaces: the nodes ping the switch's address on
/// each network. The sampler of the fencing trials reads both nodes' addresses all the while: a node cut off stops
/// the group before its peer takes it over, so the floating address is never on both.
///
/// Each fault runs `BATON_TIEBREAKER_TRIALS` times (default 20), one cluster per fault, one after the other.
@Suite(.serialized, .timeLimit(.minutes(30))) struct TiebreakerFaultTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        /// Every link of the active node down for 5 s, then up: it is cut off, its peer takes over.
        case activeCut = "ta"
        /// Every link of the standby down for 5 s: it is cut off and takes nothing over.
        case standbyCut = "tb"
        /// Both networks down for 5 s (the switch's): each node is cut off; nothing runs until the heal.
        case partition = "tp"

        var testDescription: String { "\(self)" }
    }

    static var trials: Int { Cluster.trials("BATON_TIEBREAKER_TRIALS") }

    static func make(_ name: String) async throws -> Cluster? {
        try await Cluster.make(name) { net, _ in
            """
            groups:
              - name: web
                resources:
                  - {name: vip, agent: floating-ip, params: {address: 10.\(net).1.50/24, interface: eth0}}
                  - {name: app, agent: process, params: {command: "sleep 100000"}, monitor: {interval: 1s}}
            tiebreaker:
              targets: [10.\(net).1.254, 10.\(net).2.254]

            """
        }
    }

    @Test(arguments: Fault.allCases) func zeroDualActive(_ fault: Fault) async throws {
        guard let cluster = try await Self.make(fault.rawValue) else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        var worst = Duration.zero
        var takeovers: [Duration] = []
        for trial in 1...Self.trials {
            let what = "\(fault) \(trial)"
            _ = try await cluster.waitFor("n2", "\(what): n1 holds the group, n2 is the ready standby") {
                ClusterTests.running($0, on: "n1") && $0.role == .slaveOK
            }
            let sampler = try Sampler(cluster)
            let started = ContinuousClock.now
            let cut = fault == .standbyCut ? "n2" : "n1"
            func setLinks(_ state: String) async throws {
                for (index, link) in ["eth0", "eth1"].enumerated() {
                    if fault == .partition {
                        try await cluster.ip("sw", ["link", "set", "br\(index)", state])
                    } else {
                        try await cluster.ip(cut, ["link", "set", link, state])
                    }
                }
            }
            try await setLinks("down")
            let events = try await cluster.waitForEvents(cut, "\(what): \(cut) is cut off", limit: .seconds(10)) {
                $0.contains { $0.event == "cut-off" }
            }
            #expect(events.contains { $0.event == "tiebreaker-lost" }, "\(what)")
            switch fault {
            case .activeCut:
                _ = try await cluster.waitFor("n2", "\(what): n2 took the group over", limit: .seconds(10)) {
                    ClusterTests.running($0, on: "n2")
                }
                takeovers.append(ContinuousClock.now - started)
            case .standbyCut, .partition:
                break
            }
            try await Task.sleep(until: started + .seconds(5), clock: .continuous)
            // While cut off, the node cut off runs nothing, and the standby cut off took nothing over.
            let during = try #require(await cluster.status(cut))
            #expect(!ClusterTests.running(during, on: cut) || fault == .standbyCut, "\(what): \(cut) still runs it")
            if fault == .standbyCut {
                #expect(!ClusterTests.running(during, on: "n2"), "\(what): the standby cut off took the group")
                let n1 = try #require(await cluster.status("n1"))
                #expect(ClusterTests.running(n1, on: "n1"), "\(what): n1, which reaches the tiebreaker, kept it")
            }
            try await setLinks("up")
            // After the heal: one holder, and the other node its ready standby.
            let holder = fault == .activeCut ? "n2" : "n1"
            let other = holder == "n1" ? "n2" : "n1"
            // Both nodes agree, once n2 followed n1 again (the more senior: the other gives way when they meet).
            for node in ["n1", "n2"] {
                _ = try await cluster.waitFor(node, "\(what): \(holder) holds the group, \(other) is its standby") {
                    ClusterTests.running($0, on: holder) && $0.senior == "n1"
                        && ($0.peers.first { $0.name == other }?.role == .slaveOK
                            || node == other && $0.role == .slaveOK)
                }
            }
            let samples = try await sampler.stop()
            #expect(samples.dualActive == .zero, "\(what): the address was on both nodes for \(samples)")
            #expect(samples.gapAtPercentile99 <= .milliseconds(20), "\(what): \(samples)")
            #expect(!(try await cluster.holdsFloatingAddress(other)), "\(what): \(other) holds the address")
            if !(await cluster.ping()) {
                Issue.record("\(what): the client does not reach the floating address\n\(await cluster.report())")
            }
            worst = max(worst, samples.widestGap)
            if holder == "n2" {
                do {
                    try await cluster.control("n2", ["switch", "web", "--to", "n1", "--wait"])
                    // The switch's preference for n1 would pull the group back after the next heal.
                    try await cluster.control("n1", ["unmove", "web"])
                } catch {
                    throw TestFailure("\(what): \(error)\n\(await cluster.report())")
                }
            }
        }
        let takeover = takeovers.isEmpty ? "" : ", takeover seen after \(takeovers.max()!) at most"
        print("tiebreaker \(fault): \(Self.trials) trials, 0 ms dual-active\(takeover), widest gap \(worst)")
    }
}
