import ArgumentParser
import BatonControl
import BatonCore
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

extension Baton {
    /// `baton demo`: a real two-node cluster on loopback, and a takeover as it happens.
    public struct Demo: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Run a real two-node cluster on loopback and show a takeover; needs no root.",
            discussion: """
                Starts two engines (baton run) on 127.0.0.1 and 127.0.0.2, each with its own state directory \
                under a new temporary folder, and one group: the shell agent dummy (when the repository's \
                agents/ folder is found) and a small TCP service run by the process agent. It shows baton \
                status, the dry-run of the active node's loss, then kills the active node (its engine and the \
                service it runs, with SIGKILL) and prints the standby's events as they happen, with the time \
                since the crash, until the service answers from the standby. At the end it stops the standby \
                with SIGTERM and removes everything it made.
                """)

        public init() {}

        public func run() async throws {
            let demo = try DemoCluster()
            defer { demo.tearDown() }
            do {
                try await demo.play()
            } catch let failure as CommandFailure {
                writeStandardError("baton demo: \(failure.message)\n\(demo.logs())")
                throw ExitCode(1)
            }
        }
    }

    /// `baton demo-service`: the TCP service of `baton demo` (hidden).
    public struct DemoService: ParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "demo-service", abstract: "The TCP service baton demo runs.", shouldDisplay: false)

        @Option var port: Int

        public init() {}

        /// Answers every connection on 127.0.0.1:PORT with one line naming its process, until killed.
        public func run() throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var yes: Int32 = 1
            setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            let bound = withLoopback(port: port) { bind(listener, $0, $1) }
            guard listener >= 0, bound == 0, listen(listener, 16) == 0 else {
                throw CommandFailure(message: "cannot listen on 127.0.0.1:\(port)", status: 1)
            }
            let line = Array("hello from the shop service, process \(getpid())\n".utf8)
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { continue }
                _ = line.withUnsafeBytes { write(connection, $0.baseAddress, $0.count) }
                close(connection)
            }
        }
    }
}

/// The demo's cluster: a temporary folder with the configuration, the key, a state directory per node and the
/// engines' logs; the engines are this process's children and are reaped by it.
final class DemoCluster {
    let directory: String
    let servicePort: Int
    var engines: [String: pid_t] = [:]
    let started = ContinuousClock.now

    init() throws {
        var template = Array("/tmp/baton-demo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw CommandFailure(message: "cannot make a temporary folder", status: 1)
        }
        directory = String(cString: made)
        let heartbeatPort = Int.random(in: 20_000..<40_000)
        servicePort = Int.random(in: 40_000..<60_000)
        let baton = Self.executable()
        let dummy =
            Self.repositoryAgents().map {
                "      - {name: flag, agent: \($0)/dummy}\n"
            } ?? ""
        let config = """
            version: 1
            cluster: demo
            heartbeat: {port: \(heartbeatPort), interval: 100ms, warntime: 300ms, deadtime: 500ms, initdead: 2s, key-file: key}
            nodes:
              - {name: node1, priority: 100, links: [127.0.0.1]}
              - {name: node2, priority: 50, links: [127.0.0.2]}
            groups:
              - name: shop
                failback: manual
                resources:

            """ + dummy + """
                      - name: service
                        agent: process
                        params: {command: "\(baton) demo-service --port \(servicePort)", port: "\(servicePort)"}
                        monitor: {interval: 1s, timeout: 5s}

                """
        try config.write(toFile: directory + "/cluster.yaml", atomically: true, encoding: .utf8)
        let key = (0..<32).map { _ in String(UInt8.random(in: 0...255), radix: 16) }.joined()
        try key.write(toFile: directory + "/key", atomically: true, encoding: .utf8)
        chmod(directory + "/key", 0o600)
    }

    /// This program's own path.
    static func executable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "baton"
    }

    /// The repository's `agents/` folder, when this binary was built from a clone that still has it.
    static func repositoryAgents() -> String? {
        var path = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { path.deleteLastPathComponent() }
        let agents = path.appendingPathComponent("agents").path
        return FileManager.default.isExecutableFile(atPath: agents + "/dummy") ? agents : nil
    }

    func say(_ text: String) {
        writeStandardOutput(text + "\n")
    }

    func elapsed(since start: ContinuousClock.Instant) -> String {
        let milliseconds = (ContinuousClock.now - start).components
        let total = milliseconds.seconds * 1000 + milliseconds.attoseconds / 1_000_000_000_000_000
        return "\(total)".padded(leftTo: 5) + " ms"
    }

    func play() async throws {
        say("Starting two engines on loopback (node1 on 127.0.0.1, node2 on 127.0.0.2), files in \(directory)")
        for node in ["node1", "node2"] { try start(node) }
        let formed = try await waitFor("node2", "the group to start on node1", limit: .seconds(15)) {
            self.groupNode($0) == "node1" && $0.role == .slaveOK
        }
        let spec = try ConfigOptions.parse(["-c", directory + "/cluster.yaml"]).validSpec()
        say("\n$ baton status   (asked of node2)\n")
        say(Baton.Status.text(formed, spec))
        say("$ baton plan --live --fail node1   (the dry-run of what the crash will do)\n")
        say(PlanRenderer.text(Planner.plan(spec, from: formed.state, trigger: .nodeLost(NodeName("node1")))))

        say("Crashing node1: SIGKILL to its engine and to the service it runs.")
        let crash = ContinuousClock.now
        crashNode("node1")
        var shown = Set(formed.events.map { "\($0.time.milliseconds) \($0.event) \($0.message)" })
        let deadline = crash + .seconds(15)
        var done = false
        while ContinuousClock.now < deadline, !done {
            if let status = await askStatus("node2") {
                for event in status.events
                where shown.insert("\(event.time.milliseconds) \(event.event) \(event.message)").inserted {
                    say("  \(elapsed(since: crash))  node2 \(event.event): \(event.message)")
                }
                done = groupNode(status) == "node2"
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        guard done else { throw CommandFailure(message: "node2 did not take over within 15 s", status: 1) }
        let answer = ask(port: servicePort) ?? "no answer"
        say("  \(elapsed(since: crash))  the service, now run by node2, answers: \(answer)")
        say("\nTakeover done. Stopping node2 (SIGTERM: it stops its resources) and removing \(directory).")
        stop("node2")
        say("Finished in \(elapsed(since: started)).")
    }

    /// Where the demo's group runs, by the service's state.
    func groupNode(_ status: StatusReport) -> String? {
        let service = status.state.state(of: ResourceName("service"))
        return service.status == .started ? service.node?.rawValue : nil
    }

    func start(_ node: String) throws {
        let arguments = [
            Self.executable(), "run", "-c", directory + "/cluster.yaml", "--node", node, "--state-dir",
            directory + "/" + node,
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, directory + "/\(node).log", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else {
            throw CommandFailure(message: "cannot start \(arguments[0])", status: 1)
        }
        engines[node] = pid
    }

    func waitFor(
        _ node: String, _ what: String, limit: Duration, _ condition: @escaping (StatusReport) -> Bool
    ) async throws -> StatusReport {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if let status = await askStatus(node), condition(status) { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CommandFailure(message: "waited \(limit) for \(what)", status: 1)
    }

    func askStatus(_ node: String) async -> StatusReport? {
        try? await ControlClient.ask(ControlRequest(command: "status"), socket: directory + "/\(node)/baton.sock")
            .status
    }

    /// The PIDs in the pid files of the node's built-in agents.
    func agentProcesses(_ node: String) -> [pid_t] {
        let folder = directory + "/\(node)/agents"
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { $0.hasSuffix(".pid") }.compactMap {
            (try? String(contentsOfFile: folder + "/" + $0, encoding: .utf8)).flatMap {
                pid_t($0.trimmingSpaces)
            }
        }
    }

    func crashNode(_ node: String) {
        if let engine = engines.removeValue(forKey: node) {
            kill(engine, SIGKILL)
            reap(engine, limit: .seconds(5))
        }
        // The process agent runs the service in its own session: kill its whole process group.
        for pid in agentProcesses(node) { kill(-pid, SIGKILL) }
    }

    func stop(_ node: String) {
        guard let engine = engines.removeValue(forKey: node) else { return }
        kill(engine, SIGTERM)
        if !reap(engine, limit: .seconds(20)) {
            kill(engine, SIGKILL)
            reap(engine, limit: .seconds(5))
        }
    }

    /// Waits for a child to end; whether it did.
    @discardableResult
    func reap(_ pid: pid_t, limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        repeat {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return true }
            usleep(20_000)
        } while ContinuousClock.now < deadline
        return false
    }

    /// One line from the TCP service.
    func ask(port: Int) -> String? {
        let connection = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard connection >= 0 else { return nil }
        defer { close(connection) }
        let connected = withLoopback(port: port) { connect(connection, $0, $1) }
        guard connected == 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = read(connection, &buffer, buffer.count)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count], as: UTF8.self).trimmingSpaces
    }

    func logs() -> String {
        ["node1", "node2"].map { node in
            let text = (try? String(contentsOfFile: directory + "/\(node).log", encoding: .utf8)) ?? ""
            return "--- \(node).log\n" + text.split(separator: "\n").suffix(15).joined(separator: "\n")
        }.joined(separator: "\n") + "\n"
    }

    /// Kills whatever is left, by PID, and removes the folder.
    func tearDown() {
        for node in Array(engines.keys) { crashNode(node) }
        for node in ["node1", "node2"] { for pid in agentProcesses(node) { kill(-pid, SIGKILL) } }
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Calls `body` with the socket address 127.0.0.1:`port` and its length.
private func withLoopback(port: Int, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Int32) -> Int32 {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
}
