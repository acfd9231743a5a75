import BatonCLI
import BatonControl
import BatonCore
import BatonNet
import Crypto
import Foundation
import Testing

/// Two node namespaces and a client namespace on two bridges (in a switch namespace), a configuration, a key, and
/// a state directory per node. Everything is named with a prefix unique to the test run and removed by name and
/// PID at the end.
final class Cluster: @unchecked Sendable {
    let prefix: String
    let net: Int
    let directory: URL
    /// The PID of each node's engine, started by the test itself so that it reaps them itself.
    var engines: [String: pid_t] = [:]
    /// The PIDs of `baton events --follow` processes.
    var followers: [pid_t] = []
    var namespaces: [String] = []
    /// Folders that are each node's own, like /run on a machine: with `privateMounts`, a new tmpfs in every node's
    /// mount namespace.
    var nodeLocal: [String] = []
    /// Other logs that a failed wait shows.
    var extraLogs: [String] = []
    /// Each engine runs in a private mount namespace of its own.
    let privateMounts: Bool

    static let baton = ValidateCommandTests.binary.path

    /// The cluster, or `nil` (the test skips) outside CI when the machine cannot make namespaces.
    static func make(
        _ name: String, failback: String = "manual", failbackDelay: String? = nil, gate: Bool = false
    ) async throws -> Cluster? {
        try await make(name) { net, directory in
            """
            groups:
              - name: web
                failback: \(failback)\(failbackDelay.map { "\n    failback-delay: \($0)" } ?? "")
                resources:
                  - name: vip
                    agent: floating-ip
                    params: {address: 10.\(net).1.50/24, interface: eth0}
                  - name: app
                    agent: process
                    params: {command: "sleep 100000"}
                    monitor: {interval: 1s, timeout: 5s}
                    max-restarts: 2
                    restart-window: 10m

            """ + (gate ? "      - {name: gate, agent: ./gate, params: {refuse: \(directory)/refuse}}\n" : "")
        }
    }

    /// A cluster whose `groups:` section `groups` writes, given the second octet of its networks (`10.NET.1.0/24`
    /// holds the first links and the client, `10.NET.2.0/24` the second links) and its folder. With
    /// `privateMounts`, each engine runs in a private mount namespace of its own.
    static func make(
        _ name: String, privateMounts: Bool = false, groups: (_ net: Int, _ directory: String) -> String
    ) async throws -> Cluster? {
        guard AgentCommandTests.have(getuid() == 0, "cluster tests need root (network namespaces)"),
            AgentCommandTests.have(
                FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip")
                    || FileManager.default.isExecutableFile(atPath: "/sbin/ip"), "iproute2 is not installed"),
            AgentCommandTests.have(
                FileManager.default.isExecutableFile(atPath: "/usr/bin/ping"), "iputils-ping is not installed"),
            AgentCommandTests.have(
                FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "python3 is not installed")
        else { return nil }
        let cluster = try Cluster(
            prefix: "\(AgentCommandTests.prefix)\(name)", privateMounts: privateMounts, groups: groups)
        do {
            try await cluster.build()
        } catch {
            cluster.tearDown()
            throw error
        }
        return cluster
    }

    private init(prefix: String, privateMounts: Bool, groups: (Int, String) -> String) throws {
        self.prefix = prefix
        self.privateMounts = privateMounts
        net = 100 + Int(getpid() % 50) * 2 + (prefix.hasSuffix("cs") ? 0 : 1)
        directory = try AgentCommandTests.temporaryDirectory()
        let key = directory.appendingPathComponent("key").path
        try Array(repeating: "k", count: 40).joined().write(toFile: key, atomically: true, encoding: .utf8)
        chmod(key, 0o600)
        let config = """
            version: 1
            cluster: test
            heartbeat: {interval: 200ms, deadtime: 1s, initdead: 4s, key-file: key}
            nodes:
              - {name: n1, priority: 100, links: [10.\(net).1.1, 10.\(net).2.1]}
              - {name: n2, priority: 50, links: [10.\(net).1.2, 10.\(net).2.2]}
            events: {handler: \(directory.path)/handler, timeout: 5s}

            """ + groups(net, directory.path)
        try config.write(to: directory.appendingPathComponent("cluster.yaml"), atomically: true, encoding: .utf8)
        let handler = directory.appendingPathComponent("handler").path
        let script = """
            #!/bin/sh
            echo "$BATON_EVENT node=$BATON_NODE group=$BATON_GROUP severity=$BATON_SEVERITY role=$BATON_ROLE" \\
                "time=$BATON_TIMESTAMP message=$BATON_MESSAGE" >> \(directory.path)/events
            """
        try script.write(toFile: handler, atomically: true, encoding: .utf8)
        chmod(handler, 0o755)
        // An OCF agent whose start fails on the nodes named in refuse/, and whose stop fails on those named
        // refuse/stop-NODE.
        let gate = """
            #!/bin/sh
            state="$HA_RSCTMP/gate"
            node="$OCF_RESKEY_CRM_meta_on_node"
            case "$1" in
            meta-data) echo '<resource-agent name="gate"><parameters><parameter name="refuse"/></parameters></resource-agent>'; exit 0 ;;
            start) [ -e "$OCF_RESKEY_refuse/$node" ] && exit 1; mkdir -p "$HA_RSCTMP" && touch "$state" ;;
            stop) [ -e "$OCF_RESKEY_refuse/stop-$node" ] && exit 1; rm -f "$state" ;;
            monitor) [ -e "$state" ] || exit 7 ;;
            esac
            exit 0
            """
        try gate.write(toFile: directory.appendingPathComponent("gate").path, atomically: true, encoding: .utf8)
        chmod(directory.appendingPathComponent("gate").path, 0o755)
        try FileManager.default.createDirectory(
            at: directory.appendingPathComponent("refuse"), withIntermediateDirectories: true)
    }

    /// How many times each fault of a trial suite runs: the environment `variable`, 20 unless set.
    static func trials(_ variable: String) -> Int {
        ProcessInfo.processInfo.environment[variable].flatMap { Int($0) } ?? 20
    }

    /// The lines the event handler has written so far.
    var handledEventsSoFar: String {
        (try? String(contentsOfFile: directory.appendingPathComponent("events").path, encoding: .utf8)) ?? ""
    }

    /// The lines the event handler wrote, once one contains `text` (at most 10 s).
    func handledEvents(containing text: String) async throws -> String {
        let file = directory.appendingPathComponent("events").path
        for _ in 0..<50 {
            let lines = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            if lines.contains(text) { return lines }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("the handler never wrote '\(text)'")
    }

    var config: String { directory.appendingPathComponent("cluster.yaml").path }
    func stateDirectory(_ node: String) -> String { directory.appendingPathComponent("state-\(node)").path }

    func ip(_ arguments: [String]) async throws {
        let run = try await ValidateCommandTests.run("/usr/sbin/ip", arguments)
        guard run.status == 0 else { throw TestFailure("ip \(arguments.joined(separator: " ")): \(run.error)") }
    }

    func ip(_ node: String, _ arguments: [String]) async throws { try await ip(["-n", prefix + node] + arguments) }

    private func build() async throws {
        for name in ["sw", "n1", "n2", "c"] {
            try await ip(["netns", "add", prefix + name])
            namespaces.append(prefix + name)
            try await ip(name, ["link", "set", "lo", "up"])
            // Each namespace's own /etc/hosts: ip netns exec mounts /etc/netns/NAME/hosts over it.
            try FileManager.default.createDirectory(
                atPath: "/etc/netns/" + prefix + name, withIntermediateDirectories: true)
            try "127.0.0.1 localhost\n".write(toFile: hostsFile(name), atomically: true, encoding: .utf8)
        }
        for bridge in 0...1 {
            try await ip("sw", ["link", "add", "br\(bridge)", "type", "bridge"])
            try await ip("sw", ["link", "set", "br\(bridge)", "up"])
            // The switch answers pings on each network (10.NET.1.254, 10.NET.2.254): the tiebreaker's targets.
            try await ip("sw", ["addr", "add", "10.\(net).\(bridge + 1).254/24", "dev", "br\(bridge)"])
        }
        for (host, name, links) in [(1, "n1", 2), (2, "n2", 2), (100, "c", 1)] {
            for link in 0..<links {
                let inside = "\(prefix)\(name)\(link)"
                let outside = "\(prefix)s\(name)\(link)"
                try await ip(["link", "add", inside, "type", "veth", "peer", "name", outside])
                try await ip(["link", "set", inside, "netns", prefix + name])
                try await ip(["link", "set", outside, "netns", prefix + "sw"])
                try await ip("sw", ["link", "set", outside, "master", "br\(link)", "up"])
                try await ip(name, ["link", "set", inside, "name", "eth\(link)"])
                try await ip(name, ["addr", "add", "10.\(net).\(link + 1).\(host)/24", "dev", "eth\(link)"])
                try await ip(name, ["link", "set", "eth\(link)", "up"])
            }
        }
    }

    /// Starts `baton run` in the node's namespace, its output in a log file.
    func start(_ node: String, config: String? = nil) throws {
        let run = [Self.baton, "run", "-c", config ?? self.config, "--state-dir", stateDirectory(node)]
        // A machine of its own: private mounts, System V IPC, and process numbers of its own, so that a process
        // killed on one node (a zombie until it is reaped) never looks alive to the other, as with PostgreSQL's lock
        // files. A
        // shell is the namespace's init: it runs the engine and reaps every orphan until the engine ends.
        let isolated = [
            "/usr/bin/unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc", "--ipc",
            "--kill-child",
            "/bin/sh",
            "-c",
            nodeLocal.map { "mount -t tmpfs tmpfs '\($0)' || exit 1; " }.joined() + "\"$@\" & while wait; do :; done",
            "init",
        ]
        engines[node] = try spawn(
            ["/usr/sbin/ip", "netns", "exec", prefix + node] + (privateMounts ? isolated : []) + run,
            output: directory.appendingPathComponent("\(node).log").path)
    }

    /// Starts `baton events --follow --json` against the node's engine, its output in a file.
    func followEvents(_ node: String) throws -> String {
        let file = directory.appendingPathComponent("\(node)-events.json").path
        followers.append(
            try spawn(
                [Self.baton, "events", "--follow", "--json", "-c", config, "--state-dir", stateDirectory(node)],
                output: file))
        return file
    }

    /// Starts `baton status --watch` against the node's engine (asking every 200 ms), its output in a file: a pipe
    /// is no terminal, so it prints a view each time the status changes.
    func watchStatus(_ node: String, json: Bool) throws -> String {
        let file = directory.appendingPathComponent("\(node)-watch\(json ? ".json" : ".txt")").path
        followers.append(
            try spawn(
                [
                    Self.baton, "status", "--watch", "--interval", "200ms", "-c", config, "--state-dir",
                    stateDirectory(node),
                ]
                    + (json ? ["--json"] : []),
                output: file))
        return file
    }

    /// Starts a program (never through a shell), its standard output and error appended to `output`.
    func spawn(_ arguments: [String], output log: String) throws -> pid_t {
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let result = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        guard result == 0 else { throw TestFailure("cannot start \(arguments[0]): error \(result)") }
        return pid
    }

    /// Waits (at most `limit`) for the process to end and reaps it; its exit status, or `nil` if it still runs.
    func reap(_ pid: pid_t, limit: Duration = .seconds(5)) async -> Int32? {
        let deadline = ContinuousClock.now + limit
        repeat {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
            }
            try? await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return nil
    }

    /// The engine's status through its control socket; `nil` while it does not answer.
    func status(_ node: String, config: String? = nil) async -> StatusReport? {
        guard
            let run = try? await ValidateCommandTests.run(
                Self.baton, ["status", "--json", "-c", config ?? self.config, "--state-dir", stateDirectory(node)]),
            run.status == 0
        else { return nil }
        return try? JSONDecoder().decode(StatusReport.self, from: Data(run.output.utf8))
    }

    /// The events the node's engine keeps (`baton events --json`).
    func events(_ node: String) async throws -> [EventRecord] {
        let run = try await ValidateCommandTests.run(
            Self.baton, ["events", "--json", "-c", config, "--state-dir", stateDirectory(node)])
        return run.output.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(EventRecord.self, from: Data($0.utf8))
        }
    }

    /// Polls the node's status every 200 ms until `condition` holds, for at most `limit`.
    func waitFor(
        _ node: String, _ what: String, limit: Duration = .seconds(30), config: String? = nil,
        _ condition: (StatusReport) async -> Bool
    ) async throws -> StatusReport {
        let deadline = ContinuousClock.now + limit
        var last: StatusReport?
        while ContinuousClock.now < deadline {
            if let engine = engines[node], let exit = await reap(engine, limit: .zero) {
                engines[node] = nil
                throw TestFailure(
                    "\(node): the engine exited with status \(exit) while waiting for: \(what)\n\(logs())")
            }
            if let status = await status(node, config: config) {
                last = status
                if await condition(status) { return status }
            }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure("\(node): waited \(limit) for: \(what); last status:\n\(describe(last))\n\(logs())")
    }

    private func describe(_ status: StatusReport?) -> String {
        status.map { StateRenderer.text($0.state, try! loadSpec()) + "role \($0.role.rawValue)" } ?? "no answer"
    }

    /// What a failure that is not a wait for one node reports: each node's status, the client's neighbour table (which
    /// machine it takes the floating address to be) and the logs.
    func report() async -> String {
        var text = ""
        for node in ["n1", "n2"] { text += "--- status of \(node)\n\(describe(await status(node)))\n" }
        let neighbours = try? await ValidateCommandTests.run("/usr/sbin/ip", ["-n", prefix + "c", "neigh", "show"])
        return text + "--- the client's neighbours\n\(neighbours?.output ?? "unknown")\n\(logs())"
    }

    /// Polls the node's events every 200 ms until `condition` holds, for at most `limit`.
    func waitForEvents(
        _ node: String, _ what: String, limit: Duration = .seconds(10), _ condition: ([EventRecord]) -> Bool
    ) async throws -> [EventRecord] {
        let deadline = ContinuousClock.now + limit
        var seen: [EventRecord] = []
        while ContinuousClock.now < deadline {
            seen = try await events(node)
            if condition(seen) { return seen }
            try await Task.sleep(for: .milliseconds(200))
        }
        throw TestFailure(
            "\(node): waited \(limit) for: \(what); events:\n"
                + seen.map { "\($0.event) \($0.message)" }.joined(separator: "\n"))
    }

    private func loadSpec() throws -> ClusterSpec {
        try BatonCLI.ConfigOptions.parse(["-c", config]).validSpec()
    }

    func logs() -> String {
        (["n1", "n2"].map { directory.appendingPathComponent("\($0).log").path } + extraLogs).map { path in
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            return "--- \(path)\n" + text.split(separator: "\n").suffix(40).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Whether the floating address is on eth0 in the node's namespace.
    func holdsFloatingAddress(_ node: String) async throws -> Bool {
        let run = try await ValidateCommandTests.run(
            "/usr/sbin/ip", ["-n", prefix + node, "-o", "addr", "show", "dev", "eth0"])
        return run.output.contains(" 10.\(net).1.50/24 ")
    }

    /// The ARP frames whose sender address is the floating address that the client namespace receives for `seconds`:
    /// when (seconds from the capture's start), from which hardware address, and the operation (1 request, 2 reply).
    func announcements(for seconds: Double) async throws -> [(time: Double, mac: String, operation: Int)] {
        let script = """
            import socket, sys, time
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0806))
            s.bind(("eth0", 0))
            s.settimeout(0.1)
            address, start = socket.inet_aton(sys.argv[1]), time.monotonic()
            while time.monotonic() < start + float(sys.argv[2]):
                try:
                    f = s.recv(128)
                except socket.timeout:
                    continue
                if len(f) >= 42 and f[12:14] == b"\\x08\\x06" and f[28:32] == address:
                    print("%.3f %s %d" % (time.monotonic() - start, f[22:28].hex(":"), f[21]), flush=True)
            """
        let run = try await ValidateCommandTests.run(
            "/usr/sbin/ip",
            ["netns", "exec", prefix + "c", "/usr/bin/python3", "-c", script, "10.\(net).1.50", "\(seconds)"])
        guard run.status == 0 else { throw TestFailure("capturing ARP: \(run.error)") }
        return run.output.split(separator: "\n").compactMap { line in
            let words = line.split(separator: " ")
            guard words.count == 3, let time = Double(words[0]), let operation = Int(words[2]) else { return nil }
            return (time, String(words[1]), operation)
        }
    }

    /// The hardware address of the node's eth0.
    func hardwareAddress(_ node: String) async throws -> String {
        let words = try await ValidateCommandTests.run(
            "/usr/sbin/ip", ["-n", prefix + node, "-o", "link", "show", "eth0"]
        ).output.split(separator: " ")
        return words.firstIndex(of: "link/ether").map { String(words[$0 + 1]) } ?? ""
    }

    /// Whether the client namespace gets a ping reply from the floating address.
    func ping() async -> Bool {
        await
            (try? ValidateCommandTests.run(
                "/usr/sbin/ip", ["netns", "exec", prefix + "c", "ping", "-c", "1", "-W", "1", "10.\(net).1.50"]))?
            .status
            == 0
    }

    /// Runs a control command against the node's engine.
    func control(_ node: String, _ arguments: [String]) async throws {
        let run = try await ValidateCommandTests.run(
            Self.baton, arguments + ["-c", config, "--state-dir", stateDirectory(node)])
        guard run.status == 0 else { throw TestFailure("baton \(arguments.joined(separator: " ")): \(run.error)") }
    }

    /// The PIDs in the pid files of the node's agents.
    func agentProcesses(_ node: String) -> [Int32] {
        let agents = stateDirectory(node) + "/agents"
        let files = (FileManager.default.enumerator(atPath: agents)?.allObjects as? [String] ?? []).filter {
            $0.hasSuffix(".pid")
        }
        return files.compactMap { file in
            (try? String(contentsOfFile: agents + "/" + file, encoding: .utf8)).flatMap {
                Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
    }

    /// Makes the gate agent refuse: `NODE` refuses starts there, `stop-NODE` stops.
    func refuse(_ what: String) throws {
        try Data().write(to: directory.appendingPathComponent("refuse/\(what)"))
    }

    func allow(_ what: String) throws {
        try FileManager.default.removeItem(at: directory.appendingPathComponent("refuse/\(what)"))
    }

    /// Kills the service's process on the node, as a crash of the service would.
    func killService(on node: String) throws {
        let pids = agentProcesses(node)
        guard !pids.isEmpty else { throw TestFailure("no service process on \(node)") }
        for pid in pids { kill(pid, SIGKILL) }
    }

    /// The node's links set down, then every process of its namespace killed: like a machine that dies, it sends
    /// nothing more (no connection of its is closed for its peers).
    func crash(_ node: String) async {
        try? await ip(node, ["link", "set", "eth0", "down"])
        try? await ip(node, ["link", "set", "eth1", "down"])
        let inside =
            await (try? ValidateCommandTests.run("/usr/sbin/ip", ["netns", "pids", prefix + node]))?.output ?? ""
        for pid in inside.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        if let engine = engines.removeValue(forKey: node) {
            kill(engine, SIGKILL)
            _ = await reap(engine)
        }
        // A crashed machine loses the addresses it took; here they would come back with the link.
        let own = "10.\(net).1.\(node == "n1" ? 1 : 2)/24"
        let shown =
            await
            (try? ValidateCommandTests.run(
                "/usr/sbin/ip", ["-n", prefix + node, "-o", "-4", "addr", "show", "dev", "eth0"]))?.output ?? ""
        for line in shown.split(separator: "\n") {
            let words = line.split(separator: " ")
            guard let at = words.firstIndex(of: "inet"), at + 1 < words.count, words[at + 1] != own else { continue }
            try? await ip(node, ["addr", "del", String(words[at + 1]), "dev", "eth0"])
        }
    }

    /// `kill -9` of the node's engine alone: what it started keeps running.
    func killEngine(_ node: String) async throws {
        guard let engine = engines.removeValue(forKey: node) else { throw TestFailure("\(node) is not running") }
        kill(engine, SIGKILL)
        _ = await reap(engine)
    }

    /// SIGTERM to the node's engine (unless the test sent it already); its exit status once it has handed over (at
    /// most 60 s).
    func terminate(_ node: String, signalled: Bool = false) async throws -> Int32 {
        guard let engine = engines.removeValue(forKey: node) else { throw TestFailure("\(node) is not running") }
        if !signalled { kill(engine, SIGTERM) }
        var exit: Int32?
        for _ in 0..<600 {
            exit = await reap(engine, limit: .zero)
            if exit != nil { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        guard let status = exit else {
            kill(engine, SIGKILL)
            _ = await reap(engine)
            throw TestFailure("\(node) did not exit within 60 s of SIGTERM\n\(logs())")
        }
        return status
    }

    /// Sends, from the client namespace, bytes that are not packets, a packet signed with another key, one of another
    /// cluster, and twice a validly signed packet of an earlier run of n2 (older than what n2 sends now).
    func sendHostilePackets(to address: String) async throws {
        let key = SymmetricKey(data: Array(Array(repeating: "k", count: 40).joined().utf8))
        func packet(_ cluster: String, at milliseconds: Int64) -> HeartbeatPacket {
            HeartbeatPacket(
                kind: .heartbeat, cluster: ClusterName(cluster), sender: NodeName("n2"),
                boot: BootIdentifier(high: 7, low: 7), sequence: 1, timestamp: Timestamp(milliseconds: milliseconds))
        }
        let packets: [[UInt8]] = [
            Array("not a packet".utf8),
            packet("test", at: 1).encoded(key: SymmetricKey(data: Array(repeating: UInt8(1), count: 32)))!,
            packet("other", at: 1).encoded(key: key)!,
            packet("test", at: 1).encoded(key: key)!,
            packet("test", at: 1).encoded(key: key)!,
        ]
        var files: [String] = []
        for (index, bytes) in packets.enumerated() {
            let file = directory.appendingPathComponent("packet\(index)").path
            _ = FileManager.default.createFile(atPath: file, contents: Data(bytes))
            files.append(file)
        }
        let script = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for name in sys.argv[3:]:
                s.sendto(open(name, 'rb').read(), (sys.argv[1], int(sys.argv[2])))
            """
        let run = try await ValidateCommandTests.run(
            "/usr/sbin/ip", ["netns", "exec", prefix + "c", "/usr/bin/python3", "-c", script, address, "7405"] + files)
        guard run.status == 0 else { throw TestFailure("sending packets: \(run.error)") }
    }

    /// The namespace's own hosts file, which every program started with `ip netns exec` sees as /etc/hosts.
    func hostsFile(_ name: String) -> String { "/etc/netns/\(prefix)\(name)/hosts" }

    /// Kills the engines and their agents' processes by PID, deletes the namespaces by name, removes the files. It
    /// blocks its thread (it runs from `defer`), briefly: what it waits for was killed.
    func tearDown() {
        for process in Array(engines.values) + followers {
            kill(process, SIGKILL)
            var status: Int32 = 0
            waitpid(process, &status, 0)
        }
        for node in ["n1", "n2"] { for pid in agentProcesses(node) { kill(pid, SIGKILL) } }
        for node in ["n1", "n2", "c"] where namespaces.contains(prefix + node) {
            let inside =
                (try? ValidateCommandTests.runSynchronously("/usr/sbin/ip", ["netns", "pids", prefix + node]))?.output
                ?? ""
            for pid in inside.split(separator: "\n").compactMap({ pid_t($0) }) { kill(pid, SIGKILL) }
        }
        engines = [:]
        for namespace in namespaces { try? FileManager.default.removeItem(atPath: "/etc/netns/" + namespace) }
        for namespace in namespaces.reversed() {
            _ = try? ValidateCommandTests.runSynchronously("/usr/sbin/ip", ["netns", "del", namespace])
        }
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs work that blocks (waiting for a child process) on a Dispatch thread and waits for it without holding a
/// thread of the cooperative pool, which the in-process engines and every test's timers need.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
