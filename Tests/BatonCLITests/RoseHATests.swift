import BatonControl
import BatonCore
import Foundation
import Testing

/// The Rose HA cluster of seed 001, for real: PostgreSQL on an ext4 volume on one loop device that both nodes share
/// (each engine in a mount namespace of its own), behind a floating address and an alias host name, with a client
/// that writes numbered rows through the alias while the active node crashes, and while every link is cut (fencing
/// through agents/fence-netns keeps the database on one node).
@Suite(.serialized, .timeLimit(.minutes(10))) struct RoseHATests {
    static let rounds = 5

    @Test func acknowledgedRowsSurviveTakeoversAndSwitchbacks() async throws {
        let bindir = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
            .map { "/usr/lib/postgresql/\($0)/bin" }
        guard AgentCommandTests.have(getuid() == 0, "the Rose HA test needs root"),
            AgentCommandTests.have(bindir != nil, "PostgreSQL is not installed (apt-get install postgresql)"),
            AgentCommandTests.have(
                FileManager.default.isExecutableFile(atPath: "/usr/sbin/mkfs.ext4"), "e2fsprogs is not installed"),
            let bindir
        else { return }
        let disk = try await SharedDisk(bindir: bindir)
        defer { disk.tearDown() }
        let powerSwitch = try PowerSwitch.install(in: disk.folder.path)
        let power = PowerSwitch(directory: disk.folder.path)
        defer { power.halt() }
        guard
            let cluster = try await Cluster.make(
                "rh", privateMounts: true,
                groups: { net, directory in
                    """
                    groups:
                      - name: erp-db
                        failback: manual
                        resources:
                          - name: data
                            agent: volume
                            params: {device: \(disk.device), directory: \(disk.mountPoint), fstype: ext4}
                          - name: vip
                            agent: floating-ip
                            params: {address: 10.\(net).1.50/24, interface: eth0}
                          - name: alias
                            agent: hostname-alias
                            params: {name: erp-db, address: 10.\(net).1.50}
                          - name: db
                            agent: \(ValidateCommandTests.packageRoot.path)/agents/postgresql
                            params:
                                  pgdata: \(disk.mountPoint)/pg
                                  listen_address: 10.\(net).1.50
                                  socket_dir: \(disk.sockets)
                                  logfile: \(disk.folder.path)/postgresql.log
                            monitor: {interval: 2s, timeout: 10s}
                    fencing:
                      delay: 1s
                      devices:
                        - name: power
                          agent: \(powerSwitch)
                          params: {namespace_prefix: \(AgentCommandTests.prefix)rh}
                          timeout: 10s
                      topology: {n1: [power], n2: [power]}

                    """
                })
        else { return }
        defer { cluster.tearDown() }
        // The alias goes into each node's own /etc/hosts (the agent's default); the client resolves it from its own.
        try "127.0.0.1 localhost\n10.\(cluster.net).1.50 erp-db\n".write(
            toFile: cluster.hostsFile("c"), atomically: true, encoding: .utf8)

        try cluster.start("n1")
        try cluster.start("n2")
        cluster.extraLogs.append(disk.folder.path + "/postgresql.log")
        cluster.nodeLocal = [disk.sockets]
        _ = try await cluster.waitFor("n2", "the database runs on n1", limit: .seconds(60)) {
            Self.databaseNode($0) == "n1" && $0.role == .slaveOK
        }
        let client = Client(namespace: cluster.prefix + "c")
        try await client.sql("CREATE TABLE numbered (n integer)")
        client.startWriting()
        defer { client.halt() }

        var takeovers: [Duration] = []
        for round in 1...Self.rounds {
            try await Task.sleep(for: .seconds(2))
            // The active node crashes: n2 takes over, and the client goes on through the same name.
            await cluster.crash("n1")
            let crash = ContinuousClock.now
            _ = try await cluster.waitFor("n2", "round \(round): the database runs on n2", limit: .seconds(90)) {
                Self.databaseNode($0) == "n2"
            }
            let resumed = try await client.firstAcknowledgement(sentAfter: crash, limit: .seconds(60), in: cluster)
            takeovers.append(resumed - crash)
            print("round \(round): the first row sent after the crash was acknowledged \(resumed - crash) after it")

            // n1 returns as the ready standby (failback: manual); the administrator switches the group back.
            try await cluster.ip("n1", ["link", "set", "eth0", "up"])
            try await cluster.ip("n1", ["link", "set", "eth1", "up"])
            try cluster.start("n1")
            _ = try await cluster.waitFor("n1", "round \(round): n1 is the ready standby", limit: .seconds(60)) {
                $0.role == .slaveOK && Self.databaseNode($0) == "n2"
            }
            // n1 crashed with the alias in its /etc/hosts: its probe found a second instance, which was stopped.
            _ = try await cluster.waitForEvents("n2", "round \(round): the second alias found on n1 and stopped") {
                let alias = $0.filter { $0.resource == "alias" }.map(\.message)
                return alias.contains("the probe found alias running on n1")
                    && alias.contains("alias also ran on n1; that second instance is stopped")
            }
            try await cluster.control("n1", ["switch", "erp-db", "--to", "n1"])
            _ = try await cluster.waitFor("n1", "round \(round): the database is back on n1", limit: .seconds(90)) {
                Self.databaseNode($0) == "n1" && $0.role == .main
            }
            _ = try await client.firstAcknowledgement(sentAfter: ContinuousClock.now, limit: .seconds(60), in: cluster)
        }

        // A partition: both networks cut for 5 s while both nodes live. n1, which runs the database, fences n2 at once
        // (n2 waits its delay first); the database never runs on both, and the client goes on once the links heal.
        let cut = ContinuousClock.now
        for bridge in ["br0", "br1"] { try await cluster.ip("sw", ["link", "set", bridge, "down"]) }
        _ = try await cluster.waitForEvents("n1", "the partition: n1 fenced n2", limit: .seconds(20)) {
            $0.contains { $0.event == "fence-succeeded" && $0.node == "n2" }
        }
        try await FencingFaultTests().reapFenced(cluster, "n2", "the partition")
        try await Task.sleep(until: cut + .seconds(5), clock: .continuous)
        for bridge in ["br0", "br1"] { try await cluster.ip("sw", ["link", "set", bridge, "up"]) }
        let heal = ContinuousClock.now
        let healed = try #require(await cluster.status("n1"))
        #expect(Self.databaseNode(healed) == "n1", "the database stayed on n1")
        let resumed = try await client.firstAcknowledgement(sentAfter: heal, limit: .seconds(60), in: cluster)
        print("partition: the first row sent after the heal was acknowledged \(resumed - heal) after it")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n1", "n2 is back as the ready standby", limit: .seconds(60)) {
            $0.peers.first { $0.name == "n2" }?.role == .slaveOK && Self.databaseNode($0) == "n1"
        }
        await client.stop()

        // Every acknowledged row is there, once.
        let rows = try await client.sql("SELECT n FROM numbered").split(separator: "\n").compactMap { Int($0) }
        let acknowledged = client.acknowledged
        #expect(Set(rows).count == rows.count, "duplicated rows")
        let lost = Set(acknowledged).subtracting(rows)
        #expect(lost.isEmpty, "acknowledged rows lost: \(lost.sorted())")
        #expect(acknowledged.count > 50, "the client wrote only \(acknowledged.count) rows")
        let sorted = takeovers.sorted()
        print(
            "Rose HA (5 crashes, a partition): \(acknowledged.count) rows acknowledged, \(lost.count) lost, "
                + "\(rows.count - Set(rows).count) "
                + "duplicated; takeover to the first acknowledged row: median \(sorted[sorted.count / 2]), "
                + "maximum \(sorted.last!) over \(sorted.count) rounds")
    }

    @Test func mutualTakeoverLeavesBothDatabasesOnTheSurvivor() async throws {
        let bindir = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql"))?.sorted().last
            .map { "/usr/lib/postgresql/\($0)/bin" }
        guard AgentCommandTests.have(getuid() == 0, "the mutual takeover test needs root"),
            AgentCommandTests.have(bindir != nil, "PostgreSQL is not installed (apt-get install postgresql)"),
            let bindir
        else { return }
        var disks: [SharedDisk] = []
        defer { for disk in disks { disk.tearDown() } }
        for _ in ["sales", "stock"] { disks.append(try await SharedDisk(bindir: bindir)) }
        guard
            let cluster = try await Cluster.make(
                "mt", privateMounts: true,
                groups: { net, _ in
                    "groups:\n"
                        + zip(["sales", "stock"], disks).enumerated().map { index, pair in
                            let (name, disk) = pair
                            let home = index == 0 ? "[n1, n2]" : "[n2, n1]"
                            let address = "10.\(net).1.\(50 + index)"
                            return """
                                  - name: \(name)-db
                                    nodes: \(home)
                                    failback: auto
                                    resources:
                                      - name: \(name)-data
                                        agent: volume
                                        params: {device: \(disk.device), directory: \(disk.mountPoint), fstype: ext4}
                                      - name: \(name)-ip
                                        agent: floating-ip
                                        params: {address: \(address)/24, interface: eth0}
                                      - name: \(name)-pg
                                        agent: \(ValidateCommandTests.packageRoot.path)/agents/postgresql
                                        params:
                                          pgdata: \(disk.mountPoint)/pg
                                          listen_address: \(address)
                                          socket_dir: \(disk.sockets)
                                          logfile: \(disk.folder.path)/postgresql.log

                                """
                        }.joined()
                })
        else { return }
        defer { cluster.tearDown() }
        cluster.extraLogs += disks.map { $0.folder.path + "/postgresql.log" }
        cluster.nodeLocal = disks.map(\.sockets)
        let clients = ["sales", "stock"].indices.map {
            Client(namespace: cluster.prefix + "c", host: "10.\(cluster.net).1.\(50 + $0)")
        }
        func placement(_ status: StatusReport) -> [String?] {
            ["sales-pg", "stock-pg"].map {
                let db = status.state.state(of: ResourceName($0))
                return db.status == .started ? db.node?.rawValue : nil
            }
        }
        try cluster.start("n1")
        try cluster.start("n2")
        _ = try await cluster.waitFor("n2", "each database runs at home", limit: .seconds(60)) {
            placement($0) == ["n1", "n2"]
        }
        for client in clients {
            try await client.sql("CREATE TABLE numbered (n integer); INSERT INTO numbered VALUES (1)")
        }

        // Losing either node leaves both databases on the survivor, each on its own volume and address.
        for (round, (lost, survivor)) in [("n1", "n2"), ("n2", "n1")].enumerated() {
            await cluster.crash(lost)
            _ = try await cluster.waitFor(survivor, "both databases run on \(survivor)", limit: .seconds(90)) {
                placement($0) == [survivor, survivor]
            }
            for client in clients { try await client.sql("INSERT INTO numbered VALUES (\(round + 2))") }
            // The lost node returns, and failback: auto brings its database home.
            try await cluster.ip(lost, ["link", "set", "eth0", "up"])
            try await cluster.ip(lost, ["link", "set", "eth1", "up"])
            try cluster.start(lost)
            _ = try await cluster.waitFor(survivor, "each database is home again", limit: .seconds(90)) {
                placement($0) == ["n1", "n2"]
            }
        }
        for client in clients {
            #expect(try await client.sql("SELECT n FROM numbered ORDER BY n") == "1\n2\n3\n")
        }
    }

    /// Where the database runs, by the cluster state.
    static func databaseNode(_ status: StatusReport) -> String? {
        let db = status.state.state(of: ResourceName("db"))
        return db.status == .started ? db.node?.rawValue : nil
    }
}

/// One loop device with an ext4 file system holding an initialized PostgreSQL data directory; the mount point and
/// socket directory both nodes use.
final class SharedDisk {
    let folder: URL
    let device: String
    var mountPoint: String { folder.path + "/srv" }
    var sockets: String { folder.path + "/sockets" }

    init(bindir: String) async throws {
        folder = try AgentCommandTests.temporaryDirectory()
        let image = folder.path + "/disk.img"
        try await Self.check(ValidateCommandTests.run("/usr/bin/truncate", ["-s", "256M", image]))
        try await Self.check(ValidateCommandTests.run("/usr/sbin/mkfs.ext4", ["-q", "-F", image]))
        let attach = try await ValidateCommandTests.run("/usr/sbin/losetup", ["-f", "--show", image])
        device = attach.output.trimmingCharacters(in: .whitespacesAndNewlines)
        guard attach.status == 0, device.hasPrefix("/dev/loop") else { throw TestFailure("losetup: \(attach.error)") }
        for path in [mountPoint, sockets] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        _ = FileManager.default.createFile(atPath: folder.path + "/postgresql.log", contents: nil)
        try await Self.check(
            ValidateCommandTests.run("/usr/bin/chown", ["postgres", sockets, folder.path + "/postgresql.log"]))
        // The data directory is made once, in a mount namespace of the test's own that ends with the script.
        let script = """
            set -e
            mount "$1" "$2"
            mkdir "$2/pg"
            chown postgres "$2/pg"
            runuser -u postgres -- "$3/initdb" -D "$2/pg" -A trust > /dev/null
            echo "host all all 0.0.0.0/0 trust" >> "$2/pg/pg_hba.conf"
            umount "$2"
            """
        try await Self.check(
            ValidateCommandTests.run(
                "/usr/bin/unshare",
                ["--mount", "--propagation", "private", "/bin/sh", "-c", script, "sh", device, mountPoint, bindir]))
    }

    static func check(_ run: ValidateCommandTests.Run) throws {
        guard run.status == 0 else { throw TestFailure("\(run.output)\(run.error)") }
    }

    /// Blocks its thread (it runs from `defer`), briefly.
    func tearDown() {
        _ = try? ValidateCommandTests.runSynchronously("/usr/sbin/losetup", ["-d", device])
        try? FileManager.default.removeItem(at: folder)
    }
}

/// The client namespace's writer: one committed INSERT of the next number every 50 ms through the alias host
/// name, each in a new connection (`psql`), on a thread of its own; a number is acknowledged when psql succeeded.
final class Client: @unchecked Sendable {
    let namespace: String
    let host: String
    private let lock = NSLock()
    private var numbers: [Int] = []
    /// When each acknowledged statement was sent, and when its acknowledgement came.
    private var timings: [(sent: ContinuousClock.Instant, acknowledged: ContinuousClock.Instant)] = []
    private var running = false
    private var thread: Thread?
    /// The writer's last failure, for the report when no acknowledgement comes.
    private var lastError = "none"
    /// When the writer's current statement was sent.
    private var statementSince: ContinuousClock.Instant?

    init(namespace: String, host: String = "erp-db") {
        self.namespace = namespace
        self.host = host
    }

    var acknowledged: [Int] { lock.withLock { numbers } }

    /// Runs one statement; its output, unaligned and without headers.
    @discardableResult
    func sql(_ statement: String) async throws -> String {
        try await offPool { try self.sqlSynchronously(statement) }
    }

    /// How the client connects. A crashed machine closes none of its connections, so a statement under way may never
    /// hear back: like any client of a cluster, this one gives up on a connection whose data goes unacknowledged for
    /// 3 s (`tcp_user_timeout`) instead of waiting through TCP's minutes of retransmission.
    static func connection(_ host: String) -> String {
        "host=\(host) user=postgres dbname=postgres connect_timeout=2 tcp_user_timeout=3000"
    }

    /// ``sql(_:)`` on the calling thread, which it blocks: the writer's own thread.
    private func sqlSynchronously(_ statement: String) throws -> String {
        let run = try ValidateCommandTests.runSynchronously(
            "/usr/sbin/ip",
            [
                "netns", "exec", namespace, "/usr/bin/psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-d", Self.connection(host), "-c", statement,
            ])
        guard run.status == 0 else { throw TestFailure("psql \(statement): \(run.error)") }
        return run.output
    }

    func startWriting() {
        lock.withLock { running = true }
        let thread = Thread { [self] in
            var next = 1
            while lock.withLock({ running }) {
                let sent = ContinuousClock.now
                lock.withLock { statementSince = sent }
                do {
                    _ = try sqlSynchronously("INSERT INTO numbered VALUES (\(next))")
                    let now = ContinuousClock.now
                    lock.withLock {
                        numbers.append(next)
                        timings.append((sent, now))
                    }
                } catch {
                    lock.withLock { lastError = "\(error)" }
                }
                next += 1
                usleep(50_000)
            }
        }
        self.thread = thread
        thread.start()
    }

    /// Stops the writer and waits for its last statement.
    func stop() async {
        lock.withLock { running = false }
        for _ in 0..<500 where thread?.isFinished == false { try? await Task.sleep(for: .milliseconds(20)) }
    }

    /// Tells the writer to stop after its current statement, without waiting for it.
    func halt() {
        lock.withLock { running = false }
    }

    /// When the first statement sent after `start` was acknowledged; if none is for `limit`, the failure names the
    /// writer's last error and what `cluster` shows.
    func firstAcknowledgement(sentAfter start: ContinuousClock.Instant, limit: Duration, in cluster: Cluster)
        async throws -> ContinuousClock.Instant
    {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let time = lock.withLock({ timings.first { $0.sent > start }?.acknowledged }) { return time }
            try await Task.sleep(for: .milliseconds(100))
        }
        let error = lock.withLock { lastError }
        throw TestFailure(
            "the client got no acknowledgement for \(limit); its last error: \(error)\n\(await cluster.report())")
    }
}

/// A power switch for the test's nodes, outside their namespaces. Each engine runs in a PID namespace of its own,
/// where agents/fence-netns would see none of the other node's processes: the fence device of the Rose HA cluster
/// forwards its options to this switch, which runs agents/fence-netns from the test's own namespaces, as a real
/// fence agent talks to a power switch over the network.
final class PowerSwitch: Sendable {
    private let task: Task<Void, Never>

    /// Writes the fence device (`power-switch` in `directory`): it forwards its options and waits for the answer.
    static func install(in directory: String) throws -> String {
        let device = directory + "/power-switch"
        let netns = ValidateCommandTests.packageRoot.appendingPathComponent("agents/fence-netns").path
        let script = """
            #!/bin/sh
            # Options as arguments (meta-data): fence-netns answers itself. On standard input: to the switch.
            [ $# -gt 0 ] && exec \(netns) "$@"
            id=$$
            cat > "\(directory)/power.$id.tmp" && mv "\(directory)/power.$id.tmp" "\(directory)/power.$id.request"
            for _ in $(seq 1 180); do
                if [ -e "\(directory)/power.$id.done" ]; then
                    cat "\(directory)/power.$id.out"; exit "$(cat "\(directory)/power.$id.done")"
                fi
                sleep 0.05
            done
            echo "the power switch did not answer" >&2; exit 1
            """
        try script.write(toFile: device, atomically: true, encoding: .utf8)
        chmod(device, 0o755)
        return device
    }

    /// Serves the requests written in `directory`, every 50 ms, until ``halt()``.
    init(directory: String) {
        let netns = ValidateCommandTests.packageRoot.appendingPathComponent("agents/fence-netns").path
        task = Task {
            while !Task.isCancelled {
                let files = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
                for request in files where request.hasPrefix("power.") && request.hasSuffix(".request") {
                    let path = directory + "/" + request
                    let base = String(path.dropLast(".request".count))
                    try? FileManager.default.removeItem(atPath: base + ".tmp")
                    // The options go to fence-netns on its standard input; the paths are the shell's arguments.
                    let run = try? await ValidateCommandTests.run(
                        "/bin/sh", ["-c", "exec \"$0\" < \"$1\"", netns, path])
                    try? FileManager.default.removeItem(atPath: path)
                    try? ((run?.output ?? "") + (run?.error ?? "")).write(
                        toFile: base + ".out", atomically: true, encoding: .utf8)
                    try? "\(run?.status ?? 1)".write(toFile: base + ".done", atomically: true, encoding: .utf8)
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    func halt() { task.cancel() }
}
