import BatonControl
import BatonCore
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `Type=notify`: a real `baton run` (alone, on this machine's loopback, no root needed) tells the socket that
/// `NOTIFY_SOCKET` names when it is ready, pets the watchdog, and says when it stops.
@Suite struct SystemdNotifyTests {
    @Test func readyWatchdogAndStopping() async throws {
        let directory = try AgentCommandTests.temporaryDirectory().path
        let socketPath = directory + "/notify"
        let listener = try #require(ControlErrorTests.boundSocket(socketPath, type: Int32(SOCK_DGRAM.rawValue)))
        defer { close(listener) }
        var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
        setsockopt(listener, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try Array(repeating: "k", count: 40).joined().write(
            toFile: directory + "/key", atomically: true, encoding: .utf8)
        chmod(directory + "/key", 0o600)
        let port = 20_000 + Int(getpid() % 20_000)
        try """
        version: 1
        cluster: notify
        heartbeat: {interval: 100ms, deadtime: 500ms, initdead: 1s, port: \(port), key-file: key}
        nodes:
          - {name: n1, links: [127.0.0.1]}
          - {name: n2, links: [127.0.0.2]}
        groups:
          - name: g
            resources:
              - {name: app, agent: process, params: {command: "sleep 100000"}}

        """.write(toFile: directory + "/cluster.yaml", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = ValidateCommandTests.binary
        process.arguments = [
            "run", "-c", directory + "/cluster.yaml", "--node", "n1", "--state-dir", directory + "/state",
            "--priority", "normal",
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["NOTIFY_SOCKET"] = socketPath
        environment["WATCHDOG_USEC"] = "400000"
        environment.removeValue(forKey: "WATCHDOG_PID")
        process.environment = environment
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        var lines: [String] = []
        func read(until done: ([String]) -> Bool, limit: Int = 50) async throws {
            for _ in 0..<limit where !done(lines) {
                let text = try await offPool { () -> String? in
                    var buffer = [UInt8](repeating: 0, count: 4096)
                    let count = recv(listener, &buffer, buffer.count, 0)
                    return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
                }
                if let text { lines += text.split(separator: "\n").map(String.init) }
            }
        }
        try await read(until: { $0.contains("READY=1") && $0.filter { $0 == "WATCHDOG=1" }.count >= 2 })
        #expect(lines.contains("READY=1"), "\(lines)")
        #expect(lines.contains { $0.hasPrefix("STATUS=n1 ") }, "\(lines)")
        #expect(lines.filter { $0 == "WATCHDOG=1" }.count >= 2, "the watchdog is petted: \(lines)")
        kill(process.processIdentifier, SIGTERM)
        try await read(until: { $0.contains("STOPPING=1") })
        #expect(lines.contains("STOPPING=1"), "\(lines)")
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)

        // The engine is down; its history is not: every event it recorded, from its state directory.
        let state = ["--state-dir", directory + "/state", "-c", directory + "/cluster.yaml"]
        let history = try await ValidateCommandTests.run(["events", "--history", "--json"] + state)
        let names = history.output.split(separator: "\n").compactMap {
            try? JSONDecoder().decode(EventRecord.self, from: Data($0.utf8)).event
        }
        #expect(names.first == "engine-started" && names.last == "engine-stopped", "\(names)")
        #expect(names.contains("listening-ended"))
        let future = try await ValidateCommandTests.run(["events", "--since", "2099-01-01T00:00:00Z"] + state)
        #expect(future.status == 0 && future.output.isEmpty)
        let recent = try await ValidateCommandTests.run(["events", "--since", "10m", "--node", "n2"] + state)
        #expect(recent.output.contains("node-lost") && !recent.output.contains("engine-started"), "\(recent.output)")
        let wrong = try await ValidateCommandTests.run(["events", "--since", "yesterday"] + state)
        #expect(wrong.status == 64)
    }
}

/// The shipped unit: what the README and the engine's notifications rely on.
@Suite struct SystemdUnitTests {
    @Test func theUnitIsOfTypeNotifyAndLeavesTheServicesToTheEngine() throws {
        let text = try String(
            contentsOf: ValidateCommandTests.packageRoot.appendingPathComponent("contrib/baton.service"),
            encoding: .utf8)
        var keys: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            keys[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        #expect(keys["Type"] == "notify" && keys["NotifyAccess"] == "main")
        #expect(keys["KillMode"] == "process" && keys["SendSIGKILL"] == "no")
        #expect(keys["Restart"] == "on-failure" && keys["ExecReload"] == "/bin/kill -HUP $MAINPID")
        #expect(keys["ExecStart"]?.hasPrefix("/usr/bin/baton run") == true)
        #expect(keys["WatchdogSec"] != nil && keys["RuntimeDirectoryPreserve"] == "yes")
    }

    /// systemd's own check of the unit (its man pages are not installed here: that check is left out), with the
    /// binary as built.
    @Test func systemdAnalyzeAcceptsTheUnit() async throws {
        guard
            AgentCommandTests.have(
                FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
                "systemd-analyze is not installed (systemd)")
        else { return }
        let text = try String(
            contentsOf: ValidateCommandTests.packageRoot.appendingPathComponent("contrib/baton.service"),
            encoding: .utf8)
        let unit = try AgentCommandTests.temporaryDirectory().path + "/baton.service"
        try text.replacingOccurrences(of: "/usr/bin/baton", with: ValidateCommandTests.binary.path).write(
            toFile: unit, atomically: true, encoding: .utf8)
        let run = try await ValidateCommandTests.run("/usr/bin/systemd-analyze", ["verify", "--man=no", unit])
        #expect(run.status == 0, "\(run.output)\(run.error)")
    }
}

/// The event history in the state directory: bounded, in order, and robust to a line cut short.
@Suite struct EventHistoryTests {
    @Test func itIsMovedAsideWhenFullAndReadInOrder() throws {
        let directory = try AgentCommandTests.temporaryDirectory().path
        let history = EventHistory(directory: directory)
        let count = EventHistory.limit / 50
        for index in 0..<count {
            history.append(
                EventRecord(
                    event: "link-up", severity: .info, node: "n\(index)", role: .main,
                    message: "event \(index) of the history", time: Timestamp(milliseconds: Int64(index))))
        }
        let size = { (path: String) in (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
        #expect(size(history.previousPath) > EventHistory.limit, "moved aside once full")
        #expect(size(history.path) <= EventHistory.limit)
        // A write cut short by a crash leaves a partial line: it is skipped.
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: history.path))
        file.seekToEndOfFile()
        file.write(Data("{\"event\":\"li".utf8))
        try file.close()
        let read = history.read()
        let times = read.map(\.time.milliseconds)
        #expect(times == times.sorted() && times.last == Int64(count - 1), "oldest first, the newest kept")
        #expect(read.count < count && read.count > EventHistory.limit / 400, "bounded: \(read.count)")
    }
}
