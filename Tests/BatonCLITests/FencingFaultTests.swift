import BatonCLI
import BatonControl
import BatonCore
import Foundation
import Testing

/// Split-brain faults with fencing configured, on real engines in network namespaces: the netns fence agent powers a
/// node off (links down, every process killed, its floating address gone). A sampler reads both nodes' addresses
/// all the while: the floating address is never configured on both at once, and every trial ends with one holder
/// and the fenced node back as a standby once its engine is started again.
///
/// Each fault runs `BATON_FENCE_TRIALS` times (default 20), one cluster per fault, one fault after the other (side
/// by side, two cores could not keep the sampler at its pace).
@Suite(.serialized, .timeLimit(.minutes(30))) struct FencingFaultTests {
    enum Fault: String, CaseIterable, CustomTestStringConvertible {
        /// `kill -9` of the active node's engine alone: its services and address stay.
        case engineKilled = "fk"
        /// SIGSTOP of the active node's engine past deadtime.
        case enginePaused = "fp"
        /// Every link between the nodes cut for 5 s (both bridges down), then healed.
        case partition = "fc"
        /// A stop that fails on the active node during a switchover.
        case stopFailed = "fs"
        /// Every link of the standby cut.
        case standbyCut = "fb"

        var testDescription: String { "\(self)" }
    }

    static var trials: Int { Cluster.trials("BATON_FENCE_TRIALS") }

    /// The cluster of the fault tests with the gate agent in the group, and fencing through agents/fence-netns.
    static func make(_ name: String) async throws -> Cluster? {
        let agent = ValidateCommandTests.packageRoot.appendingPathComponent("agents/fence-netns").path
        return try await Cluster.make(name) { net, directory in
            """
            groups:
              - name: web
                resources:
                  - {name: vip, agent: floating-ip, params: {address: 10.\(net).1.50/24, interface: eth0}}
                  - {name: app, agent: process, params: {command: "sleep 100000"}, monitor: {interval: 1s}}
                  - {name: gate, agent: ./gate, params: {refuse: \(directory)/refuse}}
            fencing:
              action: reboot
              delay: 2s
              devices:
                - name: netns
                  agent: \(agent)
                  params: {namespace_prefix: \(AgentCommandTests.prefix)\(name)}
                  timeout: 10s
              topology: {n1: [netns], n2: [netns]}

            """
        }
    }

    @Test(arguments: Fault.allCases) func zeroDualActive(_ fault: Fault) async throws {
        guard let cluster = try await Self.make(fault.rawValue) else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        var worst = Duration.zero
        for trial in 1...Self.trials {
            _ = try await cluster.waitFor("n2", "\(fault) \(trial): n1 holds the group, n2 is the ready standby") {
                ClusterTests.running($0, on: "n1") && $0.role == .slaveOK
            }
            let sampler = try Sampler(cluster)
            let fenced = try await inject(fault, into: cluster, trial: trial)
            let samples = try await sampler.stop()
            #expect(samples.dualActive == .zero, "\(fault) \(trial): the address was on both nodes for \(samples)")
            #expect(samples.count > 20, "\(fault) \(trial): \(samples)")
            #expect(samples.gapAtPercentile99 <= .milliseconds(20), "\(fault) \(trial): \(samples)")
            worst = max(worst, samples.widestGap)
            // The fenced node's engine is started again: it joins as a standby and fences no one.
            try cluster.start(fenced)
            let holder = fenced == "n1" ? "n2" : "n1"
            _ = try await cluster.waitFor(holder, "\(fault) \(trial): \(fenced) is back as the ready standby") {
                ClusterTests.running($0, on: holder) && $0.peers.first { $0.name == fenced }?.role == .slaveOK
            }
            let events = try await cluster.events(fenced)
            #expect(!events.contains { $0.event == "fence-started" }, "\(fault) \(trial): \(fenced) fenced back")
            if holder == "n2" {
                try await cluster.control("n2", ["switch", "web", "--to", "n1", "--wait"])
            }
        }
        print("fencing \(fault): \(Self.trials) trials, 0 ms dual-active, widest gap between samples \(worst)")
    }

    /// `baton fence NODE --wait`: the administrator fences the standby through the senior; it is rebooted (here:
    /// its engine killed with everything else) and, started again, rejoins as the ready standby.
    @Test func anAdministratorFencesTheStandby() async throws {
        guard let cluster = try await Self.make("fa") else { return }
        defer { cluster.tearDown() }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "n1 holds the group, n2 is the ready standby") {
            ClusterTests.running($0, on: "n1") && $0.role == .slaveOK
        }
        let answer = try await ValidateCommandTests.run(
            Cluster.baton, ["fence", "n2", "--wait", "-c", cluster.config, "--state-dir", cluster.stateDirectory("n1")])
        #expect(answer.status == 0 && answer.output.contains("n2 is fenced"), "\(answer.output)\(answer.error)")
        try await reapFenced(cluster, "n2", "baton fence n2")
        let n1 = try #require(await cluster.status("n1"))
        #expect(ClusterTests.running(n1, on: "n1"), "what n1 runs keeps running")
        #expect(n1.events.contains { $0.event == "fence-started" && $0.node == "n2" && $0.reporter == "n1" })
        try cluster.start("n2")
        _ = try await cluster.waitFor("n1", "n2 is back as the ready standby") {
            $0.peers.first { $0.name == "n2" }?.role == .slaveOK
        }
        let refused = try await ValidateCommandTests.run(
            Cluster.baton,
            ["fence", "confirm", "n2", "-c", cluster.config, "--state-dir", cluster.stateDirectory("n1")])
        #expect(refused.status == 1 && refused.error.contains("n2 is heard"), "\(refused.output)\(refused.error)")
    }

    /// The sampler's control: without fencing, a partition of every link for 5 s runs the floating address on both
    /// nodes (the known limit the README names), and the sampler sees it.
    @Test func withoutFencingAPartitionIsDualActive() async throws {
        guard let cluster = try await Cluster.make("fn") else { return }
        defer { cluster.tearDown() }
        try await FaultTests.settled(cluster)
        let sampler = try Sampler(cluster)
        let started = ContinuousClock.now
        for bridge in ["br0", "br1"] { try await cluster.ip("sw", ["link", "set", bridge, "down"]) }
        _ = try await cluster.waitFor("n2", "n2 took the group over during the cut") {
            ClusterTests.running($0, on: "n2")
        }
        try await Task.sleep(until: started + .seconds(5), clock: .continuous)
        let samples = try await sampler.stop()
        for bridge in ["br0", "br1"] { try await cluster.ip("sw", ["link", "set", bridge, "up"]) }
        #expect(samples.dualActive > .seconds(1), "\(samples)")
        print("without fencing, a 5 s partition: \(samples)")
    }

    /// A fence device that fails (fence_dummy answering 1) leaves the group blocked with an event that says what to
    /// do; `baton fence confirm` (the node is off: it crashed) lets the group start on the other node.
    @Test func aFenceThatFailsBlocksUntilConfirmed() async throws {
        guard
            AgentCommandTests.have(
                FileManager.default.isExecutableFile(atPath: "/usr/sbin/fence_dummy"),
                "Debian's fence-agents is not installed (apt-get install fence-agents)"),
            let cluster = try await Cluster.make(
                "ff",
                groups: { net, _ in
                    """
                    groups:
                      - name: web
                        resources:
                          - {name: vip, agent: floating-ip, params: {address: 10.\(net).1.50/24, interface: eth0}}
                          - {name: app, agent: process, params: {command: "sleep 100000"}}
                    fencing:
                      delay: 0s
                      devices:
                        - {name: broken, agent: fence_dummy, params: {type: fail, power_timeout: "1"}, retries: 1}
                      topology: {n1: [broken], n2: [broken]}

                    """
                })
        else { return }
        defer { cluster.tearDown() }
        try await FaultTests.settled(cluster)
        await cluster.crash("n1")
        let failed = try await cluster.waitForEvents("n2", "n2's fence of n1 failed", limit: .seconds(30)) {
            $0.contains { $0.event == "fence-failed" }
        }
        let event = try #require(failed.first { $0.event == "fence-failed" })
        #expect(event.node == "n1" && event.severity == .critical)
        #expect(event.action?.contains("baton fence confirm n1") == true, "\(event)")
        let blocked = try #require(await cluster.status("n2"))
        #expect(!ClusterTests.running(blocked, on: "n2"), "nothing starts while n1 may still run it")
        #expect(blocked.state.fence(of: NodeName("n1")) != nil)
        try await cluster.control("n2", ["fence", "confirm", "n1"])
        let after = try await cluster.waitFor("n2", "the group runs on n2 once n1 is confirmed off") {
            ClusterTests.running($0, on: "n2")
        }
        #expect(after.events.contains { $0.event == "fence-confirmed" && $0.severity == .warning })
        #expect(await cluster.ping())
    }

    /// Injects the fault and waits until the node it fences is off and the group runs on the other; returns the
    /// node fenced.
    func inject(_ fault: Fault, into cluster: Cluster, trial: Int) async throws -> String {
        let what = "\(fault) \(trial)"
        switch fault {
        case .engineKilled, .enginePaused:
            let engine = try #require(cluster.engines["n1"])
            kill(engine, fault == .engineKilled ? SIGKILL : SIGSTOP)
            try await fencedAndTakenOver(cluster, "n1", what)
            return "n1"
        case .stopFailed:
            try cluster.refuse("stop-n1")
            try await cluster.control("n1", ["switch", "web", "--to", "n2"])
            try await fencedAndTakenOver(cluster, "n1", what)
            try cluster.allow("stop-n1")
            return "n1"
        case .partition, .standbyCut:
            let started = ContinuousClock.now
            // Earlier trials' fences are among n1's events: this trial's comes after this moment.
            let cutAt = Int64(Date().timeIntervalSince1970 * 1000)
            // A partition is the switch's: both nodes keep their links, which reach nothing. The standby cut off
            // loses its own links.
            for (index, link) in ["eth0", "eth1"].enumerated() {
                if fault == .partition {
                    try await cluster.ip("sw", ["link", "set", "br\(index)", "down"])
                } else {
                    try await cluster.ip("n2", ["link", "set", link, "down"])
                }
            }
            // n1 runs the group: it fences n2 at once, while n2 waits its 2 s delay.
            // Only then is its agent done: started before, n2's engine would be killed by the same fence.
            let n1 = try await cluster.waitForEvents("n1", "\(what): n1 fenced n2", limit: .seconds(20)) {
                $0.contains { $0.event == "fence-succeeded" && $0.node == "n2" && $0.time.milliseconds >= cutAt }
            }
            #expect(!n1.contains { $0.event == "fence-failed" }, "\(what)")
            try await reapFenced(cluster, "n2", what)
            if fault == .partition {
                try await Task.sleep(until: started + .seconds(5), clock: .continuous)
                for bridge in ["br0", "br1"] { try await cluster.ip("sw", ["link", "set", bridge, "up"]) }
            }
            let status = try #require(await cluster.status("n1"))
            #expect(ClusterTests.running(status, on: "n1"), "\(what): n1 kept the group")
            return "n2"
        }
    }

    /// Waits until `node` is fenced (its engine ended, killed with everything in its namespace) and the other node
    /// runs the group.
    func fencedAndTakenOver(_ cluster: Cluster, _ node: String, _ what: String) async throws {
        try await reapFenced(cluster, node, what)
        let other = node == "n1" ? "n2" : "n1"
        let status = try await cluster.waitFor(other, "\(what): \(other) runs the group", limit: .seconds(30)) {
            ClusterTests.running($0, on: other)
        }
        #expect(status.events.contains { $0.event == "fence-succeeded" && $0.node == node }, "\(what)")
    }

    /// Waits (at most 20 s) until the fence killed `node`'s engine, and reaps it.
    func reapFenced(_ cluster: Cluster, _ node: String, _ what: String) async throws {
        let engine = try #require(cluster.engines[node])
        guard await cluster.reap(engine, limit: .seconds(20)) != nil else {
            throw TestFailure("\(what): \(node) was not fenced within 20 s\n\(await cluster.report())")
        }
        cluster.engines[node] = nil
    }
}

/// Reads whether each node has the floating address configured, over and over on a thread of its own, until
/// stopped: one netlink socket per node's namespace (made there, it answers for that namespace), an address dump per
/// node per sample, so that a sample takes well under a millisecond and no process runs inside the namespaces (a fence
/// would kill it).
final class Sampler: @unchecked Sendable {
    /// What the samples show.
    struct Samples: CustomStringConvertible {
        var count = 0
        /// The time from each sample with the address on both nodes to the next sample, summed.
        var dualActive = Duration.zero
        var gaps: [Duration] = []
        var widestGap: Duration { gaps.max() ?? .zero }
        /// 99 gaps in 100 between samples are this long or shorter.
        var gapAtPercentile99: Duration { gaps.isEmpty ? .zero : gaps.sorted()[gaps.count * 99 / 100] }
        var description: String {
            "\(count) samples, dual-active \(dualActive), gaps up to \(gapAtPercentile99) (99%), \(widestGap) (all)"
        }
    }

    private let lock = NSLock()
    private var stopping = false
    private var samples = Samples()
    private var failure: String?
    private let done = DispatchSemaphore(value: 0)

    init(_ cluster: Cluster) throws {
        let namespaces = ["n1", "n2"].map { "/run/netns/\(cluster.prefix)\($0)" }
        let address: [UInt8] = [10, UInt8(cluster.net), 1, 50]
        let thread = Thread { [self] in
            defer { done.signal() }
            // Round-robin real time, above an engine's own (`--priority realtime` is 10): the sampler is the
            // measuring instrument, and tests that run beside it must not stretch its gaps. Without root it stays
            // a normal thread.
            var parameters = sched_param(sched_priority: 20)
            _ = pthread_setschedparam(pthread_self(), SCHED_RR, &parameters)
            var sockets: [Int32] = []
            for namespace in namespaces {
                let descriptor = open(namespace, O_RDONLY)
                // This thread joins the namespace for the socket's sake; it is this test's own thread, and ends.
                guard descriptor >= 0, Self.setns(descriptor, 0x4000_0000) == 0 else {  // CLONE_NEWNET
                    record(failure: "cannot join \(namespace)")
                    return
                }
                close(descriptor)
                sockets.append(socket(AF_NETLINK, Int32(SOCK_RAW.rawValue), 0))  // NETLINK_ROUTE
            }
            defer { for socket in sockets { close(socket) } }
            var previous: (time: ContinuousClock.Instant, both: Bool)?
            let began = ContinuousClock.now
            // At most 10 minutes of samples.
            for _ in 0..<10_000_000 {
                let held = sockets.map { Self.has(address, $0) }
                let now = ContinuousClock.now
                let both = held.allSatisfy { $0 == true }
                let stop = lock.withLock {
                    samples.count += 1
                    if let previous {
                        samples.gaps.append(now - previous.time)
                        if previous.both { samples.dualActive += now - previous.time }
                    }
                    return stopping
                }
                previous = (now, both)
                if stop || now - began > .seconds(600) { return }
                usleep(1000)
            }
        }
        thread.start()
    }

    /// setns(2), which Glibc's module map leaves out (it needs _GNU_SOURCE).
    private static let setns: @convention(c) (Int32, Int32) -> Int32 = unsafeBitCast(
        dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns"), to: (@convention(c) (Int32, Int32) -> Int32).self)

    private func record(failure: String) {
        lock.withLock { self.failure = failure }
    }

    /// Whether the namespace of `socket` has `address` on any link: an RTM_GETADDR dump of IPv4 addresses.
    static func has(_ address: [UInt8], _ socket: Int32) -> Bool {
        // nlmsghdr (length, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, sequence, port) and ifaddrmsg (AF_INET).
        var request = [UInt8](repeating: 0, count: 24)
        request.withUnsafeMutableBytes { bytes in
            bytes.storeBytes(of: UInt32(24), toByteOffset: 0, as: UInt32.self)
            bytes.storeBytes(of: UInt16(22), toByteOffset: 4, as: UInt16.self)
            bytes.storeBytes(of: UInt16(0x301), toByteOffset: 6, as: UInt16.self)
            bytes[16] = UInt8(AF_INET)
        }
        guard send(socket, request, request.count, 0) == request.count else { return false }
        var found = false
        var buffer = [UInt8](repeating: 0, count: 32768)
        while true {
            let count = recv(socket, &buffer, buffer.count, 0)
            guard count > 0 else { return found }
            var offset = 0
            while offset + 16 <= count {
                let (length, type) = buffer.withUnsafeBytes {
                    (
                        Int($0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)),
                        $0.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self)
                    )
                }
                guard length >= 16, offset + length <= count else { return found }
                if type == 3 || type == 2 { return found }  // NLMSG_DONE, NLMSG_ERROR
                if type == 20 {  // RTM_NEWADDR: ifaddrmsg, then attributes
                    var attribute = offset + 24
                    while attribute + 4 <= offset + length {
                        let (size, kind) = buffer.withUnsafeBytes {
                            (
                                Int($0.loadUnaligned(fromByteOffset: attribute, as: UInt16.self)),
                                $0.loadUnaligned(fromByteOffset: attribute + 2, as: UInt16.self)
                            )
                        }
                        guard size >= 4 else { break }
                        // IFA_ADDRESS or IFA_LOCAL
                        if (kind == 1 || kind == 2) && size == 8
                            && Array(buffer[(attribute + 4)..<(attribute + 8)]) == address
                        {
                            found = true
                        }
                        attribute += (size + 3) & ~3
                    }
                }
                offset += (length + 3) & ~3
            }
        }
    }

    /// Stops the thread and returns what it saw.
    func stop() async throws -> Samples {
        lock.withLock { stopping = true }
        try await offPool { [done] in done.wait() }
        return try lock.withLock {
            if let failure { throw TestFailure(failure) }
            return samples
        }
    }
}
