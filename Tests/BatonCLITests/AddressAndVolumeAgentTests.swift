import Foundation
import Testing

/// Address agents inside network namespaces the test creates, volume agents on a loop device in a private mount
/// namespace. Root only; CI runs them as root.
@Suite(.serialized, .timeLimit(.minutes(10))) struct AddressAndVolumeAgentTests {
    typealias T = AgentCommandTests

    /// Two namespaces joined by a veth pair: `node` (10.77.0.1/24) runs the agent, `peer` (10.77.0.2/24) listens and
    /// accepts gratuitous ARP into its neighbour table.
    struct Link {
        let node = "\(T.prefix)n"
        let peer = "\(T.prefix)p"
        var nodeInterface: String { "\(T.prefix)vn" }
        var peerInterface: String { "\(T.prefix)vp" }

        @discardableResult
        func ip(_ arguments: String...) async throws -> ValidateCommandTests.Run {
            try await T.run("/usr/sbin/ip", arguments)
        }

        func create() async throws {
            for name in [node, peer] { #expect(try await ip("netns", "add", name).status == 0) }
            #expect(
                try await ip(
                    "link", "add", nodeInterface, "netns", node, "type", "veth", "peer", "name", peerInterface, "netns",
                    peer
                ).status == 0)
            for (space, interface, address) in [
                (node, nodeInterface, "10.77.0.1/24"), (peer, peerInterface, "10.77.0.2/24"),
            ] {
                try await ip("-n", space, "addr", "add", address, "dev", interface)
                try await ip("-n", space, "link", "set", interface, "up")
                try await ip("-n", space, "link", "set", "lo", "up")
            }
            try await T.run(
                "/usr/sbin/ip",
                [
                    "netns", "exec", peer, "/usr/sbin/sysctl", "-q", "-w", "net.ipv4.conf.all.arp_accept=1",
                    "net.ipv4.conf.\(peerInterface).arp_accept=1",
                ])
        }

        /// Runs `body` with a fresh pair of namespaces and a temporary directory, and removes both afterwards.
        static func withLink(_ body: (Link, URL) async throws -> Void) async throws {
            let directory = try T.temporaryDirectory()
            let link = Link()
            do {
                try await link.create()
                try await body(link, directory)
            } catch {
                await link.destroy()
                try? FileManager.default.removeItem(at: directory)
                throw error
            }
            await link.destroy()
            try? FileManager.default.removeItem(at: directory)
        }

        func destroy() async {
            for name in [node, peer] { _ = try? await ip("netns", "del", name) }
        }

        /// `baton agent exec` inside the node's namespace.
        func exec(_ config: String, _ state: String, _ resource: String, _ action: String) async throws
            -> ValidateCommandTests.Run
        {
            try await T.run(
                "/usr/sbin/ip",
                ["netns", "exec", node, T.baton, "agent", "exec", "-c", config, "--state-dir", state, resource, action])
        }

        /// The hardware address the peer's neighbour table holds for `address`, if any.
        func peerNeighbour(_ address: String) async throws -> String? {
            let words = try await ip("-n", peer, "neigh", "show", address, "dev", peerInterface).output.split(
                separator: " ")
            return words.firstIndex(of: "lladdr").map { String(words[$0 + 1]) }
        }

        var nodeMAC: String {
            get async throws {
                let words = try await ip("-n", node, "-o", "link", "show", nodeInterface).output.split(separator: " ")
                return String(words[words.firstIndex(of: "link/ether")! + 1])
            }
        }
    }

    @Test(arguments: ["floating-ip", "ocf:heartbeat:IPaddr2"])
    func addressAgentAnnouncesToTheLink(agent: String) async throws {
        guard T.have(T.isRoot, "not root: network namespaces need root") else { return }
        if agent.hasPrefix("ocf:") {
            guard T.have(T.haveResourceAgents, "resource-agents is not installed") else { return }
        }
        try await Link.withLink { link, directory in try await announce(agent, link, directory) }
    }

    private func announce(_ agent: String, _ link: Link, _ directory: URL) async throws {
        let params =
            agent == "floating-ip"
            ? "{address: 10.77.0.10/24, interface: \(link.nodeInterface)}"
            : "{ip: 10.77.0.10, cidr_netmask: '24', nic: \(link.nodeInterface)}"
        let config = try T.config(in: directory, "      - {name: vip, agent: \"\(agent)\", params: \(params)}")
        let state = directory.path + "/state"
        #expect(try await link.exec(config, state, "vip", "probe").status == 7)
        let start = try await link.exec(config, state, "vip", "start")
        #expect(start.status == 0, "\(start.output)\(start.error)")
        #expect(try await link.exec(config, state, "vip", "monitor").status == 0)
        // The peer learnt the address from the announcement alone: it never sent anything to it.
        var learnt: String?
        for _ in 0..<30 {
            learnt = try await link.peerNeighbour("10.77.0.10")
            if learnt != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(await learnt == (try link.nodeMAC), "the peer did not receive a gratuitous ARP")
        #expect(
            try await T.run(
                "/usr/sbin/ip", ["netns", "exec", link.peer, "/usr/bin/ping", "-c", "1", "-W", "2", "10.77.0.10"]
            ).status == 0)
        #expect(try await link.exec(config, state, "vip", "start").status == 0, "start is idempotent")
        #expect(try await link.exec(config, state, "vip", "stop").status == 0)
        #expect(try await link.exec(config, state, "vip", "stop").status == 0, "stop is idempotent")
        #expect(try await link.exec(config, state, "vip", "monitor").status == 7)
    }

    @Test func floatingIPRefusesAnAddressThatAnswersElsewhere() async throws {
        guard T.have(T.isRoot, "not root: network namespaces need root") else { return }
        try await Link.withLink { link, directory in
            try await link.ip("-n", link.peer, "addr", "add", "10.77.0.20/24", "dev", link.peerInterface)
            let config = try T.config(
                in: directory, "      - {name: vip, agent: floating-ip, params: {address: 10.77.0.20/24}}")
            let start = try await link.exec(config, directory.path + "/state", "vip", "start")
            #expect(start.status == 1)
            #expect(start.output.contains("10.77.0.20 already answers on \(link.nodeInterface)"), "\(start.output)")
            #expect(await !(try link.ip("-n", link.node, "-o", "addr", "show").output.contains("10.77.0.20")))
        }
    }

    @Test(arguments: ["volume", "ocf:heartbeat:Filesystem"])
    func volumeAgentMountsALoopDevice(agent: String) async throws {
        guard T.have(T.isRoot, "not root: loop devices and mount namespaces need root") else { return }
        if agent.hasPrefix("ocf:") {
            guard T.have(T.haveResourceAgents, "resource-agents is not installed") else { return }
        }
        let disk = try await LoopDisk()
        defer { disk.remove() }
        let (directory, device) = (disk.directory, disk.device)
        let mountPoint = directory.path + "/mnt"
        let params =
            agent == "volume"
            ? "{device: \(device), directory: \(mountPoint), fstype: ext4, fsck: true, probe_file: true}"
            : "{device: \(device), directory: \(mountPoint), fstype: ext4}"
        let config = try T.config(in: directory, "      - {name: data, agent: \"\(agent)\", params: \(params)}")
        // One private mount namespace for the whole sequence: the mount is gone with it, whatever happens.
        let result = try await T.run(
            "/usr/bin/unshare",
            [
                "--mount", "--propagation", "private",
                ValidateCommandTests.packageRoot.path + "/Tests/BatonCLITests/Fixtures/in-one-mount-namespace",
                T.baton, config, directory.path + "/state", "data", "probe", "start", "monitor", "start", "stop",
                "stop", "monitor",
            ])
        #expect(result.output == "probe 7\nstart 0\nmonitor 0\nstart 0\nstop 0\nstop 0\nmonitor 7\n", "\(result.error)")
        // Nothing leaked into this namespace.
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(mountPoint))
    }

    /// An engine's recurring monitor reaches Debian's Filesystem at depth 20, which writes and reads back a status
    /// file on the mounted volume; the file, still on the disk after the stop, tells that the level arrived.
    @Test(.timeLimit(.minutes(2)))
    func filesystemMonitorsAtTheConfiguredDepth() async throws {
        guard T.have(T.isRoot, "not root: loop devices and mount namespaces need root"),
            T.have(T.haveResourceAgents, "resource-agents is not installed")
        else { return }
        let disk = try await LoopDisk()
        defer { disk.remove() }
        let (directory, image, device) = (disk.directory, disk.image, disk.device)
        let config = try LoopbackEngine.config(
            in: directory,
            groups: [
                """
                  - name: g
                    resources:
                      - name: data
                        agent: ocf:heartbeat:Filesystem
                        params: {device: \(device), directory: \(directory.path)/mnt, fstype: ext4}
                        monitor: {interval: 1s, timeout: 20s, depth: 20}
                """
            ])
        // The engine and its mount live in a mount namespace of their own, gone with the engine.
        let engine = try LoopbackEngine(
            config: config, state: directory.path + "/state",
            prefix: ["/usr/bin/unshare", "--mount", "--propagation", "private"])
        defer { engine.kill() }
        let started = try await engine.waitUntilStarted(["data"])
        #expect(started, "the engine did not report the volume started")
        try await Task.sleep(for: .milliseconds(2500))
        #expect(try await engine.terminate() == 0)
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count)
        let name = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let listing = try await T.run("/usr/sbin/debugfs", ["-R", "ls /.Filesystem_status", image])
        #expect(listing.output.contains("data_\(name)"), "no status file of depth 20 on the disk: \(listing.output)")
    }
}

/// A 32 MB ext4 image in a temporary folder, attached to a loop device; `remove()` detaches and deletes both.
struct LoopDisk {
    let directory: URL
    let image: String
    let device: String

    init() async throws {
        directory = try AgentCommandTests.temporaryDirectory()
        image = directory.appendingPathComponent("disk.img").path
        try await Self.check(AgentCommandTests.run("/usr/bin/truncate", ["-s", "32M", image]))
        try await Self.check(AgentCommandTests.run("/usr/sbin/mkfs.ext4", ["-q", "-F", image]))
        let attach = try await AgentCommandTests.run("/usr/sbin/losetup", ["-f", "--show", image])
        device = attach.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard attach.status == 0, device.hasPrefix("/dev/loop") else {
            try? FileManager.default.removeItem(at: directory)
            throw TestFailure("losetup failed: \(attach.error)")
        }
    }

    private static func check(_ run: ValidateCommandTests.Run) throws {
        guard run.status == 0 else { throw TestFailure("\(run.output)\(run.error)") }
    }

    /// Blocks its thread (it runs from `defer`), briefly.
    func remove() {
        _ = try? ValidateCommandTests.runSynchronously("/usr/sbin/losetup", ["-d", device])
        try? FileManager.default.removeItem(at: directory)
    }
}
